"""Serve mode: every journey on its own schedule, in one long-lived browser.

- Each journey runs every ``schedule`` of its scenario (``default_interval_seconds`` when the
  scenario has none). The first run comes after a random offset of up to
  ``min(interval, 10 s)`` and later runs every interval ± 10 %, so journeys that share an interval
  do not all hit the shop and the CPU at the same moment.
- A journey never overlaps itself (one task and one lock per journey); at most ``concurrency``
  journeys run at once (a journey costs about a CPU core while it runs); each has a hard time
  limit, after which it is cancelled and recorded as ``error`` (cxmon's trouble: the shop's own
  slowness is caught much earlier by step time limits).
- A browser that died is relaunched by the next journey, and by a health check in between so
  ``/readyz`` recovers without waiting for a run.
- :meth:`Scheduler.reload` swaps the scenario files; invalid files keep the old set running.
- :meth:`Scheduler.stop` stops scheduling and lets running journeys finish within a grace period.

Results go to :class:`~cxmon.exporters.metrics.CxmonMetrics`, to a short history per journey
(the results page) and, when asked for, to output files rewritten after every finished journey
from the latest result of each (:class:`~cxmon.exporters.latest.LatestOutputs`); the evidence of
the last few failures per journey is kept under a disk cap.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import shutil
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from cxmon.durations import format_duration
from cxmon.errors import InfrastructureError, InputError
from cxmon.exporters.base import ExportContext
from cxmon.exporters.latest import LatestOutputs
from cxmon.exporters.metrics import CxmonMetrics, step_stages
from cxmon.exporters.results_page import JourneyStatus
from cxmon.mailcheck import EmailCheck, finish_email_check
from cxmon.maintenance import AdhocWindows, MaintenanceWindowSpec, Window, active_window
from cxmon.model import (
    DEFAULT_LABEL,
    Finding,
    JourneyKey,
    JourneyResult,
    Kind,
    Outcome,
    RunResult,
    Severity,
    Stage,
)
from cxmon.revenue import estimate
from cxmon.scenario import Journey, load_scenarios
from cxmon.sharding import Shard, select

log = logging.getLogger("cxmon.scheduler")

FIRST_RUN_MAX_OFFSET_SECONDS = 10.0
JITTER = 0.10
TIMEOUT_MARGIN_SECONDS = 30.0
"""Added to the sum of a journey's step limits: opening a context, saving evidence and the trace."""


class JourneyRunner(Protocol):
    """What the scheduler needs of a runner (``cxmon.runner.Runner``, or a fake in tests)."""

    @property
    def browser_connected(self) -> bool: ...

    async def browser(self) -> Any: ...

    async def run_journey(self, journey: Journey) -> JourneyResult: ...


@dataclass
class ScheduleOptions:
    """How ``cxmon serve`` schedules journeys."""

    default_interval_seconds: float = 60.0
    location: str = DEFAULT_LABEL
    concurrency: int = 1
    journey_timeout_seconds: float | None = None
    """Hard limit of every journey; ``None``: per journey, its step limits summed plus a margin."""
    first_run_max_offset_seconds: float = FIRST_RUN_MAX_OFFSET_SECONDS
    jitter: float = JITTER
    history: int = 10
    """Results kept per journey for the results page."""
    artifacts_dir: Path | None = None
    keep_failures: int = 5
    """Evidence folders kept per journey (the newest)."""
    artifacts_max_bytes: int | None = 200 * 1024 * 1024
    """Cap on the whole evidence folder; the oldest evidence goes first."""
    health_check_seconds: float = 5.0
    maintenance_windows: tuple[MaintenanceWindowSpec, ...] = ()
    """Recurring windows of a shared file (``--maintenance-file``), beside each scenario's own."""
    maintenance_check_seconds: float = 1.0
    """How often ``cxmon_maintenance`` is brought up to date between runs."""
    shard: Shard | None = None
    """Run only this share of the journeys (``--shard I/N``); ``None``: all of them."""


