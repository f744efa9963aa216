"""``--html DIR``: a report people open in a browser to see what the customer saw.

``DIR/index.html`` is self-contained: inline CSS, no script, no external resource (a
Content-Security-Policy in the page enforces it), screenshots embedded as ``data:`` URIs, so the
file can be mailed or opened from a CI artifact as it is. Traces and the other evidence files are
copied to ``DIR/evidence/<journey>/`` and linked relatively (a trace opens with
``playwright show-trace DIR/evidence/<journey>/trace.zip`` or at trace.playwright.dev).

Per journey: the verdict, a step waterfall drawn from the step timings (bars at their start offset
and duration from the journey's start, budgets as markers), the findings with their evidence, and
with ``--repeat N`` the medians of the runs. The run's summary counts journeys by outcome.
Results reach this module already redacted (secrets are ``***``), and so do the evidence files.
"""

from __future__ import annotations

import base64
import logging
import os
import shutil
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cxmon import __version__
from cxmon.aggregate import JourneyStats, group_runs, journey_stats, repeat_count, worst_run
from cxmon.baseline import BaselineComparison
from cxmon.durations import format_duration
from cxmon.exporters.base import ExportContext, ReportExporter
from cxmon.exporters.files import write_atomic
from cxmon.model import JourneyKey, JourneyResult, Outcome, RunResult, Severity, StepStatus
from cxmon.revenue import totals

if TYPE_CHECKING:
    from jinja2 import Environment

log = logging.getLogger("cxmon.html")

SCREENSHOT_MAX_BYTES = 8 * 1024 * 1024
"""A larger screenshot is linked instead of embedded, so the page stays openable."""
LOG_EXCERPT_LINES = 60
COPIED_ROLES = {
    "trace": "Playwright trace",
    "html": "page HTML",
    "console": "browser console log",
    "requests": "failed requests",
    "network": "network log",
    "result": "result JSON",
}
"""Evidence files copied next to the report (the screenshot is embedded instead), with their link texts."""


