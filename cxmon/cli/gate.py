"""What ``cxmon run`` needs to gate a deploy in CI: choosing journeys, the performance gate, the
report files and the exit status that sums them up.

Kept apart from the ``run`` command so the command itself stays a list of options and one flow.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from cxmon.aggregate import repeat_count, representatives, summarize
from cxmon.baseline import BaselineComparison, gate
from cxmon.cli.common import output_targets
from cxmon.cli.status import ExitStatus, exit_status
from cxmon.durations import format_duration
from cxmon.errors import InputError
from cxmon.model import JourneyResult, RunResult
from cxmon.scenario import JOURNEY_VARIABLES, Journey, ScenarioFile

if TYPE_CHECKING:
    from cxmon.exporters.base import ExportContext


def parse_only(values: Sequence[str]) -> dict[str, set[str]]:
    """``--only payment_method=card`` filters: label → accepted values (one flag per value)."""
    out: dict[str, set[str]] = {}
    for value in values:
        label, sep, wanted = value.partition("=")
        label, wanted = label.strip(), wanted.strip()
        if not sep or not wanted or label not in JOURNEY_VARIABLES:
            raise InputError(
                f"--only: expected LABEL=VALUE with LABEL one of {', '.join(JOURNEY_VARIABLES)}, got {value!r}"
            )
        out.setdefault(label, set()).add(wanted)
    return out


def select_journeys(
    files: Sequence[ScenarioFile],
    location: str,
    tags: Sequence[str] = (),
    grep: str | None = None,
    only: Sequence[str] = (),
) -> list[Journey]:
    """The journeys to walk.

    ``tags``: the scenario carries any of them. ``grep``: a regular expression searched in the
    scenario name and the journey id. ``only``: ``label=value`` matrix filters; values of one
    label are alternatives, different labels must all match. Choosing nothing is bad usage
    (exit 2): a gate that checked nothing must not pass.
    """
    try:
        pattern = re.compile(grep) if grep is not None else None
    except re.error as exc:
        raise InputError(f"--grep: not a regular expression: {exc}") from None
    filters = parse_only(only)
    wanted_tags = set(tags)
    chosen: list[Journey] = []
    for sf in files:
        if wanted_tags and not wanted_tags & set(sf.scenario.tags):
            continue
        for journey in sf.journeys(location=location):
            if pattern is not None and not (pattern.search(sf.scenario.name) or pattern.search(journey.key.id)):
                continue
            labels = journey.key.labels()
            if any(labels[label] not in values for label, values in filters.items()):
                continue
            chosen.append(journey)
    if not chosen:
        asked = [f"--tag {t}" for t in tags] + ([f"--grep {grep}"] if grep is not None else [])
        asked += [f"--only {o}" for o in only]
        raise InputError(f"no journey matches {' '.join(asked) or 'the scenarios given'}")
    return chosen


def compare_with_baseline(
    run: RunResult,
    baseline: dict[str, Any] | None,
    file: Path | None,
    max_regression_pct: float,
    floor_ms: float,
) -> BaselineComparison | None:
    """The performance gate's verdict, or ``None`` without ``--baseline``."""
    if baseline is None:
        return None
    return gate(run, baseline, str(file), max_regression_pct, floor_ms)


def render_gate(console: Console, run: RunResult, comparison: BaselineComparison | None) -> None:
    """Medians of repeated runs and the performance gate's lines, after the summary table."""
    if repeat_count(run.journeys) > 1:
        table = Table(title="medians of repeated runs", title_justify="left")
        for column in ("journey", "runs", "step", "stage", "median", "min", "max"):
            table.add_column(column, justify="right" if column in ("runs", "median", "min", "max") else "left")
        for stats in summarize(run.journeys):
            outcomes = " ".join(f"{n} {o}" for o, n in stats.outcomes.items() if n)
            # Text, not markup: a journey id like "shop[card]" would read as a style tag.
            table.add_row(Text(stats.key.id, style="bold"), str(stats.runs), "", outcomes,
                          format_duration(stats.median_duration_seconds), "", "")
            for step in stats.steps:
                table.add_row("", str(step.runs), Text(step.name), step.stage.value,
                              format_duration(step.median_seconds), format_duration(step.min_seconds),
                              format_duration(step.max_seconds))
        console.print(table)
    if comparison is None:
        return
    for regression in comparison.regressions:
        console.print(regression.describe(), markup=False, highlight=False, style="bold red")
    limits = f"{comparison.max_regression_pct:g}% and {comparison.floor_ms:g}ms"
    if comparison.regressions:
        console.print(f"performance gate: {len(comparison.regressions)} step(s) slower than the baseline "
                      f"{comparison.file} by more than {limits}", markup=False, highlight=False)
    else:
        console.print(f"performance gate: passed (no step slower than the baseline {comparison.file} by more "
                      f"than {limits})", markup=False, highlight=False)
    if comparison.new:
        console.print(f"performance gate: {len(comparison.new)} step(s) not in the baseline, not compared: "
                      + ", ".join(f"{j} {s}" for j, s in comparison.new), markup=False, highlight=False, style="dim")


def check_outputs(targets: dict[str, str]) -> None:
    """Raises ``InputError`` (exit 2, nothing ran) for a target no output could ever be written to."""
    from cxmon.exporters import check_targets

    problems = check_targets(targets)
    if problems:
        raise InputError("\n".join(problems))


def write_reports(run: RunResult, targets: dict[str, str], context: ExportContext, err: Console) -> list[str]:
    """Writes every output asked for, through the exporter registry; prints and returns the problems
    of those that could not be written.

    Each writer runs even when another failed: a CI job should get every report it can.
    """
    from cxmon.exporters import write_outputs

    return write_outputs(run, targets, context,
                         on_problem=lambda problem: err.print(f"error: {problem}", markup=False, highlight=False))


def gate_status(
    results: Sequence[JourneyResult],
    fail_on_flaky: bool,
    comparison: BaselineComparison | None,
    report_problems: Sequence[str],
) -> ExitStatus:
    """The exit status of a finished run: a shop fault or a regression (1) wins over cxmon's own
    trouble (3), which includes a report that could not be written."""
    status = exit_status(results, fail_on_flaky)
    if comparison is not None and comparison.regressions:
        status = ExitStatus.FAILED
    if report_problems and status is ExitStatus.OK:
        status = ExitStatus.INFRASTRUCTURE
    return status


__all__ = [
    "check_outputs",
    "compare_with_baseline",
    "gate_status",
    "output_targets",
    "parse_only",
    "render_gate",
    "representatives",
    "select_journeys",
    "write_reports",
]
