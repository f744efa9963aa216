"""Several runs of one journey (``--repeat N``) summed up: medians per journey and per step.

Pure data in, pure data out; no browser, no files. A run result keeps every run of every journey
(``RunResult.journeys``, in round order), so metrics and the exit code see each of them; the
reports group those runs by journey with :func:`group_runs` and show:

- one verdict per journey, the worst outcome of its runs (:func:`worst_run`): a journey that failed
  once in five runs failed the gate, and its failing run is the one whose evidence is shown;
- medians of the journey and of each step (:func:`summarize`), which the baseline gate compares.

A step's duration counts when the step ran (passed or failed); a skipped step has none.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from cxmon.model import JourneyKey, JourneyResult, Outcome, Stage, StepStatus

OUTCOME_RANK: dict[Outcome, int] = {
    Outcome.MAINTENANCE: -1, Outcome.PASS: 0, Outcome.FLAKY: 1, Outcome.ERROR: 2, Outcome.FAIL: 3
}
"""How bad an outcome is when runs of one journey disagree: a found shop fault is the worst, as in
the exit code; a run in a maintenance window says nothing, so any checked run outranks it."""

TIMED_STATUSES = (StepStatus.PASSED, StepStatus.FAILED)


@dataclass(frozen=True)
class StepStats:
    """Durations of one step over the runs in which it ran."""

    name: str
    stage: Stage
    samples_seconds: tuple[float, ...]

    @property
    def runs(self) -> int:
        return len(self.samples_seconds)

    @property
    def median_seconds(self) -> float:
        return statistics.median(self.samples_seconds)

    @property
    def min_seconds(self) -> float:
        return min(self.samples_seconds)

    @property
    def max_seconds(self) -> float:
        return max(self.samples_seconds)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "stage": self.stage.value,
            "runs": self.runs,
            "median_seconds": self.median_seconds,
            "min_seconds": self.min_seconds,
            "max_seconds": self.max_seconds,
        }


@dataclass(frozen=True)
class JourneyStats:
    """One journey over all its runs."""

    key: JourneyKey
    outcome: Outcome
    """The worst outcome of the runs."""
    outcomes: dict[str, int]
    """Runs by outcome (``pass``, ``fail``, ``flaky``, ``error``), every outcome present."""
    durations_seconds: tuple[float, ...]
    steps: list[StepStats] = field(default_factory=list)

    @property
    def runs(self) -> int:
        return len(self.durations_seconds)

    @property
    def median_duration_seconds(self) -> float:
        return statistics.median(self.durations_seconds)

    def step(self, name: str) -> StepStats | None:
        return next((s for s in self.steps if s.name == name), None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "journey": self.key.id,
            "labels": self.key.labels(),
            "outcome": self.outcome.value,
            "runs": self.runs,
            "outcomes": dict(self.outcomes),
            "median_duration_seconds": self.median_duration_seconds,
            "steps": [s.to_dict() for s in self.steps],
        }


def group_runs(results: Iterable[JourneyResult]) -> list[list[JourneyResult]]:
    """Runs of the same journey together, journeys in the order they first appear."""
    groups: dict[JourneyKey, list[JourneyResult]] = {}
    for result in results:
        groups.setdefault(result.key, []).append(result)
    return list(groups.values())


def worst_run(runs: Sequence[JourneyResult]) -> JourneyResult:
    """The run that speaks for the journey: the first one with the worst outcome."""
    if not runs:
        raise ValueError("no runs")
    return max(runs, key=lambda r: OUTCOME_RANK[r.outcome])  # max keeps the first of equals


def journey_stats(runs: Sequence[JourneyResult]) -> JourneyStats:
    """Medians of one journey's runs (all of the same key)."""
    first = worst_run(runs)
    samples: dict[str, list[float]] = {}
    stages: dict[str, Stage] = {}
    for run in runs:
        for step in run.steps:
            stages.setdefault(step.name, step.stage)
            if step.status in TIMED_STATUSES:
                samples.setdefault(step.name, []).append(step.duration_seconds)
    steps = [StepStats(name, stages[name], tuple(samples[name])) for name in stages if name in samples]
    outcomes = {o.value: sum(1 for r in runs if r.outcome is o) for o in Outcome}
    return JourneyStats(first.key, first.outcome, outcomes, tuple(r.duration_seconds for r in runs), steps)


def summarize(results: Iterable[JourneyResult]) -> list[JourneyStats]:
    """One :class:`JourneyStats` per journey."""
    return [journey_stats(runs) for runs in group_runs(results)]


def representatives(results: Iterable[JourneyResult]) -> list[JourneyResult]:
    """One run per journey (its worst), for views that show one verdict per journey."""
    return [worst_run(runs) for runs in group_runs(results)]


def repeat_count(results: Iterable[JourneyResult]) -> int:
    """The most runs any journey had (1 for a plain run, N for ``--repeat N``)."""
    return max((len(g) for g in group_runs(results)), default=0)
