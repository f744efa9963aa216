"""The performance gate: per-step medians against a baseline ``--json``, percent and floor."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from cxmon.aggregate import representatives, summarize, worst_run
from cxmon.baseline import BaselineError, compare, gate, load_baseline, new_steps, step_medians
from cxmon.exporters.json import run_to_dict
from cxmon.model import JourneyKey, JourneyResult, Outcome, RunResult
from tests.unit.ci_sample import BROWSE, CARD, T0, steps


def run_of(*durations: list[float], key: JourneyKey = BROWSE) -> RunResult:
    """One run per list of step durations (home, add-to-cart, pay, confirmation)."""
    journeys = [JourneyResult(key, Outcome.PASS, T0 + i * 10, sum(d), steps(T0 + i * 10, d))
                for i, d in enumerate(durations)]
    return RunResult(journeys, started_at=T0, duration_seconds=10.0 * len(durations))


BASE = run_to_dict(run_of([0.5, 0.5, 1.0, 0.2], [0.6, 0.5, 1.2, 0.2], [0.4, 0.5, 1.1, 0.2]))


def test_medians_from_json_and_from_the_run_agree() -> None:
    run = run_of([0.5, 0.5, 1.0, 0.2], [0.6, 0.5, 1.2, 0.2], [0.4, 0.5, 1.1, 0.2])
    assert step_medians(run) == step_medians(run_to_dict(run))
    assert step_medians(run)[(BROWSE.id, "pay")] == ("payment", 1.1)


def test_a_step_slower_by_more_than_percent_and_floor_is_a_regression() -> None:
    current = run_of([0.5, 0.5, 2.0, 0.2])
    (regression,) = compare(current, BASE, max_regression_pct=20, floor_ms=100)
    assert (regression.journey, regression.step, regression.stage) == (BROWSE.id, "pay", "payment")
    assert regression.baseline_seconds == 1.1 and regression.current_seconds == 2.0
    assert round(regression.pct) == 82
    assert regression.describe().startswith(f"{BROWSE.id}: regression at pay (payment): median 2.00s")


@pytest.mark.parametrize(
    ("pay_seconds", "pct", "floor_ms", "regressed"),
    [
        (1.3, 20, 100, False),  # +18%: under the percentage
        (1.4, 20, 100, True),  # +27% and +300 ms
        (1.4, 20, 500, False),  # +27% but under the 500 ms floor: noise
        (1.4, 30, 100, False),
        (1.0, 0, 0, False),  # faster is never a regression
    ],
)
def test_percent_and_floor_must_both_be_exceeded(pay_seconds: float, pct: float, floor_ms: float,
                                                 regressed: bool) -> None:
    current = run_of([0.5, 0.5, pay_seconds, 0.2])
    assert bool(compare(current, BASE, pct, floor_ms)) is regressed


def test_a_small_step_doubling_under_the_floor_is_noise() -> None:
    current = run_of([0.5, 0.5, 1.1, 0.29])  # confirmation +45%, but +90 ms
    assert compare(current, BASE, 20, 100) == []


def test_journeys_and_steps_missing_from_the_baseline_are_not_compared_but_listed() -> None:
    current = run_of([9.0, 9.0, 9.0, 9.0], key=CARD)
    assert compare(current, BASE, 20, 100) == []
    assert new_steps(current, BASE) == [(CARD.id, "home"), (CARD.id, "add-to-cart"), (CARD.id, "pay"),
                                        (CARD.id, "confirmation")]
    comparison = gate(current, BASE, "base.json")
    assert comparison.regressions == () and len(comparison.new) == 4
    assert comparison.to_dict()["new_steps"][0] == {"journey": CARD.id, "step": "home"}


def test_skipped_steps_have_no_time_to_compare() -> None:
    failed = run_of([0.5, 0.5, 5.0, 0.2])
    failed.journeys[0].steps = steps(T0, [0.5, 0.5, 5.0, 0.2], failed_at=1)
    regressions = compare(failed, BASE, 20, 100)
    assert regressions == []  # pay and confirmation were skipped: nothing measured


def test_medians_make_one_slow_run_of_three_harmless() -> None:
    current = run_of([0.5, 0.5, 1.1, 0.2], [0.5, 0.5, 9.0, 0.2], [0.5, 0.5, 1.0, 0.2])
    assert compare(current, BASE, 20, 100) == []


def test_load_baseline_rejects_what_is_not_a_cxmon_result(tmp_path: Path) -> None:
    good = tmp_path / "good.json"
    good.write_text(json.dumps(BASE))
    assert load_baseline(good)["schema_version"] == 1
    cases = {
        "missing.json": None,
        "broken.json": "{",
        "other.json": json.dumps({"hello": 1}),
        "future.json": json.dumps({**BASE, "schema_version": 99}),
    }
    messages = []
    for name, text in cases.items():
        if text is not None:
            (tmp_path / name).write_text(text)
        with pytest.raises(BaselineError) as info:
            load_baseline(tmp_path / name)
        messages.append(str(info.value))
    assert "no such file" in messages[0]
    assert "not JSON" in messages[1]
    assert "no 'journeys' list" in messages[2]
    assert "schema_version 99 is not supported" in messages[3]


def test_aggregate_picks_the_worst_run_and_keeps_journey_order() -> None:
    a = run_of([0.1, 0.1, 0.1, 0.1]).journeys[0]
    b_fail = replace(run_of([0.2, 0.2, 0.2, 0.2], key=CARD).journeys[0], outcome=Outcome.FAIL)
    b_flaky = replace(b_fail, outcome=Outcome.FLAKY)
    results = [a, b_flaky, a, b_fail]
    assert [r.key for r in representatives(results)] == [BROWSE, CARD]
    assert worst_run([b_flaky, b_fail]) is b_fail
    stats = summarize(results)
    assert [s.outcome for s in stats] == [Outcome.PASS, Outcome.FAIL]
    assert stats[1].outcomes == {"pass": 0, "fail": 1, "flaky": 1, "error": 0, "maintenance": 0}
