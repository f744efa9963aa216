"""The demo shop over HTTP without faults: pages, purchase paths, sessions and the admin API."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable

import aiohttp
import pytest
from demo_shop_client import CHECKOUT_FORM, GOOD_CARD, ORDER_PATH_RE, Customer

from cxmon.demo import DemoShop


async def test_home_lists_products_with_links_and_cart_count(customer: Customer) -> None:
    response, html = await customer.get("/")
    assert response.status == 200
    assert response.content_type == "text/html"
    assert "<title>Demo Shop</title>" in html
    assert "<h1>Demo Shop</h1>" in html
    assert '<body data-stage="browse">' in html
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    assert '<a href="/product/trail-runner">Trail Runner</a>' in html
    assert '<a href="/product/city-sneaker">City Sneaker</a>' in html
    assert '<a href="/product/rain-jacket">Rain Jacket</a>' in html
    assert "89.00 EUR" in html
    assert '<a class="cart-link" href="/cart">Cart (0)</a>' in html
    assert response.cookies["demo_sid"]["httponly"]


async def test_pages_load_nothing_from_outside(customer: Customer) -> None:
    await customer.ready_to_pay()
    for path in ("/", "/product/rain-jacket", "/cart", "/checkout", "/payment"):
        _, html = await customer.get(path)
        sources = re.findall(r'(?:src|href)="([^"]+)"', html)
        outside = [s for s in sources if s.startswith(("http:", "https:", "//"))]
        # Only the payment provider's card form comes from another origin.
        assert all(s.startswith(customer.shop.provider_url + "/card-form?") for s in outside), outside


async def test_product_page_has_quantity_and_add_to_cart(customer: Customer) -> None:
    response, html = await customer.get("/product/trail-runner")
    assert response.status == 200
    assert "<h1>Trail Runner</h1>" in html
    assert "89.00 EUR" in html
    assert '<form id="action-form" method="post" action="/cart/add"' in html
    assert '<label for="quantity">Quantity</label>' in html
    assert re.search(r'<input id="quantity" name="quantity" type="number" value="1"', html)
    assert '<button type="submit" id="action-button" class="button primary">Add to cart</button>' in html


async def test_unknown_product_and_path_are_404_pages(customer: Customer) -> None:
    for path in ("/product/moon-boots", "/nowhere"):
        response, html = await customer.get(path)
        assert response.status == 404
        assert "<h1>Page not found</h1>" in html


async def test_add_to_cart_redirects_to_cart_with_lines_and_total(customer: Customer) -> None:
    await customer.add_to_cart("trail-runner", 2)
    await customer.add_to_cart("rain-jacket", 1)
    response, html = await customer.get("/cart")
    assert response.status == 200
    assert '<body data-stage="cart">' in html
    assert "<h1>Your cart</h1>" in html
    assert "Trail Runner" in html and "Rain Jacket" in html
    assert "178.00 EUR" in html  # 2 x 89.00
    assert '<td class="num cart-total">297.00 EUR</td>' in html
    assert "Cart (3)" in html
    assert '<form id="action-form" method="get" action="/checkout">' in html
    assert ">Go to checkout</button>" in html


async def test_bad_quantity_is_rejected_on_the_product_page(customer: Customer) -> None:
    response, html = await customer.post("/cart/add", data={"product": "trail-runner", "quantity": "0"})
    assert response.status == 422
    assert 'aria-invalid="true" aria-describedby="quantity-error"' in html
    assert 'role="alert">Please enter a quantity from 1 to 99.</p>' in html
    _, cart = await customer.get("/cart")
    assert "Your cart is empty" in cart


async def test_empty_cart_has_no_checkout_button_and_later_stages_send_back(customer: Customer) -> None:
    response, html = await customer.get("/cart")
    assert "Your cart is empty" in html
    assert "Go to checkout" not in html
    for path in ("/checkout", "/payment"):
        response, _ = await customer.get(path, allow_redirects=False)
        assert (response.status, response.headers["Location"]) == (303, "/cart")


async def test_payment_needs_checkout_details_first(customer: Customer) -> None:
    await customer.add_to_cart()
    response, _ = await customer.get("/payment", allow_redirects=False)
    assert (response.status, response.headers["Location"]) == (303, "/checkout")


async def test_checkout_form_has_labelled_fields(customer: Customer) -> None:
    await customer.add_to_cart()
    response, html = await customer.get("/checkout")
    assert response.status == 200
    assert '<body data-stage="checkout">' in html
    assert "<h1>Checkout</h1>" in html
    for field, label in (("email", "Email"), ("name", "Name"), ("address", "Address"), ("city", "City")):
        assert f'<label for="{field}">{label}</label>' in html
    assert '<input id="email" name="email" type="email"' in html
    assert ">Continue to payment</button>" in html


@pytest.mark.parametrize(
    ("form", "errors"),
    [
        (
            {},
            {
                "email": "Please enter a valid email address.",
                "name": "Please enter your name.",
                "address": "Please enter your address.",
            },
        ),
        ({**CHECKOUT_FORM, "email": "not-an-email"}, {"email": "Please enter a valid email address."}),
        ({**CHECKOUT_FORM, "address": "   "}, {"address": "Please enter your address."}),
    ],
)
async def test_checkout_validates_fields(customer: Customer, form: dict[str, str], errors: dict[str, str]) -> None:
    await customer.add_to_cart()
    response, html = await customer.post("/checkout", data=form, allow_redirects=False)
    assert response.status == 422
    assert html.count('role="alert"') == len(errors)
    for field, message in errors.items():
        assert f'aria-invalid="true" aria-describedby="{field}-error"' in html
        assert f'<p class="field-error" id="{field}-error" role="alert">{message}</p>' in html


async def test_payment_page_offers_all_methods_none_selected(customer: Customer) -> None:
    await customer.ready_to_pay()
    response, html = await customer.get("/payment")
    assert response.status == 200
    assert '<body data-stage="payment">' in html
    assert "<h1>Payment</h1>" in html
    assert "<legend>Payment method</legend>" in html
    for value, label in (
        ("card", "Card"),
        ("invoice", "Invoice"),
        ("instalments", "Instalments"),
        ("mobile_pay", "Mobile pay"),
    ):
        assert f'<input type="radio" id="method-{value}" name="method" value="{value}">' in html
        assert f'<label for="method-{value}">{label}</label>' in html
    assert not re.search(r"<input[^>]* checked", html)
    assert html.count("<button") == 1
    assert ">Pay now</button>" in html
    assert "Testikatu 1" in html  # the order summary shows the delivery address


async def test_card_form_is_served_by_the_provider(customer: Customer) -> None:
    await customer.ready_to_pay()
    session = await customer.payment_session()
    response, html = await customer.get(f"{customer.shop.provider_url}/card-form?session={session}")
    assert response.status == 200
    for field, label in (("card-number", "Card number"), ("card-expiry", "Expiry"), ("card-cvc", "CVC")):
        assert f'<label for="{field}">{label}</label>' in html
    assert 'placeholder="MM/YY"' in html
    assert "<button" not in html
    # postMessage goes only to the shop's origin.
    assert f'var shopOrigin = "{customer.shop.url}";' in html
    response, _ = await customer.get(f"{customer.shop.provider_url}/card-form?session=ps_unknown")
    assert response.status == 404


async def _checked_order(customer: Customer, response: aiohttp.ClientResponse, html: str, label: str) -> str:
    assert response.status == 200
    match = ORDER_PATH_RE.match(response.url.path)
    assert match, response.url
    number = match.group(1)
    assert '<body data-stage="confirmation">' in html
    assert "<h1>Thank you for your order!</h1>" in html
    assert f'<p>Order #<strong class="order-number">{number}</strong></p>' in html
    assert f"Payment method: {label}" in html
    assert ">Continue shopping</button>" in html
    assert '<form id="action-form" method="get" action="/">' in html
    _, cart = await customer.get("/cart")
    assert "Your cart is empty" in cart and "Cart (0)" in cart
    return number


@pytest.mark.parametrize(
    ("method", "label"), [("invoice", "Invoice"), ("instalments", "Instalments"), ("mobile_pay", "Mobile pay")]
)
async def test_redirect_methods_pay_through_the_provider(customer: Customer, method: str, label: str) -> None:
    await customer.ready_to_pay()
    await customer.get("/payment")
    response, html = await customer.post("/payment", data={"method": method})
    hops = [str(hop.url) for hop in response.history]
    assert hops[0] == f"{customer.shop.url}/payment"
    assert hops[1].startswith(f"{customer.shop.provider_url}/redirect/{method}?session=")
    assert hops[2].startswith(f"{customer.shop.url}/payment/return?")
    assert "status=approved" in hops[2]
    await _checked_order(customer, response, html, label)


async def test_card_pays_with_a_provider_token(customer: Customer) -> None:
    await customer.ready_to_pay()
    response, html = await customer.pay_card_request()
    assert response.status == 303
    response, html = await customer.get(response.headers["Location"])
    await _checked_order(customer, response, html, "Card")


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"number": "4242424242424241"}, "number", "Card number is invalid."),
        ({"number": "abcd"}, "number", "Card number is invalid."),
        ({"number": GOOD_CARD, "expiry": "13/30"}, "expiry", "Expiry date is invalid."),
        ({"number": GOOD_CARD, "expiry": "01/20"}, "expiry", "Card has expired."),
        ({"number": GOOD_CARD, "cvc": "12"}, "cvc", "CVC is invalid."),
    ],
)
async def test_token_api_rejects_bad_card_data(
    customer: Customer, body: dict[str, str], field: str, message: str
) -> None:
    await customer.ready_to_pay()
    session = await customer.payment_session()
    async with customer.http.post(
        f"{customer.shop.provider_url}/api/tokens", json={"session": session, **body}
    ) as response:
        assert response.status == 400
        assert await response.json() == {"errors": [{"field": field, "message": message}]}


async def test_token_api_accepts_expiry_and_cvc(customer: Customer) -> None:
    await customer.ready_to_pay()
    session = await customer.payment_session()
    async with customer.http.post(
        f"{customer.shop.provider_url}/api/tokens",
        json={"session": session, "number": "4242 4242 4242 4242", "expiry": "12/99", "cvc": "123"},
    ) as response:
        assert response.status == 200
        assert (await response.json())["token"].startswith("tok_")


@pytest.mark.parametrize(
    ("number", "message"),
    [
        ("4000000000000002", "Payment declined: your card was declined."),
        ("4000000000009995", "Payment declined: your card has insufficient funds."),
    ],
)
async def test_decline_test_cards_answer_402_and_a_retry_can_succeed(
    customer: Customer, number: str, message: str
) -> None:
    await customer.ready_to_pay()
    response, html = await customer.pay_card_request(number)
    assert response.status == 402
    assert f'<div class="payment-error" role="alert">{message}</div>' in html
    assert 'id="method-card" name="method" value="card" checked' in html
    response, _ = await customer.pay_card_request(GOOD_CARD)
    assert response.status == 303
    assert ORDER_PATH_RE.match(response.headers["Location"])


async def test_a_token_pays_only_once(customer: Customer) -> None:
    await customer.ready_to_pay()
    token = await customer.card_token()
    response, _ = await customer.post("/payment", data={"method": "card", "token": token}, allow_redirects=False)
    assert response.status == 303
    await customer.add_to_cart()
    response, html = await customer.post("/payment", data={"method": "card", "token": token})
    assert response.status == 422
    assert "Your card details have expired. Please enter them again." in html


async def test_paying_without_a_method_or_card_details_is_rejected(customer: Customer) -> None:
    await customer.ready_to_pay()
    response, html = await customer.post("/payment", data={})
    assert response.status == 422
    assert '<p class="field-error" id="method-error" role="alert">Choose a payment method.</p>' in html
    response, html = await customer.post("/payment", data={"method": "card", "token": ""})
    assert response.status == 422
    assert '<div class="payment-error" role="alert">Enter your card details.</div>' in html


async def test_a_forged_return_does_not_place_an_order(customer: Customer) -> None:
    await customer.ready_to_pay()
    session = await customer.payment_session()
    response, _ = await customer.get(
        f"/payment/return?session={session}&status=approved&method=invoice", allow_redirects=False
    )
    assert (response.status, response.headers["Location"]) == (303, "/payment")
    _, cart = await customer.get("/cart")
    assert "Trail Runner" in cart


async def test_customers_never_see_each_others_carts_or_orders(
    shop: DemoShop, new_customer: Callable[[DemoShop], Customer]
) -> None:
    alice, bob = new_customer(shop), new_customer(shop)
    await alice.add_to_cart("trail-runner", 1)
    await bob.add_to_cart("rain-jacket", 2)
    _, alice_cart = await alice.get("/cart")
    _, bob_cart = await bob.get("/cart")
    assert "Trail Runner" in alice_cart and "Rain Jacket" not in alice_cart
    assert "Rain Jacket" in bob_cart and "Trail Runner" not in bob_cart
    await alice.enter_details()
    order_path = await alice.place_order("invoice")
    response, _ = await bob.get(order_path)
    assert response.status == 404
    response, _ = await alice.get(order_path)
    assert response.status == 200
    _, bob_cart = await bob.get("/cart")
    assert "Cart (2)" in bob_cart


async def test_many_concurrent_customers_each_get_their_own_order(
    shop: DemoShop, new_customer: Callable[[DemoShop], Customer]
) -> None:
    methods = ["card", "invoice", "instalments", "mobile_pay"]

    async def buy(index: int) -> str:
        customer = new_customer(shop)
        await customer.add_to_cart("city-sneaker", index % 3 + 1)
        await customer.enter_details()
        path = await customer.place_order(methods[index % 4])
        response, html = await customer.get(path)
        assert response.status == 200
        assert f"{index % 3 + 1} × City Sneaker" in html
        return path

    paths = await asyncio.gather(*(buy(index) for index in range(40)))
    assert len(set(paths)) == 40


async def test_admin_lists_adds_and_clears_faults(shop: DemoShop, customer: Customer) -> None:
    admin = f"{shop.url}/__admin/faults"
    async with aiohttp.ClientSession() as http:
        async with http.get(admin) as response:
            assert (response.status, await response.json()) == (200, {"faults": []})
        async with http.post(admin, json={"fault": "error_page@cart*2"}) as response:
            assert response.status == 201
            assert await response.json() == {
                "faults": [
                    {
                        "spec": "error_page@cart*2",
                        "name": "error_page",
                        "variant": None,
                        "stage": "cart",
                        "market": None,
                        "limit": 2,
                        "hits": 0,
                        "active": True,
                    }
                ]
            }
            assert "Set-Cookie" not in response.headers
        response_cart, _ = await customer.get("/cart")
        assert response_cart.status == 500
        async with http.get(admin) as response:
            assert (await response.json())["faults"][0]["hits"] == 1
        async with http.post(admin, json={"fault": "slow:fast"}) as response:
            assert response.status == 400
            assert (await response.json())["error"].startswith("invalid fault spec 'slow:fast': slow:MS needs")
        async with http.post(admin, data="not json") as response:
            assert response.status == 400
            assert "error" in await response.json()
        async with http.delete(admin) as response:
            assert (response.status, await response.json()) == (200, {"faults": []})
        response_cart, _ = await customer.get("/cart")
        assert response_cart.status == 200
        async with http.get(f"{shop.url}/__admin/health") as response:
            assert (response.status, await response.text()) == (200, "ok")


async def test_admin_is_not_affected_by_faults(start_shop: Callable[..., Awaitable[DemoShop]]) -> None:
    shop = await start_shop(faults=["error_page@browse", "slow:3000@browse", "error_text@cart"])
    timeout = aiohttp.ClientTimeout(total=2)
    async with aiohttp.ClientSession(timeout=timeout) as http, http.get(f"{shop.url}/__admin/faults") as response:
        assert response.status == 200
        assert len((await response.json())["faults"]) == 3


async def test_favicon_is_served_locally(customer: Customer) -> None:
    response, body = await customer.get("/favicon.ico")
    assert response.status == 200
    assert response.content_type == "image/svg+xml"
    assert body.startswith("<svg")


async def test_shipping_page_has_rows_of_identical_buttons_and_a_custom_dropdown(customer: Customer) -> None:
    response, html = await customer.get("/shipping")
    assert response.status == 200
    assert html.count(">Select option</button>") == 2
    assert html.index("Standard delivery") < html.index("Express delivery")
    assert 'role="listbox"' in html and "<select" not in html
    _, reversed_html = await customer.get("/shipping?order=reversed")
    assert reversed_html.index("Express delivery") < reversed_html.index("Standard delivery")
    response, html = await customer.post("/shipping", data={"method": "express", "country": "FI"})
    assert response.status == 200
    assert '<p role="status" class="shipping-chosen">Delivery: Express delivery to Finland</p>' in html
