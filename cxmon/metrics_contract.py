"""The metric contract: every Prometheus series cxmon exports, as one table.

This is the "Metrics" table of the design document (docs/metrics.md for users) written as data:
name, type, help, labels and buckets. The exporter builds its collectors from it
(:mod:`cxmon.exporters.metrics`), and the dashboard and alert generator (``tools/observability``)
reads it to hold every generated query to these names. Nothing else lists them.

It depends only on :mod:`cxmon.model`, so any layer (and tools outside the package) may import it
without pulling in ``prometheus_client``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from cxmon.model import Kind, Outcome, Stage

JOURNEY_LABELS: tuple[str, ...] = ("scenario", "payment_method", "device", "location", "market")
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

LABEL_VALUES: dict[str, tuple[str, ...]] = {
    "stage": tuple(s.value for s in Stage),
    "result": tuple(o.value for o in Outcome),
    "kind": tuple(k.value for k in Kind),
}
"""The closed labels and every value they take (the others come from scenario files)."""

MetricType = Literal["counter", "gauge", "histogram"]


@dataclass(frozen=True)
class MetricSpec:
    """One exported metric family, named as Prometheus exposes it (counters end in ``_total``)."""

    name: str
    type: MetricType
    help: str
    labels: tuple[str, ...]
    buckets: tuple[float, ...] = ()
    """Histogram bucket bounds in seconds; empty for other types."""
    serve_only: bool = False
    """Exported only by ``cxmon serve`` (a one-shot run has nothing to say about it)."""
    scenario_key: str | None = None
    """Series exist only for journeys whose scenario has this key (``email``); ``None``: every journey."""

    def series_names(self) -> tuple[str, ...]:
        """The names a query may use for this family."""
        if self.type == "histogram":
            return (f"{self.name}_bucket", f"{self.name}_count", f"{self.name}_sum")
        return (self.name,)

    def series_labels(self, series_name: str) -> tuple[str, ...]:
        """Labels a selector of ``series_name`` may match on (``le`` only on buckets)."""
        return (*self.labels, "le") if series_name.endswith("_bucket") else self.labels


JOURNEY_SUCCESS = MetricSpec(
    "cxmon_journey_success", "gauge",
    "1 if the journey's last run passed (pass or flaky), 0 if it failed; not changed by an error or "
    "maintenance run.",
    JOURNEY_LABELS,
)
JOURNEY_RUNS = MetricSpec(
    "cxmon_journey_runs_total", "counter",
    f"Journey runs by result: {', '.join(LABEL_VALUES['result'])} (error: cxmon could not run it; "
    "maintenance: in a maintenance window).",
    (*JOURNEY_LABELS, "result"),
)
JOURNEY_DURATION = MetricSpec(
    "cxmon_journey_duration_seconds", "histogram",
    "Duration of the journey's runs that checked the shop (not error runs).",
    JOURNEY_LABELS, JOURNEY_BUCKETS,
)
JOURNEY_LAST_RUN = MetricSpec(
    "cxmon_journey_last_run_timestamp_seconds", "gauge",
    "Unix time the journey's last run that checked the shop started (not error runs).",
    JOURNEY_LABELS,
)
JOURNEY_INTERVAL = MetricSpec(
    "cxmon_journey_interval_seconds", "gauge", "How often the journey is scheduled to run.", JOURNEY_LABELS
)
STEP_DURATION = MetricSpec(
    "cxmon_step_duration_seconds", "histogram",
    "Duration of each step that ran (skipped steps are not observed).",
    STEP_LABELS, STEP_BUCKETS,
)
STEP_BUDGET = MetricSpec(
    "cxmon_step_budget_seconds", "gauge",
    "The step's time budget from its scenario; over it is a `slow` finding.",
    STEP_LABELS,
)
FAILURES = MetricSpec(
    "cxmon_failures_total", "counter",
    "Failure findings by kind, at the step (and stage) where they happened.",
    (*STEP_LABELS, "kind"),
)
PAGE_LCP = MetricSpec(
    "cxmon_page_lcp_seconds", "histogram",
    "Largest Contentful Paint of the page a step ended on, when the browser reported one.",
    STEP_LABELS, STEP_BUCKETS,
)
CONFIRMATION_EMAIL = MetricSpec(
    "cxmon_confirmation_email_seconds", "histogram",
    "Time from the order to its confirmation e-mail found in the mailbox (scenarios with email:).",
    JOURNEY_LABELS, EMAIL_BUCKETS, scenario_key="email",
)
MAINTENANCE = MetricSpec(
    "cxmon_maintenance", "gauge",
    "1 while the journey is in a maintenance window (its runs are skipped or not counted), else 0.",
    JOURNEY_LABELS,
)
REVENUE_AT_RISK = MetricSpec(
    "cxmon_revenue_at_risk_per_hour", "gauge",
    "Estimated revenue per hour lost while the journey fails (its payment method's and device's share of "
    "the scenario's revenue:); 0 while it passes. Sum with max by (scenario, payment_method, device, currency) "
    "across locations first.",
    (*JOURNEY_LABELS, "currency"),
)
REVENUE_LOST = MetricSpec(
    "cxmon_revenue_lost_in_incident", "gauge",
    "Estimated revenue lost since the journey began failing (the rate integrated over the time since); "
    "0 while it passes.",
    (*JOURNEY_LABELS, "currency"),
)
CONFIG_RELOAD = MetricSpec(
    "cxmon_config_last_reload_successful", "gauge",
    "1 if the last load of the scenario files succeeded, 0 if it failed (the old ones still run).",
    (), serve_only=True,
)
OUTPUT_WRITE_FAILURES = MetricSpec(
    "cxmon_output_write_failures_total", "counter",
    "Writes of an output file (--json, --html, --textfile) that failed; serve keeps running.",
    ("output",), serve_only=True,
)
BUILD_INFO = MetricSpec("cxmon_build_info", "gauge", "Always 1; the cxmon version as a label.", ("version",))

METRICS: tuple[MetricSpec, ...] = (
    JOURNEY_SUCCESS,
    JOURNEY_RUNS,
    JOURNEY_DURATION,
    JOURNEY_LAST_RUN,
    JOURNEY_INTERVAL,
    STEP_DURATION,
    STEP_BUDGET,
    FAILURES,
    PAGE_LCP,
    CONFIRMATION_EMAIL,
    MAINTENANCE,
    REVENUE_AT_RISK,
    REVENUE_LOST,
    CONFIG_RELOAD,
    OUTPUT_WRITE_FAILURES,
    BUILD_INFO,
)
"""Every family cxmon exports, in exposition order."""
