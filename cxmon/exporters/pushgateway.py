"""``--pushgateway URL``: push a one-shot run's metrics to a Prometheus Pushgateway.

One push per scenario (and location), with the grouping key ``{job, scenario, location}`` and no
run id, so every run of a scenario lands in the same group and series do not pile up.

The push is a ``PUT`` (``push_to_gateway``), not a ``POST`` (``pushadd_to_gateway``): a ``PUT``
replaces the whole group, so a series the latest run no longer has (a failure kind that did not
happen again, a payment method removed from the matrix, a renamed step) disappears with it. A
``POST`` only replaces metric families present in the push and would keep such series forever,
which dashboards would read as still current. The group therefore always holds exactly the latest
run of the scenario.

Counters restart with every process, so a pushed ``cxmon_journey_runs_total`` is the count of the
latest run only; rules about one-shot runs should use ``cxmon_journey_success`` and the
Pushgateway's ``push_time_seconds`` (see docs/metrics.md).
"""

from __future__ import annotations

import contextlib
import logging
import time
import urllib.error
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from cxmon.errors import InfrastructureError
from cxmon.exporters.base import ExportContext, Exporter
from cxmon.model import JourneyResult, RunResult

log = logging.getLogger("cxmon.pushgateway")

TRIES = 3
BACKOFF_SECONDS = 0.5
"""The wait before the second try; it doubles before each further try."""
TIMEOUT_SECONDS = 10.0


class PushError(InfrastructureError):
    """The Pushgateway could not be reached or refused a push (after retries)."""


@dataclass(frozen=True)
class PushGroup:
    """The results pushed in one request, and the group they replace."""

    job: str
    scenario: str
    location: str
    results: tuple[JourneyResult, ...]

    @property
    def grouping_key(self) -> dict[str, str]:
        return {"scenario": self.scenario, "location": self.location}

    def describe(self) -> str:
        return f"job={self.job}, scenario={self.scenario}, location={self.location}"


def group_results(results: Iterable[JourneyResult], job: str) -> list[PushGroup]:
    """Results grouped by scenario and location, in first-seen order."""
    groups: dict[tuple[str, str], list[JourneyResult]] = {}
    for result in results:
        groups.setdefault((result.key.scenario, result.key.location), []).append(result)
    return [PushGroup(job, scenario, location, tuple(rs)) for (scenario, location), rs in groups.items()]


def check_gateway_url(url: str) -> None:
    """Raises ``ValueError`` unless ``url`` is an http(s) URL."""
    if not (url.startswith("http://") or url.startswith("https://")) or len(url.split("://", 1)[1]) == 0:
        raise ValueError(f"expected an http:// or https:// URL, got {url!r}")


def _reason(exc: BaseException) -> str:
    if isinstance(exc, urllib.error.HTTPError):
        body = b""
        # The body only adds a hint to the message; a broken one must not hide the status.
        with contextlib.suppress(Exception):
            body = exc.read()[:300]
        text = body.decode("utf-8", "replace").strip()
        return f"HTTP {exc.code} {exc.reason}" + (f": {text}" if text else "")
    if isinstance(exc, urllib.error.URLError):
        return str(exc.reason)
    return str(exc) or type(exc).__name__


def push_group(
    group: PushGroup,
    gateway: str,
    tries: int = TRIES,
    backoff_seconds: float = BACKOFF_SECONDS,
    timeout_seconds: float = TIMEOUT_SECONDS,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """Pushes one group, trying up to ``tries`` times; raises ``PushError`` when every try failed.

    A 4xx answer is not retried: the Pushgateway understood the push and refused it, and would
    refuse it again.
    """
    # prometheus_client loads when metrics are pushed, not with the exporter registry.
    from prometheus_client import push_to_gateway

    from cxmon.exporters.metrics import CxmonMetrics

    metrics = CxmonMetrics()
    metrics.observe_all(group.results)
    delay = backoff_seconds
    last = "no try made"
    for attempt in range(1, max(1, tries) + 1):
        try:
            push_to_gateway(
                gateway, job=group.job, registry=metrics.registry, grouping_key=group.grouping_key,
                timeout=timeout_seconds,
            )
            return
        except (OSError, urllib.error.URLError) as exc:
            last = _reason(exc)
            client_error = isinstance(exc, urllib.error.HTTPError) and 400 <= exc.code < 500
            log.warning("push to %s (%s), try %d of %d: %s", gateway, group.describe(), attempt, tries, last)
            if client_error or attempt >= tries:
                break
            sleep(delay)
            delay *= 2
    raise PushError(f"cannot push metrics to the Pushgateway at {gateway} ({group.describe()}): {last}")


def push_results(
    results: Iterable[JourneyResult],
    gateway: str,
    job: str = "cxmon",
    tries: int = TRIES,
    backoff_seconds: float | None = None,
    timeout_seconds: float = TIMEOUT_SECONDS,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    """Pushes every scenario's results as its own group; returns the number of groups pushed.

    Every group is tried even when an earlier one failed; then one ``PushError`` names them all.
    """
    errors: list[str] = []
    backoff = BACKOFF_SECONDS if backoff_seconds is None else backoff_seconds
    groups = group_results(results, job)
    for group in groups:
        try:
            push_group(group, gateway, tries, backoff, timeout_seconds, sleep)
        except PushError as exc:
            errors.append(str(exc))
    if errors:
        raise PushError("\n".join(errors))
    return len(groups)


class PushgatewayExporter(Exporter):
    """``--pushgateway URL`` (with ``--job``). Not pushed for a cancelled run: a push replaces the
    group, so the journeys the run did not reach would vanish from it.

    Not an output of ``cxmon serve``: the Pushgateway is for batch jobs that end before they can be
    scraped. A long-running process pushing there hides its own death (the last push stays forever,
    with no ``up`` series to alert on) and turns one instance into a single point of failure;
    Prometheus scrapes serve's ``/metrics`` instead, or node_exporter reads ``--textfile``."""

    name = "pushgateway"
    flag = "--pushgateway"
    partial = False

    def check(self, target: str) -> str | None:
        try:
            check_gateway_url(target)
        except ValueError as exc:
            return f"{self.flag}: {exc}"
        return None

    def write(self, run: RunResult, target: str, context: ExportContext) -> str | None:
        try:
            push_results(run.journeys, target, context.job)
        except InfrastructureError as exc:
            return str(exc)
        return None
