"""What cxmon must report for each fault and control of the third test shop (issue 13's target).

One row per case, for the journey of ``tests/shop3/checkout.yml``. ``step`` is the step during
which the customer meets the faulty page (the step whose action leads there, or works on it);
``stage`` is where the customer is: the purchase-path stage of that page, even when the previous
step's click led there. The pages, the steps that lead to them and their stages::

    /pl/               home         browse
    /pl/p/tatra-30     product      browse    (its buy button is add-to-cart's action)
    /pl/cart           add-to-cart  cart
    /pl/checkout       checkout     checkout
    /pl/payment        address      payment
    /pl/order/N        pay          confirmation
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Case:
    """One fault (or control) and the finding it must give; ``kind`` None means a clean pass."""

    name: str
    faults: tuple[str, ...] = ()
    kind: str | None = None
    step: str | None = None
    stage: str | None = None
    pixel_delay_ms: int = 0
    noise: bool = False
    env: dict[str, str] = field(default_factory=dict)
    note: str = ""


CASES: tuple[Case, ...] = (
    Case("clean"),
    Case("control: slow pixel 3 s", pixel_delay_ms=3000, note="the pixel delays load, not DOMContentLoaded"),
    Case("control: third-party noise", noise=True, note="console errors and a 503 beacon from another origin"),
    Case("error_page@browse", ("error_page@browse",), "error_page", "home", "browse", note="HTTP 500"),
    Case("error_page@confirmation", ("error_page@confirmation",), "error_page", "pay", "confirmation"),
    Case("error_text@checkout", ("error_text@checkout",), "error_page", "checkout", "checkout", note="200, Polish"),
    Case("error_text:et@payment", ("error_text:et@payment",), "error_page", "address", "payment", note="200, Estonian"),
    Case("maintenance@browse", ("maintenance@browse",), "error_page", "home", "browse", note="200, Polish"),
    Case("challenge@browse", ("challenge@browse",), "blocked", "home", "browse", note="200 captcha page"),
    Case("challenge:http_429@cart", ("challenge:http_429@cart",), "blocked", "add-to-cart", "cart", note="429"),
    Case("slow:4000@payment", ("slow:4000@payment",), "slow", "address", "payment", note="server time 4 s"),
    Case("api_error@cart", ("api_error@cart",), "error_page", "add-to-cart", "cart", note="POST /api 500, toast"),
    Case("out_of_stock", ("out_of_stock",), "out_of_stock", "add-to-cart", "browse", note="button disabled"),
    Case("out_of_stock:absent", ("out_of_stock:absent",), "out_of_stock", "add-to-cart", "browse", note="no button"),
    Case("validation_error", ("validation_error",), "validation_error", "address", "checkout"),
    Case("payment_rejected", ("payment_rejected",), "payment_rejected", "pay", "payment", note="200 + role=alert"),
    Case("payment_rejected:http_402", ("payment_rejected:http_402",), "payment_rejected", "pay", "payment"),
    Case(
        "declined test card",
        kind="payment_rejected",
        step="pay",
        stage="payment",
        env={"CARD_NUMBER": "4000000000000002"},
        note="the card itself is declined",
    ),
    Case("confirmation_missing", ("confirmation_missing",), "confirmation_missing", "confirmation", "confirmation"),
)