def journey_time_limit(journey: Journey, margin_seconds: float = TIMEOUT_MARGIN_SECONDS) -> float:
    """The default hard limit of a journey: its journey timeout, else its step limits summed, plus a
    margin for opening the browser context and saving evidence."""
    scenario = journey.scenario
    if scenario.timeouts.journey is not None:
        return scenario.timeouts.journey + margin_seconds
    steps = sum(step.timeout if step.timeout is not None else scenario.timeouts.step for step in journey.steps)
    return steps + margin_seconds


def error_result(journey: Journey, started_at: float, duration_seconds: float, message: str) -> JourneyResult:
    """A result for a run cxmon could not complete: ``error`` with an ``infrastructure`` finding."""
    return JourneyResult(
        journey.key,
        Outcome.ERROR,
        started_at,
        duration_seconds,
        findings=[Finding(Kind.INFRASTRUCTURE, message, "", Stage.BROWSE, Severity.FAILURE, {"error": message})],
        interval_seconds=journey.scenario.schedule,
        budget_seconds=journey.scenario.budgets.journey,
        error=message,
    )


def maintenance_result(journey: Journey, window: Window, at: float) -> JourneyResult:
    """The result of a run skipped because the journey is in a maintenance window."""
    return JourneyResult(
        journey.key,
        Outcome.MAINTENANCE,
        at,
        0.0,
        interval_seconds=journey.scenario.schedule,
        budget_seconds=journey.scenario.budgets.journey,
        maintenance=window.to_dict(),
    )


