"""The human summary of a run, for the terminal (rich)."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.table import Table
from rich.text import Text

from cxmon.durations import format_duration
from cxmon.model import JourneyResult, Outcome, Severity, StepStatus
from cxmon.revenue import totals

OUTCOME_STYLE = {Outcome.PASS: "green", Outcome.FLAKY: "yellow", Outcome.FAIL: "bold red", Outcome.ERROR: "magenta",
                 Outcome.MAINTENANCE: "blue"}
STEP_STYLE = {
    StepStatus.PASSED: "green",
    StepStatus.FAILED: "red",
    StepStatus.SKIPPED: "dim",
    StepStatus.ERROR: "magenta",
}


def finding_lines(result: JourneyResult) -> list[str]:
    """One line per finding: ``journey: kind at step (stage): message``."""
    out = []
    for f in result.all_findings():
        level = "" if f.severity is Severity.FAILURE else f"{f.severity.value} "
        where = f" at {f.step} ({f.stage.value})" if f.step else ""
        out.append(f"{result.key.id}: {level}{f.kind.value}{where}: {f.message}")
    return out


def journey_line(result: JourneyResult, width: int = 0) -> Text:
    """One line per journey: result, journey, time, and where it broke (failing step, stage, kind)."""
    line = Text()
    line.append(f"{result.outcome.value.upper():<5}", style=OUTCOME_STYLE[result.outcome])
    line.append(f"  {result.key.id:<{width}}  ")
    line.append(f"{format_duration(result.duration_seconds):>7}")
    failures = result.failures()
    if failures:
        first = failures[0]
        where = f"{first.step} ({first.stage.value})" if first.step else ""
        more = f" +{len(failures) - 1} more" if len(failures) > 1 else ""
        # A finding with no step (the browser crashed) says what happened instead.
        line.append(f"  {where}: {first.kind.value}{more}" if where else f"  {first.kind.value}: {first.message}{more}")
    elif result.outcome is Outcome.ERROR:
        line.append(f"  error: {result.error or 'cxmon could not walk the journey'}")
    elif result.outcome is Outcome.FLAKY:
        line.append(f"  passed on attempt {result.attempts}")
    return line


def step_table(result: JourneyResult) -> Table:
    """The steps of one journey with their timings and budgets."""
    table = Table(title=Text(result.key.id, style="bold"), title_justify="left", show_lines=False)
    table.add_column("step")
    table.add_column("result")
    table.add_column("stage")
    table.add_column("time", justify="right")
    table.add_column("budget", justify="right")
    for s in result.steps:
        over = s.budget_seconds is not None and s.duration_seconds > s.budget_seconds
        time_text = "" if s.status is StepStatus.SKIPPED else format_duration(s.duration_seconds)
        table.add_row(
            s.name,
            Text(s.status.value, style=STEP_STYLE[s.status]),
            s.stage.value,
            Text(time_text, style="red" if over else ""),
            format_duration(s.budget_seconds) if s.budget_seconds else "",
        )
    return table


def render_summary(console: Console, results: list[JourneyResult], verbose: bool = False) -> None:
    """Prints one line per journey, the step table of each failed journey (of every journey with
    ``verbose``), then one line per finding."""
    width = max((len(r.key.id) for r in results), default=0)
    for r in results:
        console.print(journey_line(r, width), highlight=False)
    for r in results:
        if r.steps and (verbose or r.outcome in (Outcome.FAIL, Outcome.ERROR)):
            console.print(step_table(r))
    lines = [line for r in results for line in finding_lines(r)]
    for r in results:
        if r.error and r.outcome is Outcome.ERROR and not r.findings:
            lines.append(f"{r.key.id}: error: {r.error}")
    for line in lines:
        console.print(line, markup=False, highlight=False)
    for r in results:
        if r.order_number:
            console.print(f"{r.key.id}: order {r.order_number}", markup=False, highlight=False, style="dim")
        if r.email is not None:
            took = f" after {format_duration(r.email.seconds)}" if r.email.seconds is not None else ""
            console.print(
                f"{r.key.id}: confirmation e-mail {r.email.status}{took}", markup=False, highlight=False, style="dim"
            )
        if r.artifacts.get("screenshot") or r.artifacts.get("trace"):
            folder = r.artifacts.get("screenshot") or r.artifacts.get("trace") or ""
            console.print(
                f"{r.key.id}: evidence in {folder.rsplit('/', 1)[0]}", markup=False, highlight=False, style="dim"
            )
    for line in revenue_lines(results):
        console.print(line, markup=False, highlight=False, style="bold")
    counts = {o: sum(1 for r in results if r.outcome is o) for o in Outcome}
    summary = ", ".join(f"{n} {o.value}" for o, n in counts.items() if n) or "no journeys"
    console.print(f"{len(results)} journeys: {summary}", markup=False, highlight=False)


def revenue_lines(results: Sequence[JourneyResult]) -> list[str]:
    """Revenue at risk per currency and the journeys it comes from (scenarios with ``revenue:`` only)."""
    blocks = [r.revenue for r in results if r.revenue and r.revenue["at_risk_per_hour"] > 0]
    lines = []
    for currency, total in totals(blocks).items():
        sources = ", ".join(
            f"{r.key.id} {r.revenue['at_risk_per_hour']:,.2f}"
            for r in results
            if r.revenue and r.revenue["currency"] == currency and r.revenue["at_risk_per_hour"] > 0
        )
        lost = f", about {total['lost']:,.2f} {currency} lost so far" if total["lost"] else ""
        lines.append(f"revenue at risk: {total['at_risk_per_hour']:,.2f} {currency}/h ({sources}){lost}")
    return lines
