"""slow: a step (or the whole journey) took longer than its budget.

A step's budget is its own ``budget:`` or the scenario's ``budgets.step``; the journey's is
``budgets.journey`` (checked by the runner after the last step, with the same finding). With
``budgets.mode: fail`` (the default) an over-budget step fails the journey, so a shop that became
too slow for customers pages someone; ``warn`` reports it and the journey still passes.
The evidence carries the measured time, the budget and the page's navigation timing (TTFB,
DOMContentLoaded, load) and LCP/CLS.

Why it matters: customers abandon a checkout step that hangs; a slow payment page loses sales
without a single error in the logs.
"""

from __future__ import annotations

from typing import ClassVar

from cxmon.detectors.base import BudgetMode, DetectorConfig, StepObservation
from cxmon.durations import format_duration
from cxmon.model import Finding, Kind, Severity


class SlowDetector:
    """Reports a step over its time budget, with the page's timings."""

    name: ClassVar[str] = "slow"

    def detect(self, obs: StepObservation, config: DetectorConfig) -> list[Finding]:
        budget = obs.budget_seconds
        if budget is None or obs.duration_seconds <= budget:
            return []
        severity = Severity.WARNING if obs.budget_mode is BudgetMode.WARN else Severity.FAILURE
        timings = dict(obs.snapshot.timings) if obs.snapshot else {}
        return [
            obs.finding(
                Kind.SLOW,
                f"step took {format_duration(obs.duration_seconds)}, over its budget of {format_duration(budget)}",
                severity,
                measured_seconds=round(obs.duration_seconds, 3),
                budget_seconds=budget,
                **{k: round(v, 4) for k, v in timings.items()},
            )
        ]
