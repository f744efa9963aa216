"""The Prometheus metrics of cxmon, built from the metric contract (see docs/metrics.md).

The names, types, help texts, labels and buckets come from :mod:`cxmon.metrics_contract`, the
metric contract of the design document that dashboards and alert rules depend on.
:class:`CxmonMetrics` owns a fresh registry (never the global one), so a serve process, a push per
scenario and a test each get their own set of series.

Results are data: :meth:`CxmonMetrics.observe` reads a :class:`~cxmon.model.JourneyResult` and
never reaches back into the runner.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.metrics import MetricWrapperBase
from prometheus_client.metrics_core import Metric

from cxmon import __version__
from cxmon import metrics_contract as contract
from cxmon.metrics_contract import JOURNEY_LABELS, MetricSpec
from cxmon.model import DEFAULT_LABEL, Finding, JourneyKey, JourneyResult, Kind, Outcome, StepStatus

_M = TypeVar("_M", bound=MetricWrapperBase)


class _Registry(CollectorRegistry):
    """A registry that leaves out the client's ``*_created`` series.

    The contract lists exact names; ``_created`` would double the number of series of every
    counter and histogram, nothing reads them, and turning them off with the client's switch
    (``disable_created_metrics``) would change every registry in the process.
    """

    def collect(self) -> Iterator[Metric]:
        for metric in super().collect():
            metric.samples = [s for s in metric.samples if not s.name.endswith("_created")]
            yield metric


@dataclass(frozen=True)
class _Child:
    metric: MetricWrapperBase
    labels: tuple[str, ...]


class CxmonMetrics:
    """Every cxmon metric, in a registry of its own.

    ``serve=True`` adds ``cxmon_config_last_reload_successful``, which only means something for a
    process that reloads its scenario files; a one-shot run does not export it (a pushed 0 would
    look like a failed reload).
    """

    def __init__(self, serve: bool = False, version: str = __version__) -> None:
        self.registry: CollectorRegistry = _Registry()
        self.journey_success = self._gauge(contract.JOURNEY_SUCCESS)
        self.journey_runs = self._counter(contract.JOURNEY_RUNS)
        self.journey_duration = self._histogram(contract.JOURNEY_DURATION)
        self.journey_last_run = self._gauge(contract.JOURNEY_LAST_RUN)
        self.journey_interval = self._gauge(contract.JOURNEY_INTERVAL)
        self.step_duration = self._histogram(contract.STEP_DURATION)
        self.step_budget = self._gauge(contract.STEP_BUDGET)
        self.failures = self._counter(contract.FAILURES)
        self.page_lcp = self._histogram(contract.PAGE_LCP)
        self.confirmation_email = self._histogram(contract.CONFIRMATION_EMAIL)
        self.maintenance = self._gauge(contract.MAINTENANCE)
        self.revenue_at_risk = self._gauge(contract.REVENUE_AT_RISK)
        self.revenue_lost = self._gauge(contract.REVENUE_LOST)
        self.config_reload = self._gauge(contract.CONFIG_RELOAD) if serve else None
        self.output_failures = self._counter(contract.OUTPUT_WRITE_FAILURES) if serve else None
        self.build_info = self._gauge(contract.BUILD_INFO)
        self.build_info.labels(version).set(1)
        # Every labelled series created for a journey, so a journey removed by a reload can take its
        # series with it instead of leaving them stale forever.
        self._children: dict[JourneyKey, set[_Child]] = {}

    # --- building ------------------------------------------------------------------------------

    def _gauge(self, spec: MetricSpec) -> Gauge:
        assert spec.type == "gauge", spec
        return Gauge(spec.name, spec.help, spec.labels, registry=self.registry)

    def _counter(self, spec: MetricSpec) -> Counter:
        assert spec.type == "counter", spec
        # The client appends `_total` to a counter's name itself.
        return Counter(spec.name.removesuffix("_total"), spec.help, spec.labels, registry=self.registry)

    def _histogram(self, spec: MetricSpec) -> Histogram:
        assert spec.type == "histogram", spec
        return Histogram(spec.name, spec.help, spec.labels, buckets=spec.buckets, registry=self.registry)

    # --- writing -------------------------------------------------------------------------------

    def _labels(self, metric: _M, key: JourneyKey, *extra: str) -> _M:
        journey = key.labels()
        values = (*(journey[name] for name in JOURNEY_LABELS), *extra)
        self._children.setdefault(key, set()).add(_Child(metric, values))
        return metric.labels(*values)

    def declare(
        self, key: JourneyKey, interval_seconds: float | None = None, steps: Sequence[tuple[str, str]] = ()
    ) -> None:
        """Creates a journey's counters at 0 and sets its schedule.

        A counter born at 1 shows no ``increase()``: without its 0, a shop's first failure of a kind
        would reach alerts and panels one run late. So every run result, and every failure kind at
        every ``(step, stage)``, starts at 0. Called by the scheduler when a journey is loaded,
        before it first runs, and on every observed run.
        """
        for result in Outcome:
            self._labels(self.journey_runs, key, result.value)
        for step, stage in steps:
            for kind in Kind:
                self._labels(self.failures, key, step, stage, kind.value)
        if interval_seconds is not None:
            self._labels(self.journey_interval, key).set(interval_seconds)

    def observe(self, result: JourneyResult) -> None:
        """Records one journey run."""
        key = result.key
        stages = [s.stage.value for s in result.steps]
        self.declare(key, result.interval_seconds, step_stages([s.name for s in result.steps], stages))
        self._labels(self.journey_runs, key, result.outcome.value).inc()
        self.set_maintenance(key, result.outcome is Outcome.MAINTENANCE)
        if result.revenue is not None:
            self.set_revenue(key, result.revenue)
        if result.outcome is Outcome.MAINTENANCE:
            # Planned: neither a verdict on the shop nor a check (see docs/maintenance.md).
            return
        if result.outcome is not Outcome.ERROR:
            # An error run says nothing about the shop: success, duration and "last run" stay as the
            # last real check left them, so their age tells how fresh the verdict is.
            self._labels(self.journey_success, key).set(1 if result.outcome.passed else 0)
            self._labels(self.journey_duration, key).observe(result.duration_seconds)
            self._labels(self.journey_last_run, key).set(result.started_at)
        for step in result.steps:
            stage = step.stage.value
            if step.budget_seconds is not None:
                self._labels(self.step_budget, key, step.name, stage).set(step.budget_seconds)
            if step.status in (StepStatus.PASSED, StepStatus.FAILED):
                self._labels(self.step_duration, key, step.name, stage).observe(step.duration_seconds)
                lcp = step.timings.get("lcp")
                if lcp is not None:
                    self._labels(self.page_lcp, key, step.name, stage).observe(lcp)
        for finding in result.failures():
            self._count_failure(key, finding)
        if result.email is not None and result.email.seconds is not None:
            self._labels(self.confirmation_email, key).observe(result.email.seconds)

    def _count_failure(self, key: JourneyKey, finding: Finding) -> None:
        # A journey-level finding may name no step (cxmon could not even open the page).
        step = finding.step or DEFAULT_LABEL
        self._labels(self.failures, key, step, finding.stage.value, finding.kind.value).inc()

    def observe_all(self, results: Iterable[JourneyResult]) -> None:
        for result in results:
            self.observe(result)

    def set_interval(self, key: JourneyKey, seconds: float) -> None:
        self._labels(self.journey_interval, key).set(seconds)

    def set_maintenance(self, key: JourneyKey, in_window: bool) -> None:
        """Sets ``cxmon_maintenance``: 1 while the journey is in a maintenance window."""
        self._labels(self.maintenance, key).set(1 if in_window else 0)

    def set_revenue(self, key: JourneyKey, revenue: dict[str, Any]) -> None:
        """Sets the journey's revenue at risk and lost (a result's ``revenue`` block, cxmon.revenue)."""
        currency = str(revenue["currency"])
        self._labels(self.revenue_at_risk, key, currency).set(float(revenue["at_risk_per_hour"]))
        self._labels(self.revenue_lost, key, currency).set(float(revenue["lost"]))

    def set_reload_successful(self, ok: bool) -> None:
        if self.config_reload is None:
            raise RuntimeError("cxmon_config_last_reload_successful exists only in serve mode")
        self.config_reload.set(1 if ok else 0)

    def declare_outputs(self, names: Iterable[str]) -> None:
        """Creates the write-failure counter of each output at 0 (serve mode), so its first failure
        shows as an ``increase()``."""
        if self.output_failures is None:
            raise RuntimeError("cxmon_output_write_failures_total exists only in serve mode")
        for name in names:
            self.output_failures.labels(name)

    def count_output_failure(self, name: str) -> None:
        """One failed write of the output ``name`` (serve mode)."""
        if self.output_failures is None:
            raise RuntimeError("cxmon_output_write_failures_total exists only in serve mode")
        self.output_failures.labels(name).inc()

    def forget(self, key: JourneyKey) -> None:
        """Removes every series of a journey (it was removed from the scenario files)."""
        for child in self._children.pop(key, set()):
            with contextlib.suppress(KeyError):
                child.metric.remove(*child.labels)

    # --- reading -------------------------------------------------------------------------------

    def exposition(self) -> tuple[bytes, str]:
        """The registry in Prometheus' text format, and its content type (for ``/metrics``)."""
        return generate_latest(self.registry), CONTENT_TYPE_LATEST

    def journeys(self) -> list[JourneyKey]:
        """Journeys that have series here."""
        return list(self._children)


def step_stages(steps: Sequence[str], stages: Sequence[str]) -> list[tuple[str, str]]:
    """The ``(step, stage)`` pairs a journey's failures may carry: each step's own stage, and the
    next step's, which a finding about the page the step's click led to takes (docs/scenarios.md)."""
    pairs = list(zip(steps, stages, strict=True))
    pairs += [(step, nxt) for step, own, nxt in zip(steps, stages, stages[1:], strict=False) if nxt != own]
    return pairs