class Scheduler:
    """Runs journeys on their schedules until stopped. Call :meth:`load` first, then :meth:`start`."""

    def __init__(
        self,
        runner: JourneyRunner,
        metrics: CxmonMetrics,
        paths: Sequence[str | Path],
        options: ScheduleOptions | None = None,
        rng: random.Random | None = None,
        outputs: LatestOutputs | None = None,
    ) -> None:
        self.runner = runner
        self.outputs = outputs
        self.metrics = metrics
        self.paths = list(paths)
        self.options = options or ScheduleOptions()
        self.rng = rng or random.Random()
        self.journeys: dict[JourneyKey, Journey] = {}
        self.loaded = False
        self.last_reload_error: str | None = None
        self.history: dict[JourneyKey, deque[JourneyResult]] = {}
        self._tasks: dict[JourneyKey, asyncio.Task[None]] = {}
        # Every task ever started, including those of journeys a reload removed mid-run, so a stop
        # waits for them too.
        self._all_tasks: set[asyncio.Task[None]] = set()
        self._locks: dict[JourneyKey, asyncio.Lock] = {}
        self._running: set[JourneyKey] = set()
        self._next_run: dict[JourneyKey, float] = {}
        self._evidence: dict[JourneyKey, deque[Path]] = {}
        self._gate = asyncio.Semaphore(max(1, self.options.concurrency))
        self._stopping = asyncio.Event()
        self._reload_lock = asyncio.Lock()
        self._started = False
        self._health: asyncio.Task[None] | None = None
        self.adhoc = AdhocWindows()
        """Maintenance windows opened by hand through the web API."""
        self._maintenance_task: asyncio.Task[None] | None = None
        self._failing_since: dict[JourneyKey, float] = {}
        """When each failing journey's current run of failures began (revenue lost in the incident)."""

    # --- scenarios -------------------------------------------------------------------------------

    def _load(self) -> dict[JourneyKey, Journey]:
        files = load_scenarios(self.paths)
        journeys = [j for sf in files for j in sf.journeys(location=self.options.location)]
        return {j.key: j for j in select(journeys, self.options.shard)}

    def load(self) -> None:
        """The first load; raises ``InputError`` (exit 2) when a file is invalid: nothing to serve."""
        self._swap(self._load())
        self.loaded = True
        self.metrics.set_reload_successful(True)

    async def reload(self) -> bool:
        """Loads the scenario files again. On an invalid file the old journeys keep running, the error
        is logged and ``cxmon_config_last_reload_successful`` drops to 0. Returns whether it worked."""
        async with self._reload_lock:
            try:
                journeys = await asyncio.to_thread(self._load)
            except InputError as exc:
                self.last_reload_error = str(exc)
                self.metrics.set_reload_successful(False)
                log.error("reload failed, still running the previous scenarios:\n%s", exc)
                return False
            removed = any(key not in journeys for key in self.journeys)
            self._swap(journeys)
            if removed:
                self._publish()  # a removed journey leaves the output files too
            self.loaded = True
            self.last_reload_error = None
            self.metrics.set_reload_successful(True)
            log.info("reloaded: %d journeys", len(journeys))
            return True

    def interval(self, key: JourneyKey) -> float:
        journey = self.journeys.get(key)
        schedule = journey.scenario.schedule if journey is not None else None
        return schedule if schedule else self.options.default_interval_seconds

    def _swap(self, journeys: dict[JourneyKey, Journey]) -> None:
        removed = [k for k in self.journeys if k not in journeys]
        self.journeys = journeys
        for key in removed:
            task = self._tasks.pop(key, None)
            # A running journey finishes its run (its loop sees it is gone); a waiting one stops now.
            if task is not None and key not in self._running:
                task.cancel()
            self.history.pop(key, None)
            self._next_run.pop(key, None)
            self.metrics.forget(key)
            self._failing_since.pop(key, None)
            log.info("journey %s removed", key.id)
        for key, journey in journeys.items():
            steps = step_stages([step.name for step in journey.steps], [stage.value for stage in journey.stages])
            self.metrics.declare(key, self.interval(key), steps)
            self._declare_revenue(journey)
            self.history.setdefault(key, deque(maxlen=max(1, self.options.history)))
            if self._started and key not in self._tasks:
                self._spawn(key)

    # --- running ---------------------------------------------------------------------------------

    def start(self) -> None:
        """Starts one schedule per journey and the browser health check (in the running loop)."""
        self._started = True
        for key in self.journeys:
            if key not in self._tasks:
                self._spawn(key)
        self._health = asyncio.create_task(self._watch_browser(), name="cxmon-browser-health")
        self._maintenance_task = asyncio.create_task(self._watch_maintenance(), name="cxmon-maintenance")

    def _spawn(self, key: JourneyKey) -> None:
        task = asyncio.create_task(self._schedule(key), name=f"cxmon-journey {key.id}")
        self._tasks[key] = task
        self._all_tasks.add(task)
        task.add_done_callback(self._all_tasks.discard)

    async def _sleep(self, seconds: float) -> bool:
        """Sleeps unless stopped first; returns False when stopping."""
        if seconds > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), seconds)
        return not self._stopping.is_set()

    async def _schedule(self, key: JourneyKey) -> None:
        loop = asyncio.get_running_loop()
        interval = self.interval(key)
        offset = self.rng.uniform(0, min(interval, self.options.first_run_max_offset_seconds))
        next_start = loop.time() + offset
        while True:
            self._next_run[key] = time.time() + max(0.0, next_start - loop.time())
            if not await self._sleep(next_start - loop.time()) or key not in self.journeys:
                return
            started = loop.time()
            await self.run_once(key)
            if key not in self.journeys:
                return
            interval = self.interval(key)
            # Measured from the start of the run, so the interval is the real cadence; a run longer
            # than its interval is followed at once by the next one, never overlapped.
            jitter = self.options.jitter
            next_start = self._after_maintenance(key, started + interval * self.rng.uniform(1 - jitter, 1 + jitter))

    async def run_once(self, key: JourneyKey) -> JourneyResult | None:
        """Runs a journey now (waiting for its lock and a free slot) and records the result."""
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:
            async with self._gate:
                journey = self.journeys.get(key)
                if journey is None or self._stopping.is_set():
                    return None
                window = self.maintenance_window(key)
                if window is not None and window.mode == "skip":
                    result = maintenance_result(journey, window, time.time())
                else:
                    self._running.add(key)
                    try:
                        result = await self._run_limited(journey)
                    finally:
                        self._running.discard(key)
                    result = self._count_in_maintenance(key, result, window)
            check = self._email_check(result)
            self._add_revenue(journey, result)
            # A journey with a confirmation e-mail to wait for is in the history at once (e-mail
            # pending) and counted in the metrics once the mail came or its time ran out, without
            # holding its slot or its lock meanwhile.
            self._record(journey, result, observe=check is None)
            if check is not None:
                self._spawn_email_check(journey, result, check)
            await self._keep_evidence(key, result)
            self._publish()
            return result

    def _email_check(self, result: JourneyResult) -> EmailCheck | None:
        take = getattr(self.runner, "take_email_check", None)
        return take(result) if take is not None else None

    def _spawn_email_check(self, journey: Journey, result: JourneyResult, check: EmailCheck) -> None:
        task = asyncio.get_running_loop().create_task(self._finish_email_check(journey, result, check))
        self._all_tasks.add(task)
        task.add_done_callback(self._all_tasks.discard)

    async def _finish_email_check(self, journey: Journey, result: JourneyResult, check: EmailCheck) -> None:
        def waiting(text: str) -> None:
            log.info("%s: %s", journey.key.id, text)

        try:
            await finish_email_check(check, result, journey.redactor, on_wait=waiting)
        except Exception as exc:  # one journey's trouble must never stop the schedule
            log.exception("%s: confirmation e-mail check failed", journey.key.id)
            result.outcome = Outcome.ERROR
            result.error = f"cxmon failed checking the confirmation e-mail: {type(exc).__name__}"
        if journey.key in self.journeys:
            self._observe(journey.key, result)
            self._publish()  # the output files show the e-mail's outcome too

    def time_limit(self, journey: Journey) -> float:
        if self.options.journey_timeout_seconds is not None:
            return self.options.journey_timeout_seconds
        return journey_time_limit(journey)

    async def _run_limited(self, journey: Journey) -> JourneyResult:
        limit = self.time_limit(journey)
        started_at = time.time()
        t0 = time.monotonic()
        try:
            return await asyncio.wait_for(self.runner.run_journey(journey), limit)
        except TimeoutError:
            message = f"the journey did not finish within its hard limit of {format_duration(limit)}"
        except Exception as exc:  # one journey's trouble must never stop the schedule
            log.exception("%s: unexpected error", journey.key.id)
            message = f"cxmon failed running the journey: {type(exc).__name__}: {exc}"
        log.warning("%s: %s", journey.key.id, message)
        return error_result(journey, started_at, time.monotonic() - t0, message)

    def latest_run(self) -> RunResult:
        """The latest result of every journey that has run, as one run: what the output files show.

        Its start is the earliest of those results' starts and its duration reaches to the end of
        the latest, so it says how old the oldest verdict in it is."""
        latest = [self.history[key][-1] for key in self._sorted_keys() if self.history.get(key)]
        if not latest:
            return RunResult()
        start = min(r.started_at for r in latest)
        end = max(r.started_at + r.duration_seconds for r in latest)
        return RunResult(latest, started_at=start, duration_seconds=end - start)

    def _publish(self) -> None:
        if self.outputs:
            context = ExportContext(planned=self._sorted_keys(), live_metrics=self.metrics)
            self.outputs.submit(self.latest_run(), context)

    def _sorted_keys(self) -> list[JourneyKey]:
        return sorted(self.journeys, key=lambda k: (k.scenario, k.market, k.payment_method, k.device, k.location))

    def _record(self, journey: Journey, result: JourneyResult, observe: bool = True) -> None:
        key = journey.key
        if key not in self.journeys:
            return  # removed by a reload while it ran: its series are gone and stay gone
        result.interval_seconds = self.interval(key)
        self.history.setdefault(key, deque(maxlen=max(1, self.options.history))).append(result)
        if observe:
            self._observe(key, result)

    def _observe(self, key: JourneyKey, result: JourneyResult) -> None:
        self.metrics.observe(result)
        failures = result.failures()
        detail = f" ({failures[0].kind.value} at {failures[0].step or '-'}: {failures[0].message})" if failures else ""
        level = logging.INFO if result.outcome.passed else logging.WARNING
        log.log(level, "%s %s in %s%s", key.id, result.outcome.value, format_duration(result.duration_seconds), detail)

    # --- maintenance windows (docs/maintenance.md) -----------------------------------------------

    def maintenance_window(self, key: JourneyKey, at: float | None = None) -> Window | None:
        """The maintenance window the journey is in at ``at`` (now), or ``None``."""
        journey = self.journeys.get(key)
        if journey is None:
            return None
        return active_window(
            key.scenario,
            time.time() if at is None else at,
            journey.scenario.maintenance,
            self.options.maintenance_windows,
            self.adhoc.open_at(time.time() if at is None else at),
        )

    def refresh_maintenance(self) -> None:
        """Brings ``cxmon_maintenance`` of every journey up to date (windows open and close between runs)."""
        now = time.time()
        for key in list(self.journeys):
            self.metrics.set_maintenance(key, self.maintenance_window(key, now) is not None)

    def _count_in_maintenance(self, key: JourneyKey, result: JourneyResult, window: Window | None) -> JourneyResult:
        """A run that began or ended inside a window counts nothing: its result becomes ``maintenance``."""
        window = window or self.maintenance_window(key)
        if window is None or result.outcome is Outcome.ERROR:
            return result
        result.outcome = Outcome.MAINTENANCE
        result.maintenance = window.to_dict()
        return result

    def _after_maintenance(self, key: JourneyKey, next_start: float) -> float:
        """The next run's loop time: at the latest right after the window the journey is in ends, so a
        fault hidden by the window is seen as soon as it may be."""
        window = self.maintenance_window(key)
        if window is None:
            return next_start
        loop = asyncio.get_running_loop()
        return min(next_start, loop.time() + max(0.0, window.end - time.time()) + 0.05)

    async def _watch_maintenance(self) -> None:
        self.refresh_maintenance()
        while await self._sleep(self.options.maintenance_check_seconds):
            try:
                self.refresh_maintenance()
                self.refresh_revenue()
            except Exception:  # a bad window must never stop the schedule
                log.exception("maintenance windows or revenue could not be updated")

    # --- revenue at risk (docs/revenue.md) -------------------------------------------------------

    def _revenue_block(self, journey: Journey, now: float) -> dict[str, Any] | None:
        spec = journey.scenario.revenue
        if spec is None:
            return None
        methods, devices, markets = journey.scenario.revenue_axes(journey.key.market)
        return estimate(spec, journey.key.payment_method, journey.key.device, methods, devices,
                        self._failing_since.get(journey.key), now, journey.key.market, markets)

    def _add_revenue(self, journey: Journey, result: JourneyResult) -> None:
        """Tracks when the journey's failures began and puts its revenue at risk on the result."""
        key = journey.key
        if result.outcome is Outcome.FAIL:
            self._failing_since.setdefault(key, result.started_at)
        elif result.outcome is not Outcome.ERROR:  # passed, or planned maintenance: no incident
            self._failing_since.pop(key, None)
        result.revenue = self._revenue_block(journey, time.time())

    def _declare_revenue(self, journey: Journey) -> None:
        """Revenue series at 0 from the start, so sums and panels see every journey that has a value."""
        block = self._revenue_block(journey, time.time())
        if block is not None:
            self.metrics.set_revenue(journey.key, block)

    def refresh_revenue(self) -> None:
        """Brings the loss of failing journeys up to date between runs (it grows with time)."""
        now = time.time()
        for key in list(self._failing_since):
            journey = self.journeys.get(key)
            block = self._revenue_block(journey, now) if journey is not None else None
            if block is None:
                self._failing_since.pop(key, None)
                continue
            self.metrics.set_revenue(key, block)

    async def _watch_browser(self) -> None:
        while await self._sleep(self.options.health_check_seconds):
            if self.runner.browser_connected:
                continue
            try:
                await self.runner.browser()
                log.info("browser relaunched")
            except InfrastructureError as exc:
                log.error("browser is down and cannot be relaunched: %s", exc)
            except Exception as exc:  # keep checking; /readyz reports the state
                log.error("browser is down: %s", exc)

    @property
    def ready(self) -> bool:
        """Scenarios loaded and the browser up: what ``/readyz`` reports."""
        # A shard may hold no journey (more runners than journeys): that runner is still ready.
        has_work = bool(self.journeys) or self.options.shard is not None
        return self.loaded and has_work and self.runner.browser_connected

    def problems(self) -> list[str]:
        """Why the process is not ready, or what went wrong last, in words."""
        out = []
        if not self.loaded or (not self.journeys and self.options.shard is None):
            out.append("no scenarios loaded")
        if not self.runner.browser_connected:
            out.append("the browser is not running")
        if self.last_reload_error:
            out.append(f"the last reload failed (previous scenarios still run): {self.last_reload_error}")
        return out

    def statuses(self) -> list[JourneyStatus]:
        """Every journey with its schedule and recent results, for the results page."""
        return [
            JourneyStatus(
                key,
                self.interval(key),
                running=key in self._running,
                next_run_at=self._next_run.get(key),
                history=list(self.history.get(key, ())),
            )
            for key in self._sorted_keys()
        ]

    async def stop(self, grace_seconds: float = 30.0) -> None:
        """Stops scheduling; running journeys get ``grace_seconds`` to finish, then are cancelled.
        The output files are written to the end, so they hold the results of those last runs."""
        self._stopping.set()
        tasks = [t for t in (*self._all_tasks, self._health, self._maintenance_task) if t is not None and not t.done()]
        if tasks:
            _, pending = await asyncio.wait(tasks, timeout=grace_seconds)
            for task in pending:
                log.warning("cancelling %s: still running after the %s grace period", task.get_name(),
                            format_duration(grace_seconds))
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        if self.outputs is not None:
            await self.outputs.close()

    # --- evidence --------------------------------------------------------------------------------

    async def _keep_evidence(self, key: JourneyKey, result: JourneyResult) -> None:
        root = self.options.artifacts_dir
        if root is None:
            return
        folder = _evidence_folder(result, root)
        if folder is not None:
            kept = self._evidence.setdefault(key, deque())
            kept.append(folder)
            while len(kept) > max(0, self.options.keep_failures):
                old = kept.popleft()
                await asyncio.to_thread(shutil.rmtree, old, True)
        if folder is not None and self.options.artifacts_max_bytes is not None:
            await asyncio.to_thread(prune_to_cap, root, self.options.artifacts_max_bytes, folder)


