"""The Prometheus metrics of cxmon: the one place that names them (see docs/metrics.md).

The names, types and labels are the metric contract of the design document; dashboards and alert
rules depend on them. :class:`CxmonMetrics` owns a fresh registry (never the global one), so a
serve process, a push per scenario and a test each get their own set of series.

Results are data: :meth:`CxmonMetrics.observe` reads a :class:`~cxmon.model.JourneyResult` and
never reaches back into the runner.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.metrics import MetricWrapperBase
from prometheus_client.metrics_core import Metric

from cxmon import __version__
from cxmon.model import DEFAULT_LABEL, Finding, JourneyKey, JourneyResult, Kind, Outcome, StepStatus

JOURNEY_LABELS: tuple[str, ...] = ("scenario", "payment_method", "device", "location")
"""J: every journey metric carries all of these, so no two journeys share a series."""
STEP_LABELS: tuple[str, ...] = (*JOURNEY_LABELS, "step", "stage")
"""S: J plus the step and its stage on the purchase path."""

STEP_BUCKETS: tuple[float, ...] = (0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 3, 4, 5, 7.5, 10, 15, 20, 30, 45, 60)
"""Seconds. A checkout step takes from ~100 ms (a cached page) to its time limit (15 s by default,
a slow payment provider up to a minute); the buckets are densest around the usual 1–5 s budgets so
``histogram_quantile`` can tell "just under" from "just over" budget."""
JOURNEY_BUCKETS: tuple[float, ...] = (1, 2, 3, 5, 7.5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 300)
"""Seconds. A whole purchase path is several steps: a few seconds up to a few minutes."""
EMAIL_BUCKETS: tuple[float, ...] = (1, 2, 5, 10, 20, 30, 60, 120, 180, 300, 450, 600, 900)
"""Seconds from order to confirmation e-mail: seconds for a shop that mails at once, minutes for a
queue; the default limit is 5 minutes, so buckets go a little past it to show how late "late" is."""

RESULTS: tuple[str, ...] = tuple(o.value for o in Outcome)


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
        r = self.registry
        j, s = JOURNEY_LABELS, STEP_LABELS
        self.journey_success = Gauge(
            "cxmon_journey_success",
            "1 if the journey's last run passed (pass or flaky), 0 if it failed; not changed by an error run.",
            j,
            registry=r,
        )
        # prometheus_client appends `_total` to counter names itself.
        self.journey_runs = Counter(
            "cxmon_journey_runs",
            "Journey runs by result: pass, fail, flaky, or error (cxmon could not run it).",
            (*j, "result"),
            registry=r,
        )
        self.journey_duration = Histogram(
            "cxmon_journey_duration_seconds",
            "Duration of the journey's runs that checked the shop (not error runs).",
            j,
            buckets=JOURNEY_BUCKETS,
            registry=r,
        )
        self.journey_last_run = Gauge(
            "cxmon_journey_last_run_timestamp_seconds",
            "Unix time the journey's last run that checked the shop started (not error runs).",
            j,
            registry=r,
        )
        self.journey_interval = Gauge(
            "cxmon_journey_interval_seconds",
            "How often the journey is scheduled to run.",
            j,
            registry=r,
        )
        self.step_duration = Histogram(
            "cxmon_step_duration_seconds",
            "Duration of each step that ran (skipped steps are not observed).",
            s,
            buckets=STEP_BUCKETS,
            registry=r,
        )
        self.step_budget = Gauge(
            "cxmon_step_budget_seconds",
            "The step's time budget from its scenario; over it is a `slow` finding.",
            s,
            registry=r,
        )
        self.failures = Counter(
            "cxmon_failures",
            "Failure findings by kind, at the step (and stage) where they happened.",
            (*s, "kind"),
            registry=r,
        )
        self.page_lcp = Histogram(
            "cxmon_page_lcp_seconds",
            "Largest Contentful Paint of the page a step ended on, when the browser reported one.",
            s,
            buckets=STEP_BUCKETS,
            registry=r,
        )
        self.confirmation_email = Histogram(
            "cxmon_confirmation_email_seconds",
            "Time from the order to its confirmation e-mail found in the mailbox (scenarios with email:).",
            j,
            buckets=EMAIL_BUCKETS,
            registry=r,
        )
        self.config_reload: Gauge | None = None
        if serve:
            self.config_reload = Gauge(
                "cxmon_config_last_reload_successful",
                "1 if the last load of the scenario files succeeded, 0 if it failed (the old ones still run).",
                registry=r,
            )
        self.build_info = Gauge("cxmon_build_info", "Always 1; the cxmon version as a label.", ("version",), registry=r)
        self.build_info.labels(version).set(1)
        # Every labelled series created for a journey, so a journey removed by a reload can take its
        # series with it instead of leaving them stale forever.
        self._children: dict[JourneyKey, set[_Child]] = {}

    # --- writing -------------------------------------------------------------------------------

    def _labels(self, metric: MetricWrapperBase, key: JourneyKey, *extra: str) -> MetricWrapperBase:
        values = (key.scenario, key.payment_method, key.device, key.location, *extra)
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
        for result in RESULTS:
            self._labels(self.journey_runs, key, result)
        for step, stage in steps:
            for kind in Kind:
                self._labels(self.failures, key, step, stage, kind.value)
        if interval_seconds is not None:
            self._labels(self.journey_interval, key).set(interval_seconds)

    def observe(self, result: JourneyResult) -> None:
        """Records one journey run."""
        key = result.key
        self.declare(key, result.interval_seconds, [(s.name, s.stage.value) for s in result.steps])
        self._labels(self.journey_runs, key, result.outcome.value).inc()
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

    def set_reload_successful(self, ok: bool) -> None:
        if self.config_reload is None:
            raise RuntimeError("cxmon_config_last_reload_successful exists only in serve mode")
        self.config_reload.set(1 if ok else 0)

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
