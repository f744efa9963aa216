"""The demo shop's markets over HTTP: /fi/ in Finnish with EUR, /sv/ in Swedish with SEK, each
with its own payment methods, cart and links; a ``#MARKET`` fault hits that market alone."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

from demo_shop_client import CHECKOUT_FORM, Customer

from cxmon.demo import DemoShop

METHOD_RE = re.compile(r'name="method" value="([a-z_]+)"')


async def walk_to_payment(customer: Customer, market: str) -> str:
    """Adds a Trail Runner to the cart and enters the details in ``market``; the payment page's HTML."""
    response, _ = await customer.post(
        f"/{market}/cart/add", data={"product": "trail-runner", "quantity": "1"}, allow_redirects=False
    )
    assert (response.status, response.headers["Location"]) == (303, f"/{market}/cart")
    response, _ = await customer.post(f"/{market}/checkout", data=CHECKOUT_FORM, allow_redirects=False)
    assert (response.status, response.headers["Location"]) == (303, f"/{market}/payment")
    response, html = await customer.get(f"/{market}/payment")
    assert response.status == 200, html
    return html


async def test_each_market_speaks_its_language_in_its_currency(customer: Customer) -> None:
    response, fi = await customer.get("/fi/product/trail-runner")
    assert response.status == 200
    assert '<html lang="fi">' in fi and "Lisää ostoskoriin" in fi and "89.00 EUR" in fi
    assert 'action="/fi/cart/add"' in fi and 'href="/fi/cart"' in fi
    response, sv = await customer.get("/sv/product/trail-runner")
    assert response.status == 200
    assert '<html lang="sv">' in sv and "Lägg i varukorgen" in sv and "990.00 SEK" in sv
    response, en = await customer.get("/product/trail-runner")
    assert '<html lang="en">' in en and "Add to cart" in en and "89.00 EUR" in en


async def test_each_market_offers_its_own_payment_methods(
    shop: DemoShop, new_customer: Callable[[DemoShop], Customer]
) -> None:
    fi = await walk_to_payment(new_customer(shop), "fi")
    assert METHOD_RE.findall(fi) == ["card", "invoice", "mobile_pay"]
    assert "Maksa nyt" in fi and "89.00 EUR" in fi
    sv = await walk_to_payment(new_customer(shop), "sv")
    assert METHOD_RE.findall(sv) == ["card", "invoice", "instalments"]
    assert "Betala nu" in sv and "990.00 SEK" in sv


async def test_a_redirect_payment_returns_to_its_market(customer: Customer) -> None:
    await walk_to_payment(customer, "sv")
    response, html = await customer.post("/sv/payment", data={"method": "instalments"})
    assert response.status == 200, html
    assert response.url.path.startswith("/sv/order/DS-")
    assert "Tack för din beställning!" in html and "Delbetalning" in html and "990.00 SEK" in html


async def test_a_method_the_market_does_not_offer_is_refused(customer: Customer) -> None:
    await walk_to_payment(customer, "fi")
    response, html = await customer.post("/fi/payment", data={"method": "instalments"})
    assert response.status == 422
    assert "Valitse maksutapa." in html


async def test_markets_keep_their_own_carts(customer: Customer) -> None:
    await walk_to_payment(customer, "fi")
    _, sv_cart = await customer.get("/sv/cart")
    assert "Din varukorg är tom." in sv_cart
    _, en_cart = await customer.get("/cart")
    assert "Your cart is empty." in en_cart


async def test_a_market_fault_breaks_that_market_only(
    start_shop: Callable[..., Awaitable[DemoShop]], new_customer: Callable[[DemoShop], Customer]
) -> None:
    shop = await start_shop(faults=["error_page@cart#sv", "payment_rejected:invoice#fi"])
    customer = new_customer(shop)
    for market in ("fi", "sv"):
        await customer.post(f"/{market}/cart/add", data={"product": "trail-runner", "quantity": "1"})
    assert (await customer.get("/sv/cart"))[0].status == 500
    assert (await customer.get("/fi/cart"))[0].status == 200
    assert (await customer.get("/cart"))[0].status == 200
    # The provider declines invoice for the Finnish shop's payments only.
    await walk_to_payment(fi := new_customer(shop), "fi")
    response, html = await fi.post("/fi/payment", data={"method": "invoice"})
    assert response.status == 402 and "Maksu hylättiin" in html
    await walk_to_payment(sv := new_customer(shop), "sv")
    response, html = await sv.post("/sv/payment", data={"method": "invoice"})
    assert response.status == 200 and response.url.path.startswith("/sv/order/")
