"""``cxmon run``: walk the scenarios once and report."""

from __future__ import annotations

import os
import signal
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from cxmon.cli.common import (
    BaseUrlOpt,
    LocationOpt,
    MaintenanceFileOpt,
    PathsArg,
    TraceOpt,
    check_base_url,
    check_trace,
    load,
)
from cxmon.cli.status import ExitStatus
from cxmon.errors import InputError

if TYPE_CHECKING:
    from cxmon.maintenance import Window
    from cxmon.model import JourneyKey, JourneyResult, RunResult
    from cxmon.runner import EarlyStart, Runner
    from cxmon.scenario import Journey

def default_concurrency() -> int:
    """A fresh-context journey costs about a CPU core while it runs: one per core, at most 4."""
    return max(1, min(4, os.cpu_count() or 1))


def check_concurrency(concurrency: int | None) -> None:
    """Omitted means one per core; 0 or fewer journeys at a time cannot run anything."""
    if concurrency is not None and concurrency < 1:
        raise InputError(f"--concurrency: expected 1 or more journeys at a time (omit it for one per CPU core, "
                         f"at most 4), got {concurrency}")


def run(
    ctx: typer.Context,
    paths: list[Path] = PathsArg,
    base_url: str | None = BaseUrlOpt,
    location: str = LocationOpt,
    artifacts: Path = typer.Option(Path("cxmon-artifacts"), "--artifacts", help="Folder for the evidence of "
                                   "failed journeys (screenshot, trace, HTML, logs)."),
    trace: str = TraceOpt,
    concurrency: int | None = typer.Option(None, "--concurrency", "-j", help="Journeys at a time, 1 or more "
                                           "(default: one per CPU core, at most 4).", show_default=False),
    step_timeout: str | None = typer.Option(None, "--step-timeout", help="Override every step's time limit, "
                                            "e.g. 10s."),
    json_out: Path | None = typer.Option(None, "--json", help="Write the full result as JSON to this file."),
    pushgateway: str | None = typer.Option(None, "--pushgateway", help="Push the run's metrics to this "
                                           "Prometheus Pushgateway URL, one group per scenario (job, scenario, "
                                           "location); replaces that group's previous push."),
    job: str = typer.Option("cxmon", "--job", help="The job label of --pushgateway pushes."),
    textfile: Path | None = typer.Option(None, "--textfile", help="Write the run's metrics atomically to this "
                                         "file for node_exporter's textfile collector (name it *.prom)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print nothing but errors."),
    verbose: bool = typer.Option(False, "--verbose", help="Print every journey's step table, not only the "
                                 "failed ones'."),
    detectors: str | None = typer.Option(None, "--detectors", help="Comma-separated detectors to run "
                                         "(default: all; 'none' for a bare walk)."),
    junit: Path | None = typer.Option(None, "--junit", help="Write a JUnit XML report to this file."),
    html: Path | None = typer.Option(None, "--html", help="Write a self-contained HTML report into this folder "
                                     "(index.html; traces copied beside it)."),
    tags: list[str] = typer.Option([], "--tag", help="Run only scenarios carrying this tag (repeatable: any "
                                   "of them)."),
    grep: str | None = typer.Option(None, "--grep", help="Run only journeys whose scenario name or journey id "
                                    "matches this regular expression."),
    only: list[str] = typer.Option([], "--only", help="Matrix filter LABEL=VALUE, e.g. payment_method=card "
                                   "or market=fi (repeatable; values of one label are alternatives)."),
    retries: int = typer.Option(0, "--retries", help="Try a failed journey again up to N times; one that "
                                "then passes is reported flaky.", min=0),
    fail_on_flaky: bool = typer.Option(False, "--fail-on-flaky", help="Exit 1 when a journey was flaky."),
    repeat: int = typer.Option(1, "--repeat", help="Walk every journey N times, in sequential rounds; "
                               "reports show medians.", min=1),
    baseline: Path | None = typer.Option(None, "--baseline", help="A previous --json result: fail when a "
                                         "step's median got slower than there (see --max-regression)."),
    max_regression: float = typer.Option(20.0, "--max-regression", help="Percent a step's median may grow "
                                         "over the baseline's.", min=0),
    regression_floor_ms: float = typer.Option(100.0, "--regression-floor-ms", help="Milliseconds a step's "
                                              "median may grow regardless of percent (noise).", min=0),
    record_observations: Path | None = typer.Option(None, "--record-observations", help="Write what cxmon saw "
                                                    "in each step, and what it found, to DIR/<journey>/<NN>-<step>"
                                                    ".yml (secrets masked): a debugging aid to attach to a bug "
                                                    "report.", metavar="DIR"),
    respect_maintenance: bool = typer.Option(False, "--respect-maintenance", help="Honour maintenance windows "
                                             "(the scenarios' and --maintenance-file's): a journey in a window "
                                             "is skipped or not counted, its result 'maintenance'. Off by default: "
                                             "a CI gate checks the shop whatever the calendar says."),
    maintenance_file: Path | None = MaintenanceFileOpt,
) -> int:
    """Walk the scenarios' journeys once in a real browser and report what broke.

    Exit 0: every journey passed. 1: a journey failed (a shop fault). 2: bad input.
    3: cxmon could not do its job (no browser) and no journey failed.
    """
    # Imported here, not at the top: every other command would pay for the runner and its reports.
    import asyncio

    # The browser starts at once (Playwright alone is imported for it) and launches while the rest
    # of cxmon loads and the scenarios are read and checked, in a worker thread: `cxmon run` then
    # starts in the longer of the two times, not their sum. Bad input stops that browser again.
    from cxmon.runner.browser import EarlyStart

    def prepare() -> _Plan:
        return _prepare(ctx, paths, base_url, location, artifacts, trace, concurrency, step_timeout, detectors,
                        tags, grep, only, retries, baseline, record_observations, respect_maintenance,
                        maintenance_file, quiet)

    async def main() -> tuple[_Plan, list[JourneyResult]]:
        early = EarlyStart()
        try:
            plan = await asyncio.to_thread(prepare)
        except BaseException:
            await early.discard()
            raise
        walked = await _run(plan.runner, plan.walked, concurrency or default_concurrency(), plan.err,
                            plan.run_result, repeat, early)
        return plan, walked

    plan, results = asyncio.run(main())
    from cxmon.cli.common import stderr_console, stdout_console
    from cxmon.cli.gate import (
        compare_with_baseline,
        gate_status,
        render_gate,
        representatives,
        write_reports,
    )
    from cxmon.exporters.base import ExportContext
    from cxmon.exporters.console import render_summary

    journeys, windows, skipped, run_result = plan.journeys, plan.windows, plan.skipped, plan.run_result
    results = [_not_counted(r, windows.get(r.key)) for r in results] + skipped
    _add_revenue(results, journeys)
    run_result.duration_seconds = time.monotonic() - plan.ready_at
    run_result.journeys = results
    comparison = compare_with_baseline(run_result, plan.baseline_data, baseline, max_regression, regression_floor_ms)
    if not quiet:
        # One verdict per journey (its worst run); the medians of repeated runs follow.
        render_summary(stdout_console(), representatives(results), verbose=verbose)
        render_gate(stdout_console(), run_result, comparison)
    # Reports are written for a run cancelled by SIGTERM too: a cancelled CI job still reports what
    # finished (metrics are not: see cxmon.exporters.base.Exporter.partial).
    context = ExportContext(planned=[j.key for j in journeys], baseline=comparison, job=job)
    problems = write_reports(run_result, plan.outputs, context, stderr_console())
    if run_result.interrupted:
        return ExitStatus.INTERRUPTED
    # A shop fault (exit 1) stays the status a deploy gate sees, even when an output could not be written.
    return gate_status(results, fail_on_flaky, comparison, problems)


