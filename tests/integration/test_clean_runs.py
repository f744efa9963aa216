"""Clean journeys across the three test shops give no failure (``make clean-runs`` walks 200 with
the scenarios' own budgets; here the step budgets are out of reach of a loaded test machine, so
this checks every other kind for false alarms)."""

from __future__ import annotations

import pytest

from benchmarks.clean_runs import report, run_clean

pytestmark = pytest.mark.browser

JOURNEYS = 14  # every journey of every shop twice: the demo's four methods, the second shop, both storefronts


def test_clean_shops_raise_no_false_alarm(capsys: pytest.CaptureFixture[str]) -> None:
    runs = run_clean(JOURNEYS, step_budget="15s")
    text = report(runs)
    with capsys.disabled():
        print("\n" + text)
    assert runs.journeys == JOURNEYS
    assert set(runs.by_shop) == {"demo", "shop2", "shop3"}
    assert runs.false_alarms == [], text
