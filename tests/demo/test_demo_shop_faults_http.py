"""Every demo shop fault, seen over HTTP: status codes, texts and the markup a browser would get."""

from __future__ import annotations

import re
import time
from collections.abc import Awaitable, Callable

import pytest
from demo_shop_client import CHECKOUT_FORM, GOOD_CARD, ORDER_PATH_RE, Customer

from cxmon.demo import STAGES, DemoShop

ACTION_LABELS = {
    "browse": "Add to cart",
    "cart": "Go to checkout",
    "checkout": "Continue to payment",
    "payment": "Pay now",
    "confirmation": "Continue shopping",
}
OVERLAY = '<div id="promo-overlay" class="promo-banner">Sign up for our newsletter and get 10% off!</div>'


async def reach(customer: Customer, stage: str) -> str:
    """Bring the customer to just before ``stage`` and return the path of that stage's page."""
    if stage == "browse":
        return "/product/trail-runner"
    await customer.add_to_cart()
    if stage in ("cart", "checkout"):
        return f"/{stage}"
    await customer.enter_details()
    if stage == "payment":
        return "/payment"
    return await customer.place_order("invoice")


def action_button(html: str) -> str:
    match = re.search(r'<button type="submit" id="action-button"[^>]*>([^<]*)</button>', html)
    assert match, "no action button"
    return match.group(0)


@pytest.mark.parametrize("stage", STAGES)
async def test_error_page_answers_500_on_its_stage(customer: Customer, stage: str) -> None:
    path = await reach(customer, stage)
    customer.shop.faults.add(f"error_page@{stage}")
    response, html = await customer.get(path)
    assert response.status == 500
    assert "<title>500 Internal Server Error</title>" in html
    assert "Something went wrong on our side" in html
    assert f'<body data-stage="{stage}">' in html
    assert 'id="action-button"' not in html


async def test_error_page_leaves_other_stages_alone(customer: Customer) -> None:
    customer.shop.faults.add("error_page")  # default stage: checkout
    await customer.add_to_cart()
    response, _ = await customer.get("/cart")
    assert response.status == 200
    response, _ = await customer.get("/checkout")
    assert response.status == 500


@pytest.mark.parametrize("stage", STAGES)
async def test_error_text_answers_200_with_only_an_error_message(customer: Customer, stage: str) -> None:
    path = await reach(customer, stage)
    customer.shop.faults.add(f"error_text@{stage}")
    response, html = await customer.get(path)
    assert response.status == 200
    assert "Sorry, an error occurred while processing your request." in html
    assert f'<body data-stage="{stage}">' in html
    assert 'id="action-button"' not in html
    assert ACTION_LABELS[stage] not in html


@pytest.mark.parametrize("stage", STAGES)
async def test_js_error_throws_and_blocks_the_action(customer: Customer, stage: str) -> None:
    path = await reach(customer, stage)
    customer.shop.faults.add(f"js_error@{stage}")
    response, html = await customer.get(path)
    assert response.status == 200
    assert ACTION_LABELS[stage] in action_button(html)
    script = re.search(
        r"<script>\s*\(function \(\) \{\s*var form = document.getElementById\(\"action-form\"\);.*?</script>",
        html,
        re.S,
    )
    assert script, "no fault script"
    body = script.group(0)
    # The submit listener is attached before the call that throws.
    assert body.index("event.preventDefault();") < body.index("initCheckoutWidgets();")
    assert "function initCheckoutWidgets" not in html
    assert 'id="action-form"' in html


async def test_js_error_on_browse_spares_the_home_page(customer: Customer) -> None:
    customer.shop.faults.add("js_error@browse")
    _, html = await customer.get("/")
    assert "initCheckoutWidgets" not in html
    assert customer.shop.faults.list()[0]["hits"] == 0


async def test_slow_delays_only_its_stage(customer: Customer) -> None:
    await customer.add_to_cart()
    customer.shop.faults.add("slow:400@checkout")
    started = time.perf_counter()
    response, _ = await customer.get("/cart")
    assert response.status == 200
    assert time.perf_counter() - started < 0.3
    started = time.perf_counter()
    response, html = await customer.get("/checkout")
    assert response.status == 200 and "<h1>Checkout</h1>" in html
    assert time.perf_counter() - started >= 0.4


