"""Maintenance windows as logic: cron windows in time zones and across DST changes, ad-hoc windows,
the shared file and scenario key, the scheduler's handling (fake runner) and the metrics."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from cxmon.errors import InputError, ScenarioError
from cxmon.exporters.metrics import CxmonMetrics
from cxmon.maintenance import (
    AdhocWindows,
    MaintenanceWindowSpec,
    active_window,
    load_shared_windows,
    next_start,
    occurrence_at,
)
from cxmon.model import JourneyKey, Outcome
from cxmon.scenario import load_scenario
from tests.helpers import write_demo_scenario
from tests.unit.test_scheduler import FakeRunner, scheduler


def utc(*args: int) -> float:
    return datetime(*args, tzinfo=UTC).timestamp()


def spec(cron: str, duration: str, timezone: str = "UTC", **more: object) -> MaintenanceWindowSpec:
    return MaintenanceWindowSpec.model_validate({"cron": cron, "duration": duration, "timezone": timezone, **more})


# --- recurring windows ------------------------------------------------------------------------------


def test_window_begins_at_its_start_and_ends_before_its_end() -> None:
    sunday = spec("0 2 * * SUN", "2h")
    assert occurrence_at(sunday, utc(2026, 11, 29, 1, 59, 59)) is None
    window = occurrence_at(sunday, utc(2026, 11, 29, 2, 0))
    assert window is not None and (window.start, window.end) == (utc(2026, 11, 29, 2), utc(2026, 11, 29, 4))
    assert occurrence_at(sunday, utc(2026, 11, 29, 3, 59, 59)) is not None
    assert occurrence_at(sunday, utc(2026, 11, 29, 4, 0)) is None
    assert occurrence_at(sunday, utc(2026, 11, 30, 2, 30)) is None  # a Monday


def test_the_last_second_before_the_next_start_is_still_in_the_open_window() -> None:
    # Every minute for two minutes: always open, also in the second before a new start.
    always = spec("* * * * *", "2m")
    for second in (0.0, 30.0, 59.0, 59.5, 59.99):
        window = occurrence_at(always, utc(2026, 12, 2, 7, 22) + second)
        assert window is not None and window.start == utc(2026, 12, 2, 7, 22), second


@pytest.mark.parametrize(("timezone", "utc_start"), [
    ("UTC", (2026, 7, 1, 2)),
    ("Europe/Helsinki", (2026, 6, 30, 23)),  # EEST, UTC+3
    ("America/New_York", (2026, 7, 1, 6)),  # EDT, UTC-4
    ("Asia/Tokyo", (2026, 6, 30, 17)),  # JST, UTC+9, no DST
])
def test_cron_is_read_in_the_windows_time_zone(timezone: str, utc_start: tuple[int, ...]) -> None:
    daily = spec("0 2 * * *", "1h", timezone)
    start = utc(*utc_start)
    window = occurrence_at(daily, start + 60)
    assert window is not None and window.start == start and window.end == start + 3600
    assert occurrence_at(daily, start - 1) is None or occurrence_at(daily, start - 1).end <= start  # type: ignore[union-attr]


def test_local_time_holds_across_the_spring_dst_change() -> None:
    # Helsinki: 2026-03-29 03:00 EET -> 04:00 EEST. A Sunday 02:00 window is 02:00 local both weeks.
    sunday = spec("0 2 * * SUN", "2h", "Europe/Helsinki")
    before = occurrence_at(sunday, utc(2026, 3, 22, 0, 30))  # 02:30 EET (UTC+2)
    on_the_day = occurrence_at(sunday, utc(2026, 3, 29, 0, 30))  # 02:30 EET, the clock jumps at 03:00
    after = occurrence_at(sunday, utc(2026, 4, 5, 0, 30))  # 03:30 EEST (UTC+3): inside 02:00-04:00
    assert before is not None and before.start == utc(2026, 3, 22, 0)
    assert on_the_day is not None and on_the_day.start == utc(2026, 3, 29, 0)
    # The duration is elapsed time: 2 h after 02:00 EET is 05:00 EEST.
    assert on_the_day.end == utc(2026, 3, 29, 2)
    assert after is not None and after.start == utc(2026, 4, 4, 23)  # 02:00 EEST


def test_a_start_in_the_skipped_hour_begins_when_the_clock_jumps() -> None:
    # 03:30 does not exist in Helsinki on 2026-03-29: the window begins at 04:00 EEST (01:00 UTC).
    daily = spec("30 3 * * *", "30m", "Europe/Helsinki")
    assert occurrence_at(daily, utc(2026, 3, 29, 0, 59)) is None
    window = occurrence_at(daily, utc(2026, 3, 29, 1, 10))
    assert window is not None and window.start == utc(2026, 3, 29, 1)
    assert next_start(daily, utc(2026, 3, 28, 12)) == utc(2026, 3, 29, 1)


def test_a_start_in_the_repeated_hour_begins_once_in_autumn() -> None:
    # Helsinki: 2026-10-25 04:00 EEST -> 03:00 EET; 03:30 happens twice (00:30 and 01:30 UTC).
    daily = spec("30 3 * * *", "30m", "Europe/Helsinki")
    first = occurrence_at(daily, utc(2026, 10, 25, 0, 40))
    assert first is not None and first.start == utc(2026, 10, 25, 0, 30)
    assert occurrence_at(daily, utc(2026, 10, 25, 1, 40)) is None
    assert next_start(daily, utc(2026, 10, 25, 0, 45)) == utc(2026, 10, 26, 1, 30)  # 03:30 EET next day


def test_windows_of_other_scenarios_and_overlaps() -> None:
    shared = [spec("0 * * * *", "10m", scenarios=["shop-a"]), spec("0 * * * *", "20m", mode="run")]
    at = utc(2026, 12, 2, 10, 5)
    a = active_window("shop-a", at, shared=shared)
    b = active_window("shop-b", at, shared=shared)
    assert a is not None and a.mode == "skip"  # skip wins over run
    assert b is not None and b.mode == "run" and b.end == utc(2026, 12, 2, 10, 20)
    assert active_window("shop-b", utc(2026, 12, 2, 10, 25), shared=shared) is None


@pytest.mark.parametrize(("data", "message"), [
    ({"cron": "0 2 * *", "duration": "1h"}, "5-field cron"),
    ({"cron": "0 25 * * *", "duration": "1h"}, "5-field cron"),
    ({"cron": "0 2 * * *", "duration": "0s"}, "above zero"),
    ({"cron": "0 2 * * *", "duration": "1h", "timezone": "Europe/Espoo"}, "IANA time zone"),
    ({"cron": "0 2 * * *", "duration": "1h", "mode": "quiet"}, "'skip' or 'run'"),
])
def test_bad_windows_say_what_was_expected(data: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        MaintenanceWindowSpec.model_validate(data)


# --- ad-hoc windows ---------------------------------------------------------------------------------


def test_adhoc_windows_open_end_and_expire() -> None:
    windows = AdhocWindows()
    every = windows.start(60, at=1000.0)
    only_a = windows.start(600, at=1000.0, scenario="shop-a", mode="run")
    assert {w.id for w in windows.open_at(1030.0)} == {every.id, only_a.id}
    assert active_window("shop-b", 1030.0, adhoc=windows.open_at(1030.0)).id == every.id  # type: ignore[union-attr]
    assert [w.id for w in windows.open_at(1070.0)] == [only_a.id]  # the first one ended by itself
    assert windows.end(1080.0, scenario="shop-b") == []
    assert [w.id for w in windows.end(1080.0, window_id=only_a.id)] == [only_a.id]
    assert windows.open_at(1080.0) == []
    with pytest.raises(ValueError):
        windows.start(0, at=1.0)


# --- files ------------------------------------------------------------------------------------------


def test_shared_file_and_its_errors(tmp_path: Path) -> None:
    good = tmp_path / "windows.yml"
    good.write_text("windows:\n  - {cron: '0 2 * * SUN', duration: 2h, timezone: Europe/Helsinki, "
                    "scenarios: [demo-checkout]}\n")
    [window] = load_shared_windows(good)
    assert window.scenarios == ["demo-checkout"] and window.duration == 7200
    bad = tmp_path / "bad.yml"
    bad.write_text("windows:\n  - {cron: '0 2 * * SUN', duration: 2h}\n  - {cron: 'sunday', duration: 2h}\n")
    with pytest.raises(InputError, match=r"bad.yml:3: windows.1.cron: .*5-field cron"):
        load_shared_windows(bad)
    with pytest.raises(InputError, match="cannot read"):
        load_shared_windows(tmp_path / "missing.yml")


def test_scenario_windows_load_and_errors_name_the_line(tmp_path: Path) -> None:
    path = write_demo_scenario(tmp_path, maintenance=[{"cron": "0 2 * * SUN", "duration": "2h",
                                                       "timezone": "Europe/Helsinki"}])
    scenario = load_scenario(path, env={}).scenario
    assert scenario.maintenance[0].timezone == "Europe/Helsinki"
    bad = write_demo_scenario(tmp_path, name="bad", maintenance=[{"cron": "0 2 * * SUN", "duration": "2h",
                                                                   "scenarios": ["x"]}])
    with pytest.raises(ScenarioError, match="shared maintenance file"):
        load_scenario(bad, env={})


# --- the scheduler and the metrics ------------------------------------------------------------------


async def test_a_skip_window_skips_runs_and_says_maintenance(tmp_path: Path) -> None:
    runner = FakeRunner(seconds=0.01, outcome=Outcome.FAIL)
    s = scheduler(tmp_path, runner, ["invoice"], maintenance_check_seconds=0.05)
    key = next(iter(s.journeys))
    s.adhoc.start(0.6, at=time.time())
    s.start()
    await asyncio.sleep(0.4)
    assert runner.finished == []  # skipped: the shop was not touched
    assert s.metrics.registry.get_sample_value("cxmon_maintenance", key.labels()) == 1
    outcomes = {r.outcome for r in s.history[key]}
    assert outcomes == {Outcome.MAINTENANCE}
    runs = s.metrics.registry.get_sample_value("cxmon_journey_runs_total", {**key.labels(), "result": "maintenance"})
    assert runs is not None and runs >= 1
    assert s.metrics.registry.get_sample_value("cxmon_journey_success", key.labels()) is None
    await asyncio.sleep(0.6)  # the window ends: the journey runs and its failure counts
    await s.stop(grace_seconds=1)
    assert runner.finished and s.history[key][-1].outcome is Outcome.FAIL
    assert s.metrics.registry.get_sample_value("cxmon_maintenance", key.labels()) == 0
    assert s.metrics.registry.get_sample_value("cxmon_journey_success", key.labels()) == 0


async def test_a_run_window_runs_but_counts_no_failure(tmp_path: Path) -> None:
    runner = FakeRunner(seconds=0.01, outcome=Outcome.FAIL)
    s = scheduler(tmp_path, runner, ["invoice"])
    key = next(iter(s.journeys))
    window = s.adhoc.start(60, at=time.time(), mode="run")
    result = await s.run_once(key)
    assert runner.finished == [key]
    assert result is not None and result.outcome is Outcome.MAINTENANCE
    assert result.to_dict()["maintenance"]["id"] == window.id
    failures = s.metrics.registry.get_sample_value(
        "cxmon_failures_total", {**key.labels(), "step": "pay", "stage": "payment", "kind": "payment_rejected"})
    assert not failures
    assert s.metrics.registry.get_sample_value("cxmon_journey_success", key.labels()) is None


def test_metrics_of_a_maintenance_result() -> None:
    from cxmon.model import JourneyResult

    metrics = CxmonMetrics()
    key = JourneyKey("shop", "card")
    metrics.observe(JourneyResult(key, Outcome.MAINTENANCE, 1.0, 0.0))
    get = metrics.registry.get_sample_value
    assert get("cxmon_maintenance", key.labels()) == 1
    assert get("cxmon_journey_runs_total", {**key.labels(), "result": "maintenance"}) == 1
    assert get("cxmon_journey_last_run_timestamp_seconds", key.labels()) is None
    metrics.observe(JourneyResult(key, Outcome.PASS, 2.0, 1.0))
    assert get("cxmon_maintenance", key.labels()) == 0


def test_reports_and_results_page_say_maintenance(tmp_path: Path) -> None:
    from cxmon.exporters.html import render_html
    from cxmon.exporters.results_page import JourneyStatus, render_results_page
    from cxmon.model import JourneyResult, RunResult

    key = JourneyKey("shop", "card")
    window = {"id": "ab12", "start": 1.0, "end": 1_800_000_000.0, "mode": "skip", "source": "ad hoc ab12"}
    result = JourneyResult(key, Outcome.MAINTENANCE, 1_700_000_000.0, 0.0, maintenance=window)
    page = render_results_page([JourneyStatus(key, 60.0, history=[result])], artifact_url=lambda p: None)
    assert ">maintenance</span>" in page and "maintenance window until 2027-01-15" in page and "ad hoc ab12" in page
    html = render_html(RunResult([result], started_at=1_700_000_000.0, duration_seconds=1.0), tmp_path)
    assert 'data-outcome="maintenance">1<' in html and "In a maintenance window (ad hoc ab12, skip)" in html
    assert result.to_dict()["maintenance"] == window and result.to_dict()["outcome"] == "maintenance"
