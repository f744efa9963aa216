"""Scenario keys of the after-purchase checks: capture:, prices:, email: (valid and invalid files)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from cxmon.errors import ScenarioError
from cxmon.scenario import load_scenario

DATA = Path(__file__).parent / "testdata" / "after-purchase"

EXPECTED = {
    "invalid-price-rule.yml": "8: prices.rules[0]: 'cart_price = product_price': expected one '==', "
    "e.g. 'order_total == cart_price + shipping'",
    "invalid-price-unknown-name.yml": "9: prices.rules[1]: 'order_total' is not captured by any step "
    "(captured: product_price, cart_price)\n"
    "9: prices.rules[1]: 'shipping' is not captured by any step (captured: product_price, cart_price)",
    "invalid-price-currency.yml": "6: prices.currency: expected an ISO 4217 currency code such as EUR, SEK or USD, "
    "got 'euro'",
    "invalid-capture-twice.yml": "8: steps[1].capture.price: already captured by steps[0]",
    "invalid-capture-regex.yml": "7: steps[0].capture.price.regex: not a valid regular expression: "
    "unterminated character set at position 1",
    "invalid-email-password.yml": "8: email.password: expected a secret variable such as ${IMAP_PASSWORD}, "
    "with its name listed under secrets:",
    "invalid-email-after.yml": "10: email.after: expected delete or move:FOLDER, got 'archive'",
    "invalid-email-no-order-number.yml": "6: email.match.order_number: no step captures an order number "
    "(confirm: {order_number: REGEX})",
    "invalid-email-total.yml": "11: email.total: 'order_total' is not captured by any step (captured: none)",
}


def test_every_invalid_file_has_an_expectation() -> None:
    assert sorted(p.name for p in DATA.glob("invalid-*.yml")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_invalid_file_message(name: str) -> None:
    path = DATA / name
    with pytest.raises(ScenarioError) as info:
        load_scenario(path, env={})
    assert info.value.format_lines() == [f"{path}:{line}" for line in EXPECTED[name].split("\n")]


VALID = """\
name: shop
base_url: http://127.0.0.1:8400
secrets: [IMAP_PASSWORD]
steps:
  - name: product
    goto: /product/trail-runner
    capture:
      product_price: {css: "[itemprop=price]", attribute: content}
  - name: cart
    goto: /cart
    capture: {cart_price: "#cart-total"}
  - name: address
    fill: {Email: "synthetic+${run_id}@example.com"}
  - name: confirmation
    confirm: {order_number: "Order #(\\\\w+)"}
    capture:
      order_total: {test_id: order-total, regex: "Total: (.*)"}
prices:
  currency: EUR
  tolerance: 0.05
  rules:
    - cart_price == product_price
    - order_total == cart_price + 4.90
email:
  host: 127.0.0.1
  port: 1143
  tls: false
  user: monitor@example.com
  password: ${IMAP_PASSWORD}
  match: {to: "synthetic+${run_id}@example.com"}
  subject: Order
  text: Thank you
  total: order_total
  timeout: 30s
  after: move:Processed
"""


def test_valid_after_purchase_keys(tmp_path: Path) -> None:
    path = tmp_path / "shop.yml"
    path.write_text(VALID)
    sf = load_scenario(path, env={"IMAP_PASSWORD": "pw-from-env"})
    s = sf.scenario
    assert s.steps[0].capture is not None
    assert s.steps[0].capture["product_price"].attribute == "content"
    assert s.steps[1].capture is not None and s.steps[1].capture["cart_price"].selector == "#cart-total"
    assert s.prices is not None and s.prices.tolerance == Decimal("0.05")
    assert [r.names for r in s.prices.parsed_rules()] == [
        ("cart_price", "product_price"),
        ("order_total", "cart_price"),
    ]
    assert s.email is not None
    assert (s.email.imap_port, s.email.timeout, s.email.text, s.email.after) == (
        1143,
        30.0,
        ["Thank you"],
        "move:Processed",
    )
    # ${run_id} is filled per run, not at load time.
    assert s.email.match.to == "synthetic+${run_id}@example.com"
    assert s.steps[2].fill is not None and s.steps[2].fill[0].value == "synthetic+${run_id}@example.com"
    # The password is secret: masked wherever the redactor is applied.
    assert sf.redactor.text("login pw-from-env") == "login ***"


def test_email_defaults(tmp_path: Path) -> None:
    path = tmp_path / "shop.yml"
    path.write_text(VALID.replace("  port: 1143\n", "").replace("  tls: false\n", "").replace("  timeout: 30s\n", ""))
    email = load_scenario(path, env={"IMAP_PASSWORD": "x"}).scenario.email
    assert email is not None
    assert (email.imap_port, email.tls, email.timeout, email.folder) == (993, True, 300.0, "INBOX")
