"""What cxmon says about the actions of a journey: on the demo shop an ambiguous locator, a decline
in a step without ``pay`` and a confirmation page without the order confirmation; on a small page
one failing request fired three times, and buttons drawn over by styled stand-ins."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from cxmon.model import Kind, Outcome, Severity, StepStatus
from cxmon.runner import Runner, RunOptions
from cxmon.scenario import Journey, load_scenario
from tests.helpers import demo_env, write_demo_scenario
from tests.integration.loopback_servers import html, recording_server

pytestmark = pytest.mark.browser

# The home page lists every product with the same markup: this locator matches all their links.
EVERY_PRODUCT_LINK = {"css": ".product-card a"}


@pytest.fixture(scope="module")
async def runner():
    async with Runner(RunOptions(trace="off", step_timeout=6.0)) as r:
        yield r


def _journey(shop: Any, tmp_path: Path, edit: Any, **changes: Any) -> Journey:
    path = write_demo_scenario(tmp_path, methods=["invoice"], budgets={"step": "30s", "journey": "120s"}, **changes)
    data = yaml.safe_load(path.read_text())
    steps = {s["name"]: s for s in data["steps"]}
    edit(steps)
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    [journey] = load_scenario(path, env=demo_env(shop)).journeys()
    return journey


def _product_link(locator: dict[str, Any]) -> Any:
    def edit(steps: dict[str, Any]) -> None:
        steps["product"]["click"] = locator

    return edit


async def test_an_ambiguous_locator_warns_and_the_journey_passes(runner: Runner, demo_shop, tmp_path: Path) -> None:
    result = await runner.run_journey(_journey(demo_shop, tmp_path, _product_link(EVERY_PRODUCT_LINK)))
    assert result.outcome is Outcome.PASS, result.to_dict()
    [warning] = result.all_findings()
    assert (warning.kind, warning.severity, warning.step) == (Kind.ELEMENT_MISSING, Severity.WARNING, "product")
    assert warning.evidence["reason"] == "ambiguous"
    assert warning.evidence["matches"] >= 2
    assert f"matches {warning.evidence['matches']} visible elements" in warning.message
    assert "nth" in warning.message


async def test_nth_says_which_match_is_meant(runner: Runner, demo_shop, tmp_path: Path) -> None:
    result = await runner.run_journey(_journey(demo_shop, tmp_path, _product_link({**EVERY_PRODUCT_LINK, "nth": 0})))
    assert result.outcome is Outcome.PASS, result.to_dict()
    assert result.all_findings() == []


async def test_strict_makes_an_ambiguous_locator_fail(runner: Runner, demo_shop, tmp_path: Path) -> None:
    result = await runner.run_journey(_journey(demo_shop, tmp_path, _product_link(EVERY_PRODUCT_LINK), strict=True))
    assert result.outcome is Outcome.FAIL
    [failure] = result.failures()
    assert (failure.kind, failure.step, failure.stage.value) == (Kind.ELEMENT_MISSING, "product", "browse")
    assert failure.evidence["strict"] is True
    # The action was not done: the customer is still on the home page.
    assert [s.status for s in result.steps][1] is StepStatus.FAILED
    assert result.steps[1].url.rstrip("/") == demo_shop.url.rstrip("/")


async def test_a_locator_can_relax_the_scenario_strictness(runner: Runner, demo_shop, tmp_path: Path) -> None:
    edit = _product_link({**EVERY_PRODUCT_LINK, "strict": False})
    result = await runner.run_journey(_journey(demo_shop, tmp_path, edit, strict=True))
    assert result.outcome is Outcome.PASS, result.to_dict()
    assert [f.severity for f in result.all_findings()] == [Severity.WARNING]


async def test_a_decline_without_pay_names_the_journeys_method(runner: Runner, demo_shop, tmp_path: Path) -> None:
    demo_shop.faults.add("payment_rejected:invoice")

    def choose_by_hand(steps: dict[str, Any]) -> None:
        pay = steps["pay"]
        del pay["pay"]
        pay["check"] = [{"role": "radio", "name": "Invoice"}]

    result = await runner.run_journey(_journey(demo_shop, tmp_path, choose_by_hand))
    [failure] = result.failures()
    assert (failure.kind, failure.step) == (Kind.PAYMENT_REJECTED, "pay"), failure.to_dict()
    assert failure.message.startswith("invoice payment was declined"), failure.message
    assert failure.evidence["method"] == "invoice"


async def test_a_missing_confirmation_names_the_page_the_customer_saw(
    runner: Runner, demo_shop, tmp_path: Path
) -> None:
    demo_shop.faults.add("confirmation_missing")
    result = await runner.run_journey(_journey(demo_shop, tmp_path, lambda steps: None))
    [failure] = result.failures()
    assert failure.kind is Kind.CONFIRMATION_MISSING, failure.to_dict()
    assert 'the customer ended on "' in failure.message, failure.message
    assert failure.evidence["path"].startswith("/order/"), failure.to_dict()
    assert failure.evidence["title"], failure.to_dict()


# A small page of the kind the demo shop does not have: a reset button whose click fires the same
# failing request three times, and a Pay button drawn over by a styled stand-in that passes the
# click on (and a second one whose cover swallows it).
SMALL_SHOP = """
<style>
  .skinned { position: relative; display: inline-block; }
  .skin { position: absolute; inset: 0; background: #2a6; color: #fff; text-align: center; }
</style>
<button onclick="for (let i = 0; i < 3; i++) fetch('/api/reset', {method: 'POST'});
                 document.getElementById('out').textContent = 'Reset sent'">Reset cart</button>
<span class="skinned"><button id="pay" onclick="document.getElementById('out').textContent = 'Paid'">Pay</button>
  <span class="skin" onclick="document.getElementById('pay').click()">Pay</span></span>
<span class="skinned"><button onclick="document.getElementById('out').textContent = 'Gift'">Gift</button>
  <span class="skin" id="blocker">Gift</span></span>
<p id="out"></p>
"""


def _small_shop_journey(url: str, tmp_path: Path, step: dict[str, Any]) -> Journey:
    data = {
        "name": "small-shop",
        "base_url": url,
        "budgets": {"step": "30s", "journey": "120s"},
        "steps": [{"name": "home", "goto": "/", "expect": {"text": "Reset cart"}}, {"name": "act", **step}],
    }
    path = tmp_path / "small.yml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    [journey] = load_scenario(path).journeys()
    return journey


async def test_one_cause_gives_one_finding_with_a_count(runner: Runner, tmp_path: Path) -> None:
    pages = {"/": html(SMALL_SHOP), "/api/reset": (500, "application/json", b'{"error": "reset failed"}', {})}
    with recording_server(pages) as shop:
        step = {
            "click": {"role": "button", "name": "Reset cart"},
            "wait_for": {"load_state": "networkidle"},
            "expect": {"text": "Reset sent"},
        }
        result = await runner.run_journey(_small_shop_journey(shop.url, tmp_path, step))
        assert shop.paths("POST").count("/api/reset") == 3
    [finding] = result.failures()
    assert (finding.kind, finding.step) == (Kind.ERROR_PAGE, "act"), finding.to_dict()
    assert finding.evidence["count"] == 3
    assert finding.message.endswith("(×3)")


async def test_a_stand_in_that_passes_the_click_on_is_usable(runner: Runner, tmp_path: Path) -> None:
    with recording_server({"/": html(SMALL_SHOP)}) as shop:
        step = {"click": {"role": "button", "name": "Pay"}, "expect": {"text": "Paid"}}
        result = await runner.run_journey(_small_shop_journey(shop.url, tmp_path, step))
    assert result.outcome is Outcome.PASS, result.to_dict()
    assert result.all_findings() == []


async def test_a_cover_that_swallows_the_click_is_hidden_action(runner: Runner, tmp_path: Path) -> None:
    with recording_server({"/": html(SMALL_SHOP)}) as shop:
        step = {"click": {"role": "button", "name": "Gift"}, "expect": {"text": "Gift"}}
        result = await runner.run_journey(_small_shop_journey(shop.url, tmp_path, step))
    [finding] = result.failures()
    assert (finding.kind, finding.step) == (Kind.HIDDEN_ACTION, "act"), finding.to_dict()
    assert finding.evidence["reason"] == "covered"
    assert finding.evidence["covered_by"].startswith("span#blocker.skin")