async def test_slow_payment_also_delays_the_providers_pages(customer: Customer) -> None:
    await customer.ready_to_pay()
    session = await customer.payment_session()
    customer.shop.faults.add("slow:300")  # default stage: payment
    started = time.perf_counter()
    response, _ = await customer.get(f"{customer.shop.provider_url}/card-form?session={session}")
    assert response.status == 200
    assert time.perf_counter() - started >= 0.3
    # Provider pages follow the shop page's fault without counting hits of their own.
    assert customer.shop.faults.list()[0]["hits"] == 0


@pytest.mark.parametrize("stage", STAGES)
async def test_hidden_action_targets_the_stage_action(customer: Customer, stage: str) -> None:
    path = await reach(customer, stage)
    customer.shop.faults.add(f"hidden_action:disabled@{stage}")
    response, html = await customer.get(path)
    assert response.status == 200
    button = action_button(html)
    assert ACTION_LABELS[stage] in button
    assert " disabled>" in button


@pytest.mark.parametrize(
    ("variant", "expected"),
    [
        ("hidden", ["<style>#action-button { visibility: hidden; }</style>"]),
        ("covered", [OVERLAY]),
        ("offscreen", ["<style>#action-button { position: absolute; left: -5000px; }</style>"]),
        ("disabled", ['id="action-button" class="button primary" disabled>Pay now</button>']),
        (
            "covered_mobile",
            [
                OVERLAY,
                "<style>#promo-overlay { display: none; } "
                "@media (max-width: 600px) { #promo-overlay { display: flex; } }</style>",
            ],
        ),
        (
            "offscreen_mobile",
            ["<style>@media (max-width: 600px) { #action-button { position: absolute; left: -5000px; } }</style>"],
        ),
    ],
)
async def test_hidden_action_variants(customer: Customer, variant: str, expected: list[str]) -> None:
    await customer.ready_to_pay()
    _, clean = await customer.get("/payment")
    assert "promo-overlay" not in clean and "-5000px" not in clean and " disabled>" not in clean
    customer.shop.faults.add(f"hidden_action:{variant}")
    response, html = await customer.get("/payment")
    assert response.status == 200
    for snippet in expected:
        assert snippet in html
    if OVERLAY in expected:
        # The overlay sits in the button's row, above it (z-index 1000 in the row's stacking context).
        row = re.search(r'<div class="action-row">(.*?)</div>\s*</form>', html, re.S)
        assert row and row.group(1).index("promo-overlay") < row.group(1).index("Pay now")
        assert (
            ".promo-banner { position: absolute; left: 0; right: 0; top: -10px; bottom: -10px; z-index: 1000;" in html
        )


async def test_payment_rejected_card_declines_with_402(customer: Customer) -> None:
    await customer.ready_to_pay()
    customer.shop.faults.add("payment_rejected")
    response, html = await customer.pay_card_request()
    assert response.status == 402
    assert '<div class="payment-error" role="alert">Payment declined: your card was declined.</div>' in html
    # Other methods still work.
    path = await customer.place_order("invoice")
    assert ORDER_PATH_RE.match(path)


@pytest.mark.parametrize(("method", "label"), [("invoice", "Invoice"), ("mobile_pay", "Mobile pay")])
async def test_payment_rejected_redirect_method_returns_to_a_402_page(
    customer: Customer, method: str, label: str
) -> None:
    await customer.ready_to_pay()
    customer.shop.faults.add(f"payment_rejected:{method}")
    response, html = await customer.post("/payment", data={"method": method})
    assert response.status == 402
    assert response.url.path == "/payment/failed"
    assert response.url.query["method"] == method
    assert any("status=declined" in str(hop.url) for hop in response.history)
    assert (
        f'<div class="payment-error" role="alert">Payment declined: {label} is not available for this order.</div>'
        in html
    )
    assert f'id="method-{method}" name="method" value="{method}" checked' in html
    # The card is unaffected.
    response, _ = await customer.pay_card_request()
    assert response.status == 303


async def test_payment_not_offered_removes_the_method(customer: Customer) -> None:
    await customer.ready_to_pay()
    customer.shop.faults.add("payment_not_offered:invoice")
    response, html = await customer.get("/payment")
    assert response.status == 200
    assert 'id="method-invoice"' not in html and ">Invoice</label>" not in html
    assert 'id="method-card"' in html and 'id="method-mobile_pay"' in html
    response, html = await customer.post("/payment", data={"method": "invoice"}, allow_redirects=False)
    assert response.status == 422
    assert "Choose a payment method." in html


