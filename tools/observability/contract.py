"""The metric contract that dashboards and alert rules depend on.

This mirrors the "Metrics" table of the design document: names, types and labels. Generated
queries may use only these names (histograms with their ``_bucket``, ``_count`` and ``_sum``
series) plus Prometheus' own ``up``; the tests hold every generated query to that.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

JOURNEY_LABELS: tuple[str, ...] = ("scenario", "payment_method", "device", "location")
"""J: every journey metric carries all of these, so no two journeys share a series."""

STEP_LABELS: tuple[str, ...] = (*JOURNEY_LABELS, "step", "stage")
"""S: J plus the step and its stage on the purchase path."""

STAGES: tuple[str, ...] = ("browse", "cart", "checkout", "payment", "confirmation")
RESULTS: tuple[str, ...] = ("pass", "fail", "flaky", "error")

MetricType = Literal["counter", "gauge", "histogram"]


@dataclass(frozen=True)
class Metric:
    """One exported metric family."""

    name: str
    type: MetricType
    labels: tuple[str, ...]

    def series_names(self) -> tuple[str, ...]:
        """The names a query may use for this family."""
        if self.type == "histogram":
            return (f"{self.name}_bucket", f"{self.name}_count", f"{self.name}_sum")
        return (self.name,)

    def series_labels(self, series_name: str) -> tuple[str, ...]:
        """Labels a selector of ``series_name`` may match on (``le`` only on buckets)."""
        return (*self.labels, "le") if series_name.endswith("_bucket") else self.labels


METRICS: tuple[Metric, ...] = (
    Metric("cxmon_journey_success", "gauge", JOURNEY_LABELS),
    Metric("cxmon_journey_runs_total", "counter", (*JOURNEY_LABELS, "result")),
    Metric("cxmon_journey_duration_seconds", "histogram", JOURNEY_LABELS),
    Metric("cxmon_journey_last_run_timestamp_seconds", "gauge", JOURNEY_LABELS),
    Metric("cxmon_journey_interval_seconds", "gauge", JOURNEY_LABELS),
    Metric("cxmon_step_duration_seconds", "histogram", STEP_LABELS),
    Metric("cxmon_step_budget_seconds", "gauge", STEP_LABELS),
    Metric("cxmon_failures_total", "counter", (*STEP_LABELS, "kind")),
    Metric("cxmon_page_lcp_seconds", "histogram", STEP_LABELS),
    Metric("cxmon_confirmation_email_seconds", "histogram", JOURNEY_LABELS),
    Metric("cxmon_config_last_reload_successful", "gauge", ()),
    Metric("cxmon_build_info", "gauge", ("version",)),
)

TARGET_LABELS: tuple[str, ...] = ("job", "instance")
"""Labels Prometheus adds to every scraped series."""

PROMETHEUS_SERIES: dict[str, tuple[str, ...]] = {"up": ()}
"""Series Prometheus itself produces that cxmon's queries may use."""


def allowed_series() -> dict[str, tuple[str, ...]]:
    """Every series name a generated query may use, with the labels it may match on."""
    allowed: dict[str, tuple[str, ...]] = {}
    for metric in METRICS:
        for name in metric.series_names():
            allowed[name] = (*metric.series_labels(name), *TARGET_LABELS)
    for name, labels in PROMETHEUS_SERIES.items():
        allowed[name] = (*labels, *TARGET_LABELS)
    return allowed
