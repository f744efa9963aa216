"""slow: a step (or the whole journey) took longer than its budget.

A step's budget is its own ``budget:`` or the scenario's ``budgets.step``; the journey's is
``budgets.journey`` (checked by the runner after the last step, with the same finding). With
``budgets.mode: fail`` (the default) an over-budget step fails the journey, so a shop that became
too slow for customers pages someone; ``warn`` reports it and the journey still passes.
A step's time is what the customer waits for: until its page is usable (DOM ready, the shop's
and the payment provider's requests done); a third party's pixel still loading does not count
unless the scenario budgets the full load (``budgets.count: load``). The finding names the
request that took the time, its server time (TTFB) and whose it was (the shop's, the payment
provider's, a third party's). The evidence carries the measured time, the budget, the usable and
load times, that request, and the page's navigation timing (TTFB, DOMContentLoaded, load) and
LCP/CLS.

Why it matters: customers abandon a checkout step that hangs; a slow payment page loses sales
without a single error in the logs.
"""

from __future__ import annotations

from typing import ClassVar
from urllib.parse import urlsplit

from cxmon.detectors.base import BudgetMode, DetectorConfig, Origin, PageLoad, StepObservation
from cxmon.durations import format_duration
from cxmon.model import Finding, Kind, Severity

WHOSE = {Origin.OWN: "the shop's", Origin.PROVIDER: "the payment provider's", Origin.THIRD_PARTY: "a third party's"}


class SlowDetector:
    """Reports a step over its time budget, with the page's timings."""

    name: ClassVar[str] = "slow"

    def detect(self, obs: StepObservation, config: DetectorConfig) -> list[Finding]:
        budget = obs.budget_seconds
        if budget is None or obs.duration_seconds <= budget:
            return []
        severity = Severity.WARNING if obs.budget_mode is BudgetMode.WARN else Severity.FAILURE
        timings = dict(obs.snapshot.timings) if obs.snapshot else {}
        message = f"step took {format_duration(obs.duration_seconds)}, over its budget of {format_duration(budget)}"
        evidence: dict[str, object] = {"measured_seconds": round(obs.duration_seconds, 3), "budget_seconds": budget}
        evidence["counts"] = obs.budget_count.value
        if obs.usable_seconds is not None:
            evidence["usable_seconds"] = round(obs.usable_seconds, 3)
        if obs.load_seconds is not None:
            evidence["load_seconds"] = round(obs.load_seconds, 3)
        if obs.slowest is not None:
            message += f": {_took(obs.slowest)}"
            evidence.update(_request_evidence(obs.slowest))
        evidence.update({k: round(v, 4) for k, v in timings.items()})
        return [obs.finding(Kind.SLOW, message, severity, **evidence)]


def _what(load: PageLoad) -> str:
    parts = urlsplit(load.url)
    where = parts.path or "/"
    if load.main_document:
        return f"page {where}"
    return f"{load.resource_type or 'request'} {parts.netloc}{where}" if load.origin is not Origin.OWN else where


def _took(load: PageLoad) -> str:
    """``the shop's page /payment took 4.02 s (server time 4.01 s)``."""
    text = f"{WHOSE[load.origin]} {_what(load)} took {format_duration(load.seconds)}"
    if load.server_seconds is not None:
        text += f" (server time {format_duration(load.server_seconds)})"
    return text


def _request_evidence(load: PageLoad) -> dict[str, object]:
    out: dict[str, object] = {
        "slowest_url": load.url,
        "slowest_origin": load.origin.value,
        "slowest_seconds": round(load.seconds, 3),
    }
    if load.server_seconds is not None:
        out["server_seconds"] = round(load.server_seconds, 3)
    return out