def _evidence_folder(result: JourneyResult, root: Path) -> Path | None:
    """The folder a result's evidence files are in, when it lies inside ``root``."""
    for path in result.artifacts.values():
        folder = Path(path).resolve().parent
        if folder.is_relative_to(Path(root).resolve()) and folder != Path(root).resolve():
            return folder
    return None


def _tree_size(path: Path) -> int:
    total = 0
    for dirpath, _, files in os.walk(path):
        for name in files:
            with contextlib.suppress(OSError):
                total += os.lstat(os.path.join(dirpath, name)).st_size
    return total


def prune_to_cap(root: Path, max_bytes: int, keep: Path | None = None) -> list[Path]:
    """Deletes the oldest evidence folders under ``root`` until it holds at most ``max_bytes``.

    ``keep`` (the newest evidence) is never deleted, even alone over the cap: an alert must be able
    to show the failure it fired for. Folders left by earlier runs of the process count too.
    Returns the folders deleted.
    """
    root = Path(root)
    try:
        folders = [p for p in root.iterdir() if p.is_dir() and not p.is_symlink()]
    except FileNotFoundError:
        return []
    sized = []
    for folder in folders:
        with contextlib.suppress(OSError):
            sized.append((folder.stat().st_mtime, folder, _tree_size(folder)))
    total = sum(size for _, _, size in sized)
    deleted = []
    keep_resolved = keep.resolve() if keep is not None else None
    for _, folder, size in sorted(sized, key=lambda t: t[0]):
        if total <= max_bytes:
            break
        if keep_resolved is not None and folder.resolve() == keep_resolved:
            continue
        shutil.rmtree(folder, ignore_errors=True)
        total -= size
        deleted.append(folder)
    if deleted:
        log.info("evidence over %d MB: deleted %d oldest folder(s)", max_bytes // (1024 * 1024), len(deleted))
    return deleted