@dataclass
class _Plan:
    """What ``cxmon run`` has checked and prepared before the first journey."""

    runner: Runner
    outputs: Any
    """The report files and metric targets asked for, by flag (checked)."""
    journeys: list[Journey]
    walked: list[Journey]
    skipped: list[JourneyResult]
    windows: dict[JourneyKey, Window]
    baseline_data: Any
    run_result: RunResult
    err: Any
    ready_at: float
    """``time.monotonic()`` when it was ready: the run's own time counts from here."""


def _prepare(ctx: typer.Context, paths: list[Path], base_url: str | None, location: str, artifacts: Path,
             trace: str, concurrency: int | None, step_timeout: str | None, detectors: str | None,
             tags: list[str], grep: str | None, only: list[str], retries: int, baseline: Path | None,
             record_observations: Path | None, respect_maintenance: bool, maintenance_file: Path | None,
             quiet: bool) -> _Plan:
    """Checks the options, reads the scenarios and builds the runner (in a worker thread, while
    the browser launches); raises ``InputError`` for bad input."""
    from cxmon.baseline import load_baseline
    from cxmon.cli.common import stderr_console
    from cxmon.cli.gate import check_outputs, output_targets, select_journeys
    from cxmon.durations import parse_duration
    from cxmon.model import RunResult
    from cxmon.runner import Runner, RunOptions

    check_base_url(base_url)
    check_concurrency(concurrency)
    # --json, --junit, --html, --textfile and --pushgateway are read by flag through the exporter
    # registry (cxmon.exporters), which writes them in its order.
    outputs = output_targets(ctx)
    check_outputs(outputs)
    check_trace(trace)
    try:
        timeout = parse_duration(step_timeout) if step_timeout else None
    except ValueError as exc:
        raise InputError(f"--step-timeout: {exc}") from None
    chosen = None if detectors is None else [d for d in detectors.split(",") if d and d != "none"]
    files = load(paths)
    journeys: list[Journey] = select_journeys(files, location, tags, grep, only)
    baseline_data = load_baseline(baseline) if baseline is not None else None
    options = RunOptions(base_url=base_url, artifacts_dir=artifacts, trace=trace, step_timeout=timeout,
                         detectors=chosen, retries=retries, record_observations=record_observations)
    try:
        runner = Runner(options)
    except ValueError as exc:
        raise InputError(f"--detectors: {exc}") from None
    windows = _windows(journeys, maintenance_file) if respect_maintenance else {}
    skip = {key for key, window in windows.items() if window.mode == "skip"}
    skipped: list[JourneyResult] = []
    if skip:
        # The scheduler's module loads the metrics and results-page code: only when needed.
        from cxmon.scheduler import maintenance_result

        skipped = [maintenance_result(j, windows[j.key], time.time()) for j in journeys if j.key in skip]
    walked = [j for j in journeys if j.key not in skip]
    run_result = RunResult(started_at=time.time())
    return _Plan(runner, outputs, journeys, walked, skipped, windows, baseline_data, run_result, stderr_console(quiet),
                 time.monotonic())


