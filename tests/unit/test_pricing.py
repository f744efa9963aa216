"""Price rules over captured values: parsing and evaluation (pure data)."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from cxmon.model import CapturedValue, Kind, Stage
from cxmon.pricing import PriceRuleError, evaluate_prices, parse_price_rule


def cap(name: str, text: str, step: str, stage: Stage) -> CapturedValue:
    return CapturedValue(name, text, step, stage)


CLEAN = [
    cap("product_price", "89,00 €", "product", Stage.BROWSE),
    cap("cart_price", "€89.00", "cart", Stage.CART),
    cap("shipping", "4,90 €", "checkout", Stage.CHECKOUT),
    cap("order_total", "93,90 EUR", "checkout", Stage.CHECKOUT),
]
RULES = [parse_price_rule("cart_price == product_price"), parse_price_rule("order_total == cart_price + shipping")]


def test_rule_grammar() -> None:
    rule = parse_price_rule("order_total == cart_price + shipping - 1.5 ± 0.05")
    assert rule.names == ("order_total", "cart_price", "shipping")
    assert rule.tolerance == Decimal("0.05")
    assert [str(t) for t in rule.right] == ["cart_price", "shipping", "1.5"]
    assert [t.sign for t in rule.right] == [1, 1, -1]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("cart_price = product_price", "expected one '=='"),
        ("a == b == c", "expected one '=='"),
        ("a == b c", "expected + or - before 'c'"),
        ("a == ", "a side of == is empty"),
        ("a == b * 2", "expected a captured name or a number at '* 2'"),
        ("1 == 1", "names no captured value"),
    ],
)
def test_bad_rules_say_what_was_expected(text: str, message: str) -> None:
    with pytest.raises(PriceRuleError, match=re.escape(message)):
        parse_price_rule(text)


def test_clean_values_give_no_finding() -> None:
    values, findings = evaluate_prices(RULES, CLEAN, currency="EUR")
    assert findings == []
    assert values["order_total"].amount == Decimal("93.90")
    assert {m.currency for m in values.values()} == {"EUR"}


def test_cart_price_that_differs_is_found_at_the_cart() -> None:
    captured = [*CLEAN]
    captured[1] = cap("cart_price", "€99.00", "cart", Stage.CART)
    _, findings = evaluate_prices(RULES[:1], captured)
    [finding] = findings
    assert finding.kind is Kind.PRICE_MISMATCH
    assert (finding.step, finding.stage) == ("cart", Stage.CART)
    assert "cart_price 99.00 EUR (cart)" in finding.message
    assert "product_price 89.00 EUR (product)" in finding.message
    assert finding.evidence["values"]["product_price"]["text"] == "89,00 €"
    assert finding.evidence["difference"] == "10.00"


def test_total_that_does_not_add_up_is_found_where_the_total_is() -> None:
    captured = [*CLEAN[:3], cap("order_total", "103,90 €", "review", Stage.CHECKOUT)]
    _, findings = evaluate_prices(RULES, captured)
    [finding] = findings
    assert (finding.step, finding.stage) == ("review", Stage.CHECKOUT)
    assert finding.evidence["reason"] == "amount"
    assert finding.evidence["left"] == "103.90" and finding.evidence["right"] == "93.90"


def test_tolerance_of_section_and_of_rule() -> None:
    captured = [*CLEAN[:3], cap("order_total", "93,92 €", "checkout", Stage.CHECKOUT)]
    assert evaluate_prices(RULES[1:], captured)[1] != []
    assert evaluate_prices(RULES[1:], captured, tolerance=Decimal("0.05"))[1] == []
    loose = parse_price_rule("order_total == cart_price + shipping ± 0.02")
    assert evaluate_prices([loose], captured)[1] == []


def test_values_in_two_currencies_break_the_rule() -> None:
    captured = [CLEAN[0], cap("cart_price", "£89.00", "cart", Stage.CART)]
    _, findings = evaluate_prices(RULES[:1], captured)
    [finding] = findings
    assert finding.evidence["reason"] == "currency"
    assert "89.00 GBP" in finding.message and "89.00 EUR" in finding.message
    assert finding.step == "cart"


def test_value_not_in_the_expected_currency() -> None:
    captured = [CLEAN[0], cap("cart_price", "89,00 kr", "cart", Stage.CART)]
    _, findings = evaluate_prices(RULES[:1], captured, currency="EUR")
    [finding] = findings
    assert finding.step == "cart"
    assert finding.evidence["reason"] == "currency"
    assert finding.evidence["expected_currency"] == "EUR"


def test_value_that_is_no_money_is_a_finding_at_its_step() -> None:
    captured = [CLEAN[0], cap("cart_price", "Price on request", "cart", Stage.CART)]
    _, findings = evaluate_prices(RULES[:1], captured)
    [finding] = findings
    assert finding.evidence["reason"] == "not_money"
    assert finding.step == "cart"


def test_rule_with_a_value_never_captured_is_not_evaluated() -> None:
    _, findings = evaluate_prices(RULES, CLEAN[:2])
    assert findings == []


def test_a_wrong_value_is_reported_once_where_it_first_showed() -> None:
    rules = [parse_price_rule("paid_total == order_total"), parse_price_rule("order_total == cart_price + shipping")]
    captured = [
        *CLEAN[1:3],
        cap("order_total", "98,90 €", "checkout", Stage.CHECKOUT),
        cap("paid_total", "93,90 €", "confirmation", Stage.CONFIRMATION),
    ]
    _, findings = evaluate_prices(rules, captured)
    [finding] = findings
    assert (finding.step, finding.evidence["rule"]) == ("checkout", "order_total == cart_price + shipping")
