"""The serve loop with a fake runner: no overlap, the concurrency limit, hard limits, reloads,
graceful stop and the evidence cap. No browser."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import time
from collections import Counter
from pathlib import Path
from typing import Any

from cxmon.exporters.latest import LatestOutputs
from cxmon.exporters.metrics import CxmonMetrics
from cxmon.model import Finding, JourneyKey, JourneyResult, Kind, Outcome, Stage
from cxmon.scenario import Journey
from cxmon.scheduler import ScheduleOptions, Scheduler, journey_time_limit, prune_to_cap
from tests.helpers import write_demo_scenario


class FakeRunner:
    """Runs a journey by sleeping; records overlap; can write evidence files and fail."""

    def __init__(self, seconds: float = 0.05, outcome: Outcome = Outcome.PASS, evidence: Path | None = None) -> None:
        self.seconds = seconds
        self.outcome = outcome
        self.evidence = evidence
        self.browser_connected = True
        self.running: Counter[JourneyKey] = Counter()
        self.max_per_journey = 0
        self.max_total = 0
        self.finished: list[JourneyKey] = []

    async def browser(self) -> Any:
        self.browser_connected = True

    async def run_journey(self, journey: Journey) -> JourneyResult:
        key = journey.key
        self.running[key] += 1
        self.max_per_journey = max(self.max_per_journey, self.running[key])
        self.max_total = max(self.max_total, sum(self.running.values()))
        try:
            await asyncio.sleep(self.seconds)
        finally:
            self.running[key] -= 1
        result = JourneyResult(key, self.outcome, time.time(), self.seconds)
        if self.outcome is Outcome.FAIL:
            result.findings.append(Finding(Kind.PAYMENT_REJECTED, "declined", "pay", Stage.PAYMENT))
            if self.evidence is not None:
                folder = self.evidence / f"{key.slug}-{time.monotonic_ns()}"
                folder.mkdir(parents=True)
                (folder / "screenshot.png").write_bytes(b"x" * 1000)
                result.artifacts = {"screenshot": str(folder / "screenshot.png")}
        self.finished.append(key)
        return result


def scheduler(tmp_path: Path, runner: FakeRunner, methods: list[str], outputs: dict[str, str] | None = None,
              **options: Any) -> Scheduler:
    path = write_demo_scenario(tmp_path, methods=methods, name="sched", schedule=None)
    opts = ScheduleOptions(**{"default_interval_seconds": 0.05, "first_run_max_offset_seconds": 0.0, **options})
    metrics = CxmonMetrics(serve=True)
    s = Scheduler(runner, metrics, [path], opts, outputs=LatestOutputs(outputs or {}, metrics))
    s.load()
    return s


async def test_no_overlap_and_global_concurrency_limit(tmp_path: Path) -> None:
    runner = FakeRunner(seconds=0.1)
    s = scheduler(tmp_path, runner, ["card", "invoice", "instalments"], concurrency=2)
    s.start()
    await asyncio.sleep(1.0)
    await s.stop(grace_seconds=1)
    assert runner.max_per_journey == 1
    assert runner.max_total == 2
    assert all(n >= 2 for n in Counter(runner.finished).values()) and len(set(runner.finished)) == 3
    assert s.ready


async def test_hard_limit_records_an_error_and_leaves_success_alone(tmp_path: Path) -> None:
    runner = FakeRunner(seconds=5)
    s = scheduler(tmp_path, runner, ["invoice"], journey_timeout_seconds=0.1)
    key = next(iter(s.journeys))
    result = await s.run_once(key)
    assert result is not None and result.outcome is Outcome.ERROR
    assert result.findings[0].kind is Kind.INFRASTRUCTURE and "hard limit" in result.findings[0].message
    get = s.metrics.registry.get_sample_value
    assert get("cxmon_journey_runs_total", {**key.labels(), "result": "error"}) == 1
    assert get("cxmon_journey_success", key.labels()) is None
    assert runner.running[key] == 0  # the run was cancelled, not left behind


async def test_reload_keeps_old_journeys_on_a_bad_file_and_swaps_on_a_good_one(tmp_path: Path) -> None:
    s = scheduler(tmp_path, FakeRunner(), ["card", "invoice"])
    path = Path(s.paths[0])
    good = path.read_text()
    before = set(s.journeys)
    path.write_text(good + "\nunknown_key: 1\n")
    assert await s.reload() is False
    assert set(s.journeys) == before
    assert s.metrics.registry.get_sample_value("cxmon_config_last_reload_successful") == 0
    assert s.last_reload_error and "unknown_key" in s.last_reload_error

    write_demo_scenario(tmp_path, methods=["invoice", "mobile_pay"], name="sched", schedule="2m")
    assert await s.reload() is True
    assert {k.payment_method for k in s.journeys} == {"invoice", "mobile_pay"}
    get = s.metrics.registry.get_sample_value
    assert get("cxmon_config_last_reload_successful") == 1
    card = {"scenario": "sched", "payment_method": "card", "device": "default", "location": "default",
            "market": "default"}
    assert get("cxmon_journey_runs_total", {**card, "result": "pass"}) is None  # removed with its journey
    mobile = {**card, "payment_method": "mobile_pay"}
    assert get("cxmon_journey_interval_seconds", mobile) == 120


async def test_stop_lets_a_running_journey_finish_within_the_grace(tmp_path: Path) -> None:
    runner = FakeRunner(seconds=0.4)
    s = scheduler(tmp_path, runner, ["invoice"], default_interval_seconds=60)
    s.start()
    await asyncio.sleep(0.1)
    await s.stop(grace_seconds=5)
    assert len(runner.finished) == 1
    assert len(s.history[next(iter(s.journeys))]) == 1


async def test_stop_cancels_what_outlives_the_grace(tmp_path: Path) -> None:
    runner = FakeRunner(seconds=30)
    s = scheduler(tmp_path, runner, ["invoice"])
    s.start()
    await asyncio.sleep(0.1)
    t0 = time.monotonic()
    await s.stop(grace_seconds=0.2)
    assert time.monotonic() - t0 < 2
    assert runner.finished == [] and sum(runner.running.values()) == 0


async def test_keeps_the_last_failures_per_journey(tmp_path: Path) -> None:
    evidence = tmp_path / "ev"
    runner = FakeRunner(outcome=Outcome.FAIL, evidence=evidence)
    s = scheduler(tmp_path, runner, ["invoice"], artifacts_dir=evidence, keep_failures=2)
    key = next(iter(s.journeys))
    for _ in range(4):
        await s.run_once(key)
    kept = sorted(evidence.iterdir())
    assert len(kept) == 2
    assert Path(s.history[key][-1].artifacts["screenshot"]).parent in kept


def test_disk_cap_deletes_the_oldest_but_never_the_newest(tmp_path: Path) -> None:
    for i, size in enumerate((400, 400, 400, 900)):
        folder = tmp_path / f"f{i}"
        folder.mkdir()
        (folder / "trace.zip").write_bytes(b"x" * size)
        stamp = 1_700_000_000 + i
        os.utime(folder, (stamp, stamp))
    deleted = prune_to_cap(tmp_path, 1000, keep=tmp_path / "f3")
    assert [p.name for p in deleted] == ["f0", "f1", "f2"]
    assert [p.name for p in tmp_path.iterdir()] == ["f3"]


def test_default_time_limit_is_step_limits_plus_margin(tmp_path: Path) -> None:
    s = scheduler(tmp_path, FakeRunner(), ["invoice"])
    journey = next(iter(s.journeys.values()))
    assert journey_time_limit(journey) == len(journey.steps) * journey.scenario.timeouts.step + 30


async def test_outputs_hold_the_latest_result_of_every_journey(tmp_path: Path) -> None:
    runner = FakeRunner()
    report, textfile = tmp_path / "out" / "latest.json", tmp_path / "out" / "cxmon.prom"
    s = scheduler(tmp_path, runner, ["card", "invoice"], outputs={"json": str(report), "textfile": str(textfile)})
    card, invoice = sorted(s.journeys, key=lambda k: k.payment_method)
    await s.run_once(card)
    await s.outputs.close()  # type: ignore[union-attr]
    assert [j["journey"] for j in json.loads(report.read_text())["journeys"]] == [card.id]

    runner.outcome = Outcome.FAIL
    await s.run_once(invoice)
    await s.run_once(card)
    await s.outputs.close()  # type: ignore[union-attr]
    document = json.loads(report.read_text())
    # One entry per journey, each its latest result: card failed after it passed.
    assert {j["journey"]: j["outcome"] for j in document["journeys"]} == {card.id: "fail", invoice.id: "fail"}
    assert document["summary"] == {"pass": 0, "fail": 2, "flaky": 0, "error": 0, "maintenance": 0}
    # The textfile is the live registry: card ran twice, so its counter says 2, not the latest run's 1.
    lines = textfile.read_text().splitlines()
    runs = [line for line in lines if line.startswith("cxmon_journey_runs_total{") and 'payment_method="card"' in line]
    assert sorted(float(line.rsplit(" ", 1)[1]) for line in runs) == [0.0, 0.0, 0.0, 1.0, 1.0]
    assert 'cxmon_output_write_failures_total{output="json"} 0.0' in lines


async def test_a_removed_journey_leaves_the_outputs(tmp_path: Path) -> None:
    report = tmp_path / "latest.json"
    s = scheduler(tmp_path, FakeRunner(), ["card", "invoice"], outputs={"json": str(report)})
    for key in list(s.journeys):
        await s.run_once(key)
    write_demo_scenario(tmp_path, methods=["invoice"], name="sched", schedule=None)
    assert await s.reload() is True
    await s.stop()
    assert [j["labels"]["payment_method"] for j in json.loads(report.read_text())["journeys"]] == ["invoice"]


async def test_an_unwritable_output_is_counted_told_once_and_recovers(tmp_path: Path, caplog: Any) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    report = blocker / "latest.json"
    s = scheduler(tmp_path, FakeRunner(), ["card"], outputs={"json": str(report)})
    key = next(iter(s.journeys))
    failures = {"output": "json"}
    assert s.metrics.registry.get_sample_value("cxmon_output_write_failures_total", failures) == 0
    with caplog.at_level(logging.INFO, logger="cxmon.outputs"):
        for _ in range(3):
            assert await s.run_once(key) is not None  # the journey itself is recorded every time
            await s.outputs.close()  # type: ignore[union-attr]
        told = [r.getMessage() for r in caplog.records if r.name == "cxmon.outputs"]
        assert len(told) == 1 and told[0].startswith(f"--json {report}: cannot write the report")
        assert s.metrics.registry.get_sample_value("cxmon_output_write_failures_total", failures) == 3
        assert len(s.history[key]) == 3

        blocker.unlink()
        await s.run_once(key)
        await s.stop()
        told = [r.getMessage() for r in caplog.records if r.name == "cxmon.outputs"]
        assert told[1:] == [f"--json {report}: written again"]
    assert json.loads(report.read_text())["journeys"][0]["journey"] == key.id
    assert s.metrics.registry.get_sample_value("cxmon_output_write_failures_total", failures) == 3
