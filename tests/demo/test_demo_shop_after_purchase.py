"""The demo shop after the purchase, over HTTP: prices as each stage shows them (and their faults),
and the order confirmation e-mail through a real SMTP server into a real maildir."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Awaitable, Callable

from demo_shop_client import CHECKOUT_FORM, Customer

from cxmon.demo import DemoShop
from tests.mailstack import MailStack

MAIL_WAIT_SECONDS = 30.0


def shown(html: str, css_class: str) -> list[str]:
    return re.findall(rf'class="[^"]*\b{css_class}\b[^"]*">([^<]+)<', html)


async def test_clean_prices_hold_from_product_to_order(customer: Customer) -> None:
    _, product = await customer.get("/product/trail-runner")
    assert shown(product, "price") == ["89.00 EUR"]
    await customer.add_to_cart()
    _, cart = await customer.get("/cart")
    assert (shown(cart, "line-price"), shown(cart, "cart-total")) == (["89.00 EUR"], ["89.00 EUR"])
    _, checkout = await customer.get("/checkout")
    assert (shown(checkout, "subtotal"), shown(checkout, "shipping"), shown(checkout, "order-total")) == (
        ["89.00 EUR"],
        ["0.00 EUR"],
        ["89.00 EUR"],
    )
    await customer.enter_details()
    _, payment = await customer.get("/payment")
    assert shown(payment, "order-total") == ["89.00 EUR"]
    _, order = await customer.get(await customer.place_order("invoice"))
    assert shown(order, "order-total") == ["89.00 EUR"]


async def test_price_mismatch_changes_the_cart_price_only(customer: Customer) -> None:
    customer.shop.faults.add("price_mismatch@cart")
    await customer.add_to_cart()
    _, product = await customer.get("/product/trail-runner")
    assert shown(product, "price") == ["89.00 EUR"]
    _, cart = await customer.get("/cart")
    assert (shown(cart, "line-price"), shown(cart, "cart-total")) == (["99.00 EUR"], ["99.00 EUR"])
    _, checkout = await customer.get("/checkout")
    assert shown(checkout, "order-total") == ["89.00 EUR"]


async def test_total_mismatch_makes_the_checkout_total_not_add_up(customer: Customer) -> None:
    customer.shop.faults.add("total_mismatch")  # default stage: checkout
    await customer.add_to_cart()
    _, cart = await customer.get("/cart")
    assert shown(cart, "cart-total") == ["89.00 EUR"]
    _, checkout = await customer.get("/checkout")
    assert (shown(checkout, "subtotal"), shown(checkout, "shipping"), shown(checkout, "order-total")) == (
        ["89.00 EUR"],
        ["0.00 EUR"],
        ["94.00 EUR"],
    )


async def test_currency_mismatch_shows_another_currency(customer: Customer) -> None:
    customer.shop.faults.add("currency_mismatch")  # default stage: cart
    await customer.add_to_cart()
    _, cart = await customer.get("/cart")
    assert shown(cart, "line-price") == ["89.00 GBP"]
    _, checkout = await customer.get("/checkout")
    assert shown(checkout, "order-total") == ["89.00 EUR"]


# --- the confirmation e-mail -----------------------------------------------------------------------


async def wait_for_mail(stack: MailStack, count: int) -> None:
    """Until ``count`` messages are in the maildir (a wait for delivery, not a check of its speed)."""
    deadline = time.monotonic() + MAIL_WAIT_SECONDS
    while len(stack.messages()) < count:
        assert time.monotonic() < deadline, f"fewer than {count} mails arrived; SMTP log: {stack.envelopes}"
        await asyncio.sleep(0.05)


async def order(shop: DemoShop, new_customer: Callable[[DemoShop], Customer]) -> str:
    customer = new_customer(shop)
    await customer.ready_to_pay()
    return (await customer.place_order("invoice")).removeprefix("/order/")


StartShop = Callable[..., Awaitable[DemoShop]]


async def test_order_confirmation_mail_names_order_and_total(
    mail_stack: MailStack, new_customer: Callable[[DemoShop], Customer]
) -> None:
    from cxmon.demo import start_demo_shop

    shop = await start_demo_shop(smtp=f"{mail_stack.smtp_host}:{mail_stack.smtp_port}")
    try:
        number = await order(shop, new_customer)
        await wait_for_mail(mail_stack, 1)
    finally:
        await shop.stop()
    [msg] = mail_stack.messages()
    assert mail_stack.envelopes == [[CHECKOUT_FORM["email"]]]
    assert msg["To"] == CHECKOUT_FORM["email"]
    assert number in msg["Subject"]
    body = msg.get_payload(decode=True).decode()
    assert f"Order number: {number}" in body
    assert "Total: 89.00 EUR" in body


async def test_email_faults(mail_stack: MailStack, new_customer: Callable[[DemoShop], Customer]) -> None:
    from cxmon.demo import start_demo_shop

    shop = await start_demo_shop(
        smtp=f"{mail_stack.smtp_host}:{mail_stack.smtp_port}",
        faults=["email_missing*1", "email_wrong_order*1", "email_late:1500*1"],
    )
    assert shop.mailer is not None
    try:
        missing = await order(shop, new_customer)  # no mail
        wrong = await order(shop, new_customer)  # a mail naming another order (and late: both hit)
        clean = await order(shop, new_customer)
        await wait_for_mail(mail_stack, 2)
    finally:
        await shop.stop()
    subjects = " ".join(mail_stack.subjects())
    assert missing not in subjects
    assert wrong not in subjects
    assert clean in subjects
    named = [number for number, _ in shop.mailer.sent]
    assert len(named) == 2 and clean in named
    [(other, delay)] = [(n, d) for n, d in shop.mailer.sent if n != clean]
    assert re.fullmatch(r"DS-[A-Z0-9]{6}", other) and other not in (missing, wrong)
    assert delay >= 1.5  # email_late:1500 held the wrong-order mail back
    assert shop.mailer.errors == []


async def test_no_smtp_no_mail(shop: DemoShop, new_customer: Callable[[DemoShop], Customer]) -> None:
    assert shop.mailer is None
    await order(shop, new_customer)