@cache
def _env() -> Environment:
    # jinja2 loads when a report is written, not with the exporter registry every `cxmon run` reads.
    from jinja2 import Environment, PackageLoader, select_autoescape

    env = Environment(
        loader=PackageLoader("cxmon.exporters", "templates"),
        autoescape=select_autoescape(["html", "j2"], default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["duration"] = format_duration
    return env


@dataclass
class StepRow:
    """One bar of a journey's waterfall; positions in percent of the waterfall's width."""

    name: str
    stage: str
    status: str
    duration: str
    offset_pct: float
    width_pct: float
    budget: str
    budget_pct: float | None
    """Where the step's budget ends, when that is inside the drawn time span."""
    over_budget: bool
    url: str
    timings: str
    failed: bool


@dataclass
class JourneyView:
    """What the template shows of one journey (its worst run)."""

    id: str
    anchor: str
    outcome: str
    result: JourneyResult
    runs: int
    stats: JourneyStats
    duration: str
    scale: str
    steps: list[StepRow] = field(default_factory=list)
    findings: list[dict[str, Any]] = field(default_factory=list)
    screenshot_uri: str | None = None
    screenshot_link: str | None = None
    links: list[tuple[str, str]] = field(default_factory=list)
    trace_link: str | None = None
    console_excerpt: str | None = None
    failing_step: str | None = None


def _pct(part: float, whole: float) -> float:
    return round(max(0.0, min(100.0, 100.0 * part / whole)), 2) if whole > 0 else 0.0


def _waterfall(result: JourneyResult) -> tuple[list[StepRow], float]:
    ran = [s for s in result.steps if s.status is not StepStatus.SKIPPED and s.started_at > 0]
    # The drawn span covers the journey and every step's end, whichever is later.
    span = max([result.duration_seconds, *((s.started_at - result.started_at) + s.duration_seconds for s in ran)])
    span = span if span > 0 else 1.0
    rows = []
    for step in result.steps:
        skipped = step.status is StepStatus.SKIPPED or step.started_at <= 0
        offset = max(0.0, step.started_at - result.started_at) if not skipped else 0.0
        budget_end = offset + step.budget_seconds if step.budget_seconds is not None and not skipped else None
        timings = ", ".join(
            f"{k} {format_duration(v)}" if k != "cls" else f"cls {v:.3f}" for k, v in sorted(step.timings.items())
        )
        rows.append(
            StepRow(
                name=step.name,
                stage=step.stage.value,
                status=step.status.value,
                duration="" if skipped else format_duration(step.duration_seconds),
                offset_pct=_pct(offset, span),
                width_pct=0.0 if skipped else max(0.4, _pct(step.duration_seconds, span)),
                budget=format_duration(step.budget_seconds) if step.budget_seconds is not None else "",
                budget_pct=_pct(budget_end, span) if budget_end is not None and budget_end <= span else None,
                over_budget=step.budget_seconds is not None and not skipped
                and step.duration_seconds > step.budget_seconds,
                url=step.url,
                timings=timings,
                failed=step.failed,
            )
        )
    return rows, span


def _embed(path: str) -> str | None:
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        log.warning("cannot read the screenshot %s: %s", path, exc)
        return None
    if len(data) > SCREENSHOT_MAX_BYTES:
        return None
    return "data:image/png;base64," + base64.b64encode(data).decode("ascii")


def _same_copy(src: Path, target: Path) -> bool:
    """``target`` is an earlier copy of ``src`` (same size and modification time, which ``copy2``
    keeps): ``cxmon serve`` rewrites the report after every journey, and copying every trace again
    each time would write megabytes for nothing."""
    try:
        a, b = src.stat(), target.stat()
    except OSError:
        return False
    return a.st_size == b.st_size and a.st_mtime_ns == b.st_mtime_ns


def _copy(path: str, target_dir: Path) -> Path | None:
    src = Path(path)
    if not src.is_file():
        return None
    try:
        target_dir.mkdir(parents=True, exist_ok=True)
        target = target_dir / src.name
        if src.resolve() != target.resolve() and not _same_copy(src, target):
            shutil.copy2(src, target)
        return target
    except OSError as exc:
        log.warning("cannot copy %s into the report: %s", src, exc)
        return None


def _excerpt(path: str) -> str | None:
    try:
        lines = Path(path).read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None
    lines = [line for line in lines if line.strip()]
    if not lines:
        return None
    cut = lines[-LOG_EXCERPT_LINES:]
    return ("… (earlier lines in the file)\n" if len(lines) > len(cut) else "") + "\n".join(cut)


def _journey_view(runs: list[JourneyResult], out_dir: Path) -> JourneyView:
    result = worst_run(runs)
    rows, span = _waterfall(result)
    slug = result.key.slug or "journey"
    view = JourneyView(
        id=result.key.id,
        anchor=f"j-{slug}",
        outcome=result.outcome.value,
        result=result,
        runs=len(runs),
        stats=journey_stats(runs),
        duration=format_duration(result.duration_seconds),
        scale=format_duration(span),
        steps=rows,
    )
    for f in result.all_findings():
        view.findings.append(
            {
                "kind": f.kind.value,
                "severity": f.severity.value,
                "step": f.step,
                "stage": f.stage.value,
                "message": f.message,
                "evidence": [(k, v if isinstance(v, str) else repr(v)) for k, v in f.evidence.items()],
            }
        )
    failed = next((f for f in result.failures()), None)
    view.failing_step = failed.step if failed else next((s.name for s in result.steps if s.failed), None)
    evidence_dir = out_dir / "evidence" / slug
    shot = result.artifacts.get("screenshot")
    if shot:
        view.screenshot_uri = _embed(shot)
        if view.screenshot_uri is None:
            copied = _copy(shot, evidence_dir)
            if copied is not None:
                view.screenshot_link = os.path.relpath(copied, out_dir)
    for role in COPIED_ROLES:
        path = result.artifacts.get(role)
        if not path:
            continue
        copied = _copy(path, evidence_dir)
        if copied is None:
            continue
        link = Path(os.path.relpath(copied, out_dir)).as_posix()
        if role == "trace":
            view.trace_link = link
        else:
            view.links.append((COPIED_ROLES[role], link))
        if role == "console":
            view.console_excerpt = _excerpt(str(copied))
    return view


def render_html(
    run: RunResult,
    out_dir: Path,
    planned: Iterable[JourneyKey] = (),
    baseline: BaselineComparison | None = None,
) -> str:
    """The report page; copies the evidence files it links into ``out_dir`` on the way."""
    out_dir = Path(out_dir)
    views = [_journey_view(runs, out_dir) for runs in group_runs(run.journeys)]
    # Failures first: that is what a reader of a red build came for.
    order = {Outcome.FAIL.value: 0, Outcome.ERROR.value: 1, Outcome.FLAKY.value: 2, Outcome.PASS.value: 3,
             Outcome.MAINTENANCE.value: 4}
    views.sort(key=lambda v: order[v.outcome])
    done = {r.key for r in run.journeys}
    not_run = list(dict.fromkeys(k.id for k in planned if k not in done))
    counts = {o.value: sum(1 for v in views if v.outcome == o.value) for o in Outcome}
    verdict = (
        "fail" if counts["fail"] or (baseline and baseline.regressions)
        else "error" if counts["error"]
        else "flaky" if counts["flaky"]
        else "pass"
    )
    return _env().get_template("report.html.j2").render(
        run=run,
        views=views,
        counts=counts,
        verdict=verdict,
        not_run=not_run,
        repeats=repeat_count(run.journeys),
        total_runs=len(run.journeys),
        baseline=baseline,
        regressed={r.journey for r in baseline.regressions} if baseline else set(),
        started=time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(run.started_at)) if run.started_at else "",
        duration=format_duration(run.duration_seconds),
        version=__version__,
        Severity=Severity,
        revenue=totals([r.revenue for r in run.journeys if r.revenue and r.revenue["at_risk_per_hour"] > 0]),
    )


def write_html(
    run: RunResult,
    out_dir: Path,
    planned: Iterable[JourneyKey] = (),
    baseline: BaselineComparison | None = None,
) -> Path:
    """Writes ``out_dir/index.html`` (and the evidence it links); returns the page's path."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    page = out_dir / "index.html"
    write_atomic(page, render_html(run, out_dir, planned, baseline))
    return page


class HtmlExporter(ReportExporter):
    """``--html DIR``."""

    name = "html"
    flag = "--html"
    serve = True

    def write_report(self, run: RunResult, target: str, context: ExportContext) -> None:
        write_html(run, Path(target), context.planned, context.baseline)
