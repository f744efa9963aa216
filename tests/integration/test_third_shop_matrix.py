"""The third test shop's table: every fault of tests/shop3/matrix.py gives exactly its kind, step and stage.

Each case is one journey of ``tests/shop3/checkout.yml`` against the shop with that case's faults
and controls only, run in real Chromium. The first failure of the journey must be the case's
``(kind, step, stage)``; a control (a slow third-party pixel, third-party noise) and the clean shop
must pass with no finding at all.

The scenario's 2 s step budget measures this shop's speed: it is kept for the rows about time (a
``slow`` fault, the slow pixel); the other rows run with generous budgets, so that a loaded test
machine cannot put a ``slow`` before the fault the row is about.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from cxmon.model import Finding, JourneyResult, Outcome, Severity
from cxmon.runner import Runner, RunOptions
from cxmon.scenario import load_scenario
from tests.shop3.conftest import shop3, shop3_session  # noqa: F401  (the shop's fixtures)
from tests.shop3.matrix import CASES, Case
from tests.shop3.server import Shop3

pytestmark = pytest.mark.browser

SCENARIO = Path(__file__).resolve().parents[1] / "shop3" / "checkout.yml"
FILE_BUDGETS = "budgets: {step: 2s, journey: 30s}"


def _about_time(case: Case) -> bool:
    return case.kind == "slow" or case.pixel_delay_ms > 0


def _scenario(case: Case, tmp_path: Path) -> Path:
    text = SCENARIO.read_text(encoding="utf-8")
    assert FILE_BUDGETS in text, "checkout.yml's budgets changed: update this test"
    if not _about_time(case):
        text = text.replace(FILE_BUDGETS, "budgets: {step: 60s, journey: 300s}")
    path = tmp_path / "checkout.yml"
    path.write_text(text, encoding="utf-8")
    return path


def _first_failure(result: JourneyResult) -> Finding | None:
    for step in result.steps:
        for finding in step.findings:
            if finding.severity is Severity.FAILURE:
                return finding
    return next((f for f in result.findings if f.severity is Severity.FAILURE), None)


def _all_findings(result: JourneyResult) -> list[str]:
    found = [f for s in result.steps for f in s.findings] + list(result.findings)
    return [f"{f.kind.value} {f.step}/{f.stage.value} {f.severity.value}: {f.message}" for f in found]


@pytest.fixture(scope="module")
async def runner():
    async with Runner(RunOptions(trace="off")) as r:
        yield r


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
async def test_third_shop_case(case: Case, runner: Runner, shop3: Shop3, tmp_path: Path) -> None:  # noqa: F811
    for spec in case.faults:
        shop3.faults.add(spec)
    shop3.settings.pixel_delay_ms = case.pixel_delay_ms
    shop3.settings.noise = case.noise
    env = {"SHOP3_URL": shop3.url, **case.env}
    [journey] = load_scenario(_scenario(case, tmp_path), env=env).journeys()

    result = await runner.run_journey(journey)

    if case.kind is None:
        assert result.outcome is Outcome.PASS, _all_findings(result)
        assert _all_findings(result) == []
        return
    assert result.outcome is Outcome.FAIL, _all_findings(result)
    first = _first_failure(result)
    assert first is not None, _all_findings(result)
    assert (first.kind.value, first.step, first.stage.value) == (case.kind, case.step, case.stage), _all_findings(
        result
    )
