"""Every fault of the demo shop's fault table is classified as the right kind, at the right step.

Each case runs the one journey it needs against the demo shop in real Chromium.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest

from cxmon.model import Kind, Outcome, Severity, StepStatus
from cxmon.runner import Runner, RunOptions
from tests.helpers import demo_journeys

pytestmark = pytest.mark.browser


@dataclass(frozen=True)
class Case:
    fault: str
    kind: Kind
    step: str
    stage: str
    method: str = "invoice"
    evidence: dict[str, object] = field(default_factory=dict)
    device: str | None = None


# The step a fault shows at is the step whose action leads the customer to the faulty page; the
# stage is where the customer is (docs/scenarios.md, "Timing and stage rules"): a page a step's click
# leads to is the next step's when the step does not read it itself. address (expect: url only)
# leads to /payment, which is pay's; pay leads to the order page, which is confirmation's.
CASES = [
    Case("error_page@browse", Kind.ERROR_PAGE, "home", "browse", evidence={"status": 500}),
    Case("error_page@cart", Kind.ERROR_PAGE, "add-to-cart", "cart", evidence={"status": 500}),
    Case("error_page", Kind.ERROR_PAGE, "checkout", "checkout", evidence={"status": 500}),
    Case("error_page@payment", Kind.ERROR_PAGE, "address", "payment", evidence={"status": 500}),
    Case("error_page@confirmation", Kind.ERROR_PAGE, "pay", "confirmation", evidence={"status": 500}),
    Case("error_text@browse", Kind.ERROR_PAGE, "home", "browse", evidence={"reason": "error_text"}),
    Case("error_text@cart", Kind.ERROR_PAGE, "add-to-cart", "cart", evidence={"reason": "error_text"}),
    Case("error_text", Kind.ERROR_PAGE, "checkout", "checkout", evidence={"reason": "error_text"}),
    Case("error_text@payment", Kind.ERROR_PAGE, "address", "payment", evidence={"reason": "error_text"}),
    Case("error_text@confirmation", Kind.ERROR_PAGE, "pay", "confirmation", evidence={"reason": "error_text"}),
    Case("js_error@browse", Kind.ERROR_PAGE, "product", "browse", evidence={"reason": "page_error"}),
    Case("js_error@cart", Kind.ERROR_PAGE, "add-to-cart", "cart", evidence={"reason": "page_error"}),
    Case("js_error", Kind.ERROR_PAGE, "checkout", "checkout", evidence={"reason": "page_error"}),
    Case("js_error@payment", Kind.ERROR_PAGE, "address", "payment", evidence={"reason": "page_error"}),
    Case("js_error@confirmation", Kind.ERROR_PAGE, "pay", "confirmation", evidence={"reason": "page_error"}),
    Case("slow@browse", Kind.SLOW, "home", "browse"),
    Case("slow@cart", Kind.SLOW, "add-to-cart", "cart"),
    Case("slow@checkout", Kind.SLOW, "checkout", "checkout"),
    Case("slow", Kind.SLOW, "address", "payment"),
    Case("slow@confirmation", Kind.SLOW, "pay", "confirmation"),
    Case(
        "hidden_action",
        Kind.HIDDEN_ACTION,
        "pay",
        "payment",
        evidence={"reason": "covered", "covered_by": "div#promo-overlay"},
    ),
    Case("hidden_action:hidden", Kind.HIDDEN_ACTION, "pay", "payment", evidence={"reason": "hidden"}),
    Case("hidden_action:offscreen", Kind.HIDDEN_ACTION, "pay", "payment", evidence={"reason": "offscreen"}),
    Case("hidden_action:disabled", Kind.HIDDEN_ACTION, "pay", "payment", evidence={"reason": "disabled"}),
    Case("hidden_action:covered@browse", Kind.HIDDEN_ACTION, "add-to-cart", "cart", evidence={"reason": "covered"}),
    Case("hidden_action:hidden@cart", Kind.HIDDEN_ACTION, "checkout", "checkout", evidence={"reason": "hidden"}),
    Case("hidden_action:disabled@checkout", Kind.HIDDEN_ACTION, "address", "checkout", evidence={"reason": "disabled"}),
    Case(
        "hidden_action:covered_mobile",
        Kind.HIDDEN_ACTION,
        "pay",
        "payment",
        device="iPhone 13",
        evidence={"reason": "covered"},
    ),
    Case(
        "hidden_action:offscreen_mobile",
        Kind.HIDDEN_ACTION,
        "pay",
        "payment",
        device="Pixel 7",
        evidence={"reason": "offscreen"},
    ),
    Case(
        "payment_rejected",
        Kind.PAYMENT_REJECTED,
        "pay",
        "payment",
        method="card",
        evidence={"method": "card", "reason": "declined"},
    ),
    Case(
        "payment_rejected:invoice",
        Kind.PAYMENT_REJECTED,
        "pay",
        "payment",
        method="invoice",
        evidence={"method": "invoice", "reason": "declined"},
    ),
    Case(
        "payment_rejected:instalments",
        Kind.PAYMENT_REJECTED,
        "pay",
        "payment",
        method="instalments",
        evidence={"method": "instalments", "reason": "declined"},
    ),
    Case(
        "payment_rejected:mobile_pay",
        Kind.PAYMENT_REJECTED,
        "pay",
        "payment",
        method="mobile_pay",
        evidence={"method": "mobile_pay", "reason": "declined"},
    ),
    Case(
        "payment_not_offered",
        Kind.PAYMENT_REJECTED,
        "pay",
        "payment",
        method="card",
        evidence={"method": "card", "reason": "not_offered"},
    ),
    Case(
        "payment_not_offered:mobile_pay",
        Kind.PAYMENT_REJECTED,
        "pay",
        "payment",
        method="mobile_pay",
        evidence={"method": "mobile_pay", "reason": "not_offered"},
    ),
    Case("confirmation_missing", Kind.CONFIRMATION_MISSING, "confirmation", "confirmation"),
    Case("validation_error", Kind.VALIDATION_ERROR, "address", "checkout", evidence={"field": "Email"}),
    # Prices are judged after the walk, at the step whose page showed the value that diverged.
    Case("price_mismatch@cart", Kind.PRICE_MISMATCH, "add-to-cart", "cart", evidence={"reason": "amount"}),
    Case("total_mismatch@checkout", Kind.PRICE_MISMATCH, "checkout", "checkout", evidence={"reason": "amount"}),
    Case("currency_mismatch", Kind.PRICE_MISMATCH, "add-to-cart", "cart", evidence={"reason": "currency"}),
    Case("price_mismatch@confirmation", Kind.PRICE_MISMATCH, "confirmation", "confirmation"),
    Case(
        "validation_error@payment",
        Kind.VALIDATION_ERROR,
        "pay",
        "payment",
        method="card",
        evidence={"field": "Card number"},
    ),
]


@pytest.fixture(scope="module")
async def runner():
    # 6 s per step: long enough for slow:4000, short enough that waits for what never comes end soon.
    async with Runner(RunOptions(trace="off", step_timeout=6.0)) as r:
        yield r


@pytest.mark.parametrize("case", CASES, ids=[c.fault + (f"-{c.device}" if c.device else "") for c in CASES])
async def test_fault_is_classified(case: Case, runner: Runner, demo_shop, tmp_path: Path) -> None:
    demo_shop.faults.add(case.fault)
    [journey] = demo_journeys(
        demo_shop,
        tmp_path,
        methods=[case.method],
        devices=[case.device] if case.device else None,
        uniform_budget=True,
    )
    result = await runner.run_journey(journey)

    assert result.outcome is Outcome.FAIL, result.to_dict()
    failures = [f for f in result.failures()]
    kinds = {f.kind for f in failures}
    assert kinds == {case.kind}, [f.to_dict() for f in failures]
    finding = failures[0]
    assert (finding.step, finding.stage.value) == (case.step, case.stage), finding.to_dict()
    for key, expected in case.evidence.items():
        actual = finding.evidence.get(key)
        if isinstance(expected, str) and key == "covered_by":
            assert str(actual).startswith(expected), finding.to_dict()
        else:
            assert actual == expected, finding.to_dict()
    assert finding.message
    assert finding.evidence.get("url"), finding.to_dict()
    if case.kind not in (Kind.SLOW, Kind.PRICE_MISMATCH):
        # Steps after the one that failed could not be walked by a customer either (a slow page or
        # a wrong price does not stop them).
        failed_at = [s.name for s in result.steps].index(case.step)
        assert all(s.status is StepStatus.SKIPPED for s in result.steps[failed_at + 1 :])


async def test_covered_button_names_the_overlay(runner: Runner, demo_shop, tmp_path: Path) -> None:
    demo_shop.faults.add("hidden_action:covered")
    [journey] = demo_journeys(demo_shop, tmp_path)
    result = await runner.run_journey(journey)
    [finding] = result.failures()
    assert "promo-overlay" in finding.message
    assert "newsletter" in finding.evidence["covered_by"].lower()


async def test_mobile_only_fault_spares_desktop(runner: Runner, demo_shop, tmp_path: Path) -> None:
    demo_shop.faults.add("hidden_action:covered_mobile")
    journeys = demo_journeys(demo_shop, tmp_path, devices=["Desktop Chrome", "iPhone 13"])
    results = {r.key.device: r for r in await runner.run(journeys, concurrency=2)}
    assert results["Desktop Chrome"].outcome is Outcome.PASS, results["Desktop Chrome"].to_dict()
    assert results["iPhone 13"].outcome is Outcome.FAIL
    assert {f.kind for f in results["iPhone 13"].failures()} == {Kind.HIDDEN_ACTION}


async def test_slow_step_reports_timings_and_walks_on(runner: Runner, demo_shop, tmp_path: Path) -> None:
    demo_shop.faults.add("slow:4000@checkout")
    [journey] = demo_journeys(demo_shop, tmp_path)
    result = await runner.run_journey(journey)
    [finding] = result.failures()
    assert finding.kind is Kind.SLOW and finding.step == "checkout"
    assert finding.evidence["measured_seconds"] > finding.evidence["budget_seconds"] == 3.0
    assert finding.evidence["ttfb"] >= 4.0
    # A slow page slows the customer down; the rest of the path is still walked and confirmed.
    assert [s.status for s in result.steps][-1] is StepStatus.PASSED
    assert result.order_number


async def test_clean_runs_have_no_findings(runner: Runner, demo_shop, tmp_path: Path) -> None:
    methods = ["card", "invoice", "instalments", "mobile_pay"]
    # Generous budgets: zero findings must not depend on how loaded the machine is.
    journeys = demo_journeys(demo_shop, tmp_path, methods=methods, budgets={"step": "20s", "journey": "120s"})
    results = await runner.run(journeys, concurrency=2)
    assert len(results) == 4
    for r in results:
        assert r.outcome is Outcome.PASS, r.to_dict()
        assert [f for f in r.all_findings() if f.severity is Severity.FAILURE] == []
        assert r.order_number and r.order_number.startswith("DS-")
