"""The journey matrix: payment methods × devices, and concurrency that changes nothing but speed."""

from __future__ import annotations

from pathlib import Path

import pytest

from cxmon.model import JourneyResult, Outcome
from cxmon.runner import Runner, RunOptions
from tests.helpers import demo_journeys

pytestmark = pytest.mark.browser


def _shape(r: JourneyResult) -> tuple:
    return (
        r.key,
        r.outcome,
        tuple((s.name, s.stage, s.status) for s in r.steps),
        tuple((f.kind, f.step, f.stage, f.evidence.get("reason")) for f in r.all_findings()),
    )


async def test_concurrent_results_equal_sequential(demo_shop, tmp_path: Path) -> None:
    # Faults that hit one method and one device only, so every journey has a different story.
    demo_shop.faults.add("payment_rejected:invoice")
    demo_shop.faults.add("hidden_action:offscreen_mobile")
    # Budgets far out of reach: this test is about classification, and a loaded machine must not add `slow`.
    journeys = demo_journeys(
        demo_shop,
        tmp_path,
        methods=["card", "invoice"],
        devices=["Desktop Chrome", "Pixel 7"],
        uniform_budget=True,
        budgets={"step": "60s", "journey": "300s"},
    )
    assert [j.key.id for j in journeys] == [
        "demo-checkout[card,Desktop Chrome]",
        "demo-checkout[card,Pixel 7]",
        "demo-checkout[invoice,Desktop Chrome]",
        "demo-checkout[invoice,Pixel 7]",
    ]
    async with Runner(RunOptions(trace="off", step_timeout=6.0)) as runner:
        sequential = await runner.run(journeys, concurrency=1)
        concurrent = await runner.run(journeys, concurrency=4)
    assert [_shape(r) for r in concurrent] == [_shape(r) for r in sequential]
    outcomes = {r.key.id: r.outcome for r in sequential}
    assert outcomes == {
        "demo-checkout[card,Desktop Chrome]": Outcome.PASS,
        "demo-checkout[card,Pixel 7]": Outcome.FAIL,
        "demo-checkout[invoice,Desktop Chrome]": Outcome.FAIL,
        "demo-checkout[invoice,Pixel 7]": Outcome.FAIL,
    }
    kinds = {r.key.id: sorted({f.kind.value for f in r.failures()}) for r in sequential}
    assert kinds["demo-checkout[card,Pixel 7]"] == ["hidden_action"]
    assert kinds["demo-checkout[invoice,Desktop Chrome]"] == ["payment_rejected"]
    # On the phone the offscreen Pay button stops the journey before the provider could decline.
    assert kinds["demo-checkout[invoice,Pixel 7]"] == ["hidden_action"]


async def test_default_device_stands_beside_a_phone(demo_shop, tmp_path: Path) -> None:
    # A fault on narrow viewports only: the default desktop journey passes, the phone's fails.
    demo_shop.faults.add("hidden_action:offscreen_mobile")
    journeys = demo_journeys(demo_shop, tmp_path, methods=["invoice"], devices=["default", "iPhone 13"],
                             uniform_budget=True, budgets={"step": "60s", "journey": "300s"})
    assert [(j.key.id, j.key.device, j.device) for j in journeys] == [
        ("demo-checkout[invoice]", "default", None),
        ("demo-checkout[invoice,iPhone 13]", "iPhone 13", "iPhone 13"),
    ]
    async with Runner(RunOptions(trace="off", step_timeout=6.0)) as runner:
        results = await runner.run(journeys, concurrency=1)
    outcomes = {r.key.id: (r.outcome, sorted({f.kind.value for f in r.failures()})) for r in results}
    assert outcomes == {
        "demo-checkout[invoice]": (Outcome.PASS, []),
        "demo-checkout[invoice,iPhone 13]": (Outcome.FAIL, ["hidden_action"]),
    }