async def test_payment_not_offered_card_drops_the_card_iframe(customer: Customer) -> None:
    await customer.ready_to_pay()
    customer.shop.faults.add("payment_not_offered")
    _, html = await customer.get("/payment")
    assert 'id="method-card"' not in html
    assert "<iframe" not in html


async def test_confirmation_missing_places_the_order_without_confirming_it(customer: Customer) -> None:
    await customer.ready_to_pay()
    customer.shop.faults.add("confirmation_missing*1")
    response, html = await customer.pay_card_request()
    path = response.headers["Location"]
    response, html = await customer.get(path)
    assert response.status == 200
    assert "We are processing your order." in html
    assert "Thank you" not in html and "order-number" not in html
    assert 'data-stage="confirmation"' in html
    assert "Cart (0)" in html  # the order was placed
    response, html = await customer.get(path)  # the fault was limited to one hit
    assert "<h1>Thank you for your order!</h1>" in html


async def test_validation_error_at_checkout_rejects_correct_data(customer: Customer) -> None:
    await customer.add_to_cart()
    customer.shop.faults.add("validation_error*1")
    response, html = await customer.post("/checkout", data=CHECKOUT_FORM, allow_redirects=False)
    assert response.status == 422
    assert re.search(
        r'<input id="email" name="email" type="email" value="synthetic@example.com"[^>]*'
        r' aria-invalid="true" aria-describedby="email-error">',
        html,
    )
    assert '<p class="field-error" id="email-error" role="alert">Please enter a valid email address.</p>' in html
    response, _ = await customer.post("/checkout", data=CHECKOUT_FORM, allow_redirects=False)
    assert (response.status, response.headers["Location"]) == (303, "/payment")


async def test_validation_error_at_payment_rejects_a_valid_card(customer: Customer) -> None:
    await customer.ready_to_pay()
    session = await customer.payment_session()
    customer.shop.faults.add("validation_error@payment")
    async with customer.http.post(
        f"{customer.shop.provider_url}/api/tokens", json={"session": session, "number": GOOD_CARD}
    ) as response:
        assert response.status == 400
        assert await response.json() == {"errors": [{"field": "number", "message": "Card number is invalid."}]}
    _, frame = await customer.get(f"{customer.shop.provider_url}/card-form?session={session}")
    # The frame marks the field itself once the API rejects it.
    assert 'input.setAttribute("aria-invalid", "true");' in frame
    assert 'error.setAttribute("role", "alert");' in frame


async def test_validation_error_at_payment_rejects_a_redirect_method(customer: Customer) -> None:
    await customer.ready_to_pay()
    customer.shop.faults.add("validation_error@payment")
    response, html = await customer.post("/payment", data={"method": "instalments"}, allow_redirects=False)
    assert response.status == 422
    assert 'id="method-instalments" name="method" value="instalments" checked aria-invalid="true"' in html
    assert (
        '<p class="field-error" id="method-error" role="alert">'
        "Your details could not be verified for Instalments.</p>" in html
    )


async def test_limited_fault_hits_only_the_first_page_loads(customer: Customer) -> None:
    await customer.add_to_cart()
    customer.shop.faults.add("error_page@checkout*2")
    statuses = [(await customer.get("/checkout"))[0].status for _ in range(3)]
    assert statuses == [500, 500, 200]
    assert customer.shop.faults.list()[0]["hits"] == 2


async def test_form_re_render_does_not_count_a_hit(customer: Customer) -> None:
    await customer.add_to_cart()
    customer.shop.faults.add("hidden_action:covered@checkout*1")
    _, html = await customer.get("/checkout")
    assert "promo-overlay" in html
    response, html = await customer.post("/checkout", data={}, allow_redirects=False)
    assert response.status == 422
    assert "promo-overlay" not in html  # the only hit was used by the page load
    assert customer.shop.faults.list()[0]["hits"] == 1


async def test_faults_given_at_start_are_active(
    start_shop: Callable[..., Awaitable[DemoShop]], new_customer: Callable[[DemoShop], Customer]
) -> None:
    shop = await start_shop(faults=["error_text@cart", "hidden_action:offscreen@browse"])
    customer = new_customer(shop)
    _, product = await customer.get("/product/city-sneaker")
    assert "left: -5000px" in product
    await customer.add_to_cart("city-sneaker")
    _, cart = await customer.get("/cart")
    assert "Sorry, an error occurred while processing your request." in cart
