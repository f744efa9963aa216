"""Price rules: what must hold between money values captured along the purchase path.

A scenario's ``prices:`` section lists rules over the names its steps capture::

    cart_price == product_price
    order_total == cart_price + shipping
    order_total == cart_price + 4.90 ± 0.05

Each side is a sum of captured names and plain numbers (``+`` and ``-``); ``± N`` (or ``+- N``)
overrides the section's tolerance for that rule. Every value a rule reads must be in one currency
(and in the section's ``currency`` when it names one).

Evaluation is a pure function of the captured texts: a broken rule is a ``price_mismatch`` finding
at the step — and stage — that captured the rule's latest value, the point on the path where the
price stopped holding. The finding names both sides with their values and the steps they come from.
A rule whose values were not all captured (the journey stopped earlier) is not evaluated.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from cxmon.model import CapturedValue, Finding, Kind
from cxmon.money import Money, MoneyError, parse_money

__all__ = ["DEFAULT_TOLERANCE", "PriceRule", "PriceRuleError", "evaluate_prices", "parse_price_rule"]

DEFAULT_TOLERANCE = Decimal("0.01")
_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_NUMBER = r"[0-9]+(?:\.[0-9]+)?"
_TERM = re.compile(rf"\s*([+-])?\s*({_NAME}|{_NUMBER})\s*")
_TOLERANCE = re.compile(rf"(?:±|\+-|\+/-)\s*({_NUMBER})\s*$")


class PriceRuleError(ValueError):
    """A price rule that does not follow the grammar."""


@dataclass(frozen=True)
class Term:
    """One operand of a side: a captured name or a constant, added or subtracted."""

    sign: int
    name: str | None = None
    constant: Decimal | None = None

    def __str__(self) -> str:
        return self.name if self.name is not None else str(self.constant)


@dataclass(frozen=True)
class PriceRule:
    """``left == right`` within ``tolerance`` (``None``: the section's default)."""

    text: str
    left: tuple[Term, ...]
    right: tuple[Term, ...]
    tolerance: Decimal | None = None

    @property
    def names(self) -> tuple[str, ...]:
        """The captured names the rule reads, left to right, each once."""
        seen: dict[str, None] = {}
        for term in (*self.left, *self.right):
            if term.name is not None:
                seen.setdefault(term.name, None)
        return tuple(seen)


def _side(text: str, rule: str) -> tuple[Term, ...]:
    terms: list[Term] = []
    pos = 0
    while pos < len(text):
        m = _TERM.match(text, pos)
        if m is None or m.end() == pos:
            raise PriceRuleError(f"{rule!r}: expected a captured name or a number at {text[pos:].strip()!r}")
        sign_text, operand = m.group(1), m.group(2)
        if terms and sign_text is None:
            raise PriceRuleError(f"{rule!r}: expected + or - before {operand!r}")
        sign = -1 if sign_text == "-" else 1
        if operand[0].isdigit():
            terms.append(Term(sign, constant=Decimal(operand)))
        else:
            terms.append(Term(sign, name=operand))
        pos = m.end()
    if not terms:
        raise PriceRuleError(f"{rule!r}: a side of == is empty")
    return tuple(terms)


def parse_price_rule(text: str) -> PriceRule:
    """Parse ``a == b + c [± tolerance]``; raises :class:`PriceRuleError` saying what was expected."""
    body = text.strip()
    tolerance = None
    m = _TOLERANCE.search(body)
    if m is not None:
        tolerance = Decimal(m.group(1))
        body = body[: m.start()].strip()
    if body.count("==") != 1:
        raise PriceRuleError(f"{text!r}: expected one '==', e.g. 'order_total == cart_price + shipping'")
    left_text, right_text = body.split("==")
    rule = PriceRule(text.strip(), _side(left_text, text), _side(right_text, text), tolerance)
    if not rule.names:
        raise PriceRuleError(f"{text!r}: names no captured value")
    return rule


def _sum(terms: Iterable[Term], values: Mapping[str, Money]) -> Decimal:
    total = Decimal(0)
    for term in terms:
        amount = values[term.name].amount if term.name is not None else term.constant
        assert amount is not None
        total += term.sign * amount
    return total


def _shown(terms: Sequence[Term], values: Mapping[str, Money], captured: Mapping[str, CapturedValue]) -> str:
    parts = []
    for i, term in enumerate(terms):
        sign = ("-" if term.sign < 0 else "") if i == 0 else (" - " if term.sign < 0 else " + ")
        if term.name is None:
            parts.append(f"{sign}{term.constant}")
        else:
            parts.append(f"{sign}{term.name} {values[term.name]} ({captured[term.name].step})")
    return "".join(parts)


def _value_evidence(name: str, money: Money | None, value: CapturedValue) -> dict[str, Any]:
    return {
        "text": value.text,
        "amount": str(money.amount) if money is not None else None,
        "currency": money.currency if money is not None else None,
        "step": value.step,
        "stage": value.stage.value,
    }


def _finding(message: str, at: CapturedValue, **evidence: Any) -> Finding:
    return Finding(Kind.PRICE_MISMATCH, message, at.step, at.stage, evidence=evidence)


def evaluate_prices(
    rules: Sequence[PriceRule],
    captured: Sequence[CapturedValue],
    *,
    currency: str | None = None,
    tolerance: Decimal = DEFAULT_TOLERANCE,
    decimal_separator: str | None = None,
) -> tuple[dict[str, Money], list[Finding]]:
    """Read the money values the rules name and check every rule.

    ``captured`` is in capture order (the order of the steps). Returns the values read (for results
    and reports) and one ``price_mismatch`` finding per broken rule, or per value that is not an
    amount of money or not in ``currency``. Rules are judged in the order their last value was
    captured, and the value at which a rule broke is not judged again: one wrong price gives one
    finding, where it first showed, not one more for every later value compared with it.
    """
    by_name = {c.name: c for c in captured}
    order = {c.name: i for i, c in enumerate(captured)}
    wanted = [n for rule in rules for n in rule.names]
    values: dict[str, Money] = {}
    findings: list[Finding] = []
    bad: set[str] = set()
    for name in dict.fromkeys(wanted):
        value = by_name.get(name)
        if value is None:
            continue
        try:
            money = parse_money(value.text, currency, decimal_separator)
        except MoneyError:
            bad.add(name)
            findings.append(
                _finding(
                    f"{name} is not an amount of money: {value.text!r} ({value.step})",
                    value,
                    reason="not_money",
                    values={name: _value_evidence(name, None, value)},
                )
            )
            continue
        values[name] = money
        if currency is not None and money.currency != currency:
            bad.add(name)
            findings.append(
                _finding(
                    f"{name} {money} ({value.step}) is not in {currency}: {value.text!r}",
                    value,
                    reason="currency",
                    expected_currency=currency,
                    values={name: _value_evidence(name, money, value)},
                )
            )
    ready = [rule for rule in rules if all(n in values for n in rule.names)]
    ready.sort(key=lambda rule: max(order[n] for n in rule.names))
    for rule in ready:
        if bad.intersection(rule.names):
            continue
        latest = by_name[max(rule.names, key=order.__getitem__)]
        evidence_values = {n: _value_evidence(n, values[n], by_name[n]) for n in rule.names}
        currencies = {values[n].currency for n in rule.names if values[n].currency is not None}
        if len(currencies) > 1:
            shown = ", ".join(f"{n} {values[n]} ({by_name[n].step})" for n in rule.names)
            bad.add(latest.name)
            findings.append(
                _finding(
                    f"{rule.text}: values in different currencies: {shown}",
                    latest,
                    reason="currency",
                    rule=rule.text,
                    values=evidence_values,
                )
            )
            continue
        left, right = _sum(rule.left, values), _sum(rule.right, values)
        allowed = rule.tolerance if rule.tolerance is not None else tolerance
        difference = left - right
        if abs(difference) > allowed:
            bad.add(latest.name)
            left_shown = _shown(rule.left, values, by_name)
            right_shown = _shown(rule.right, values, by_name)
            if len(rule.right) > 1:
                right_shown += f" = {right}"
            if len(rule.left) > 1:
                left_shown += f" = {left}"
            findings.append(
                _finding(
                    f"{rule.text} does not hold: {left_shown} ≠ {right_shown}",
                    latest,
                    reason="amount",
                    rule=rule.text,
                    left=str(left),
                    right=str(right),
                    difference=str(difference),
                    tolerance=str(allowed),
                    values=evidence_values,
                )
            )
    return values, findings


def parse_tolerance(value: Any) -> Decimal:
    """A tolerance from YAML (number or text) as a non-negative Decimal; raises ValueError."""
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise ValueError(f"expected a non-negative number, got {value!r}") from None
    if not amount.is_finite() or amount < 0:
        raise ValueError(f"expected a non-negative number, got {value!r}")
    return amount
