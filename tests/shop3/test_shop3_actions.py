"""cxmon's actions on the third shop's own kind of page: styled radios and checkbox drawn over
invisible native ones, a card page with one payment method and no chooser, and a confirmation
page that thanks the customer without an order number."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from cxmon.model import Kind, Outcome
from cxmon.runner import Runner, RunOptions
from cxmon.scenario import Journey, load_scenario
from tests.shop3.server import Shop3

pytestmark = pytest.mark.browser

HERE = Path(__file__).parent


def _journey(shop: Shop3, tmp_path: Path, edit: Any = None, name: str = "checkout.yml") -> Journey:
    """A documented scenario (tests/shop3/checkout.yml by default) with budgets that leave room for
    a loaded machine: these tests are about what cxmon does, not about this shop's speed."""
    data = yaml.safe_load((HERE / name).read_text(encoding="utf-8"))
    data["budgets"] = {"step": "30s", "journey": "120s"}
    if edit is not None:
        edit(data)
    path = tmp_path / "checkout.yml"
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    [journey] = load_scenario(path, env={"SHOP3_URL": shop.url}).journeys()
    return journey


@pytest.fixture(scope="module")
async def runner():
    async with Runner(RunOptions(trace="off")) as r:
        yield r


@pytest.mark.parametrize(("name", "prefix"), [("checkout.yml", "PL"), ("checkout-de.yml", "DE")])
async def test_documented_pay_and_styled_controls_pass_clean(
    name: str, prefix: str, shop3: Shop3, runner: Runner, tmp_path: Path
) -> None:
    # The scenario checks a styled radio and terms checkbox (native inputs at opacity 0 under their
    # drawn boxes) and uses pay: card on a page with one method and no chooser.
    journey = _journey(shop3, tmp_path, name=name)
    assert [s.pay.method for s in journey.steps if s.pay] == ["card"]
    result = await runner.run_journey(journey)
    assert result.outcome is Outcome.PASS, result.to_dict()
    assert [f.to_dict() for f in result.all_findings()] == []
    assert re.fullmatch(prefix + r"-\d+", result.order_number or "")


async def test_an_unchecked_terms_box_is_what_the_shop_rejects(shop3: Shop3, runner: Runner, tmp_path: Path) -> None:
    # The control: without checking the styled terms box the shop refuses the address form, so
    # the clean pass above shows the box was really checked through its drawn stand-in.
    def drop_terms(data: dict[str, Any]) -> None:
        address = next(s for s in data["steps"] if s["name"] == "address")
        address["check"] = [c for c in address["check"] if c.get("role") != "checkbox"]

    result = await runner.run_journey(_journey(shop3, tmp_path, drop_terms))
    assert result.outcome is Outcome.FAIL
    assert [(f.kind, f.step) for f in result.failures()] == [(Kind.VALIDATION_ERROR, "address")], result.to_dict()


async def test_order_number_from_a_locator(shop3: Shop3, runner: Runner, tmp_path: Path) -> None:
    def by_locator(data: dict[str, Any]) -> None:
        data["steps"][-1]["confirm"] = {"order_number": {"locator": {"css": "[data-order]"}}}

    result = await runner.run_journey(_journey(shop3, tmp_path, by_locator))
    assert result.outcome is Outcome.PASS, result.to_dict()
    assert re.fullmatch(r"PL-\d+", result.order_number or "")


def _short_confirmation(data: dict[str, Any]) -> None:
    # What never comes is waited for until the step's limit: keep it short.
    data["steps"][-1]["timeout"] = "5s"


async def test_a_thank_you_without_a_number_is_said(shop3: Shop3, runner: Runner, tmp_path: Path) -> None:
    shop3.faults.add("confirmation_missing")
    result = await runner.run_journey(_journey(shop3, tmp_path, _short_confirmation))
    [finding] = result.failures()
    assert (finding.kind, finding.step) == (Kind.CONFIRMATION_MISSING, "confirmation"), finding.to_dict()
    assert "the page thanks the customer" in finding.message, finding.message
    assert finding.evidence["thank_you_text"].startswith("Dziękujemy za zamówienie"), finding.to_dict()


async def test_a_missing_order_number_element_is_named(shop3: Shop3, runner: Runner, tmp_path: Path) -> None:
    shop3.faults.add("confirmation_missing")

    def by_locator(data: dict[str, Any]) -> None:
        data["steps"][-1]["confirm"] = {"order_number": {"locator": {"css": "[data-order]"}}}
        _short_confirmation(data)

    result = await runner.run_journey(_journey(shop3, tmp_path, by_locator))
    [finding] = result.failures()
    assert finding.kind is Kind.CONFIRMATION_MISSING, finding.to_dict()
    assert "no order confirmation: an order number" in finding.message
    assert "the page thanks the customer" in finding.message, finding.message
    assert finding.evidence["order_number_pattern"] == "css '[data-order]'"