def _windows(journeys: list[Journey], maintenance_file: Path | None) -> dict[JourneyKey, Window]:
    """The maintenance window each journey is in now (only those in one)."""
    from cxmon.maintenance import active_window, load_shared_windows

    shared = load_shared_windows(maintenance_file) if maintenance_file else []
    now = time.time()
    found = {j.key: active_window(j.key.scenario, now, j.scenario.maintenance, shared) for j in journeys}
    return {key: window for key, window in found.items() if window is not None}


def _add_revenue(results: list[JourneyResult], journeys: list[Journey]) -> None:
    """Revenue at risk of each journey whose scenario states ``revenue:`` (a failed run: its share now)."""
    from cxmon.model import Outcome
    from cxmon.revenue import estimate

    by_key = {j.key: j for j in journeys}
    now = time.time()
    for result in results:
        journey = by_key.get(result.key)
        spec = journey.scenario.revenue if journey is not None else None
        if journey is None or spec is None:
            continue
        methods, devices, markets = journey.scenario.revenue_axes(result.key.market)
        failing_since = result.started_at if result.outcome is Outcome.FAIL else None
        result.revenue = estimate(spec, result.key.payment_method, result.key.device, methods, devices,
                                  failing_since, now, result.key.market, markets)


def _not_counted(result: JourneyResult, window: Window | None) -> JourneyResult:
    """A run inside a ``mode: run`` window: its result is ``maintenance`` (cxmon's own errors stay errors)."""
    from cxmon.model import Outcome

    if window is None or result.outcome is Outcome.ERROR:
        return result
    result.outcome = Outcome.MAINTENANCE
    result.maintenance = window.to_dict()
    return result


async def _run(runner: object, journeys: list[Journey], concurrency: int, err: object,
               run_result: RunResult, repeat: int = 1, early: EarlyStart | None = None) -> list[JourneyResult]:
    import asyncio

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from cxmon.runner import Runner

    assert isinstance(runner, Runner)
    done: list[JourneyResult] = []
    progress = Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                        TimeElapsedColumn(), console=err, transient=True)  # type: ignore[arg-type]
    task = progress.add_task("walking journeys", total=len(journeys) * repeat)

    # What a journey still waits for after its steps (its confirmation e-mail) gets its own line.
    runner.options.on_progress = lambda key, text: progress.console.print(
        f" wait  {key.id}: {text}", markup=False, highlight=False
    )

    def finished(result: JourneyResult) -> None:
        done.append(result)
        progress.advance(task)
        progress.console.print(f"{result.outcome.value:>5}  {result.key.id}", markup=False, highlight=False)

    loop = asyncio.get_running_loop()
    work = asyncio.current_task()

    def cancel() -> None:
        # A cancelled CI job still reports what finished.
        run_result.interrupted = True
        if work is not None:
            work.cancel()

    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, cancel)
    try:
        await runner.start(early)
        try:
            with progress:
                results: list[JourneyResult] = []
                # Rounds one after another: no journey runs beside another run of itself, so the
                # medians of --repeat are not skewed by a journey competing with its own copy.
                for _ in range(repeat):
                    results.extend(await runner.run(journeys, concurrency, on_result=finished))
        finally:
            await runner.close()
        return results
    except asyncio.CancelledError:
        return done
    finally:
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)


def register(app: typer.Typer) -> None:
    app.command("run")(run)

