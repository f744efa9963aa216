"""What generated queries may select: cxmon's metric contract plus Prometheus' own series.

The metric names, types and labels are :mod:`cxmon.metrics_contract` (the "Metrics" table of the
design document), the same table the exporter builds its collectors from. Generated queries may use
only those names (histograms with their ``_bucket``, ``_count`` and ``_sum`` series) plus
Prometheus' own ``up``; the tests hold every generated query to that.
"""

from __future__ import annotations

from cxmon.metrics_contract import JOURNEY_LABELS, METRICS, STEP_LABELS, MetricSpec

__all__ = ["JOURNEY_LABELS", "METRICS", "PROMETHEUS_SERIES", "STEP_LABELS", "TARGET_LABELS", "MetricSpec",
           "allowed_series"]

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
