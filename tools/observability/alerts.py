"""cxmon's alerts: one definition, rendered as Prometheus rules and as Grafana-managed rules.

Every alert is an :class:`AlertRule` in :data:`ALERTS`. Its expression and durations come from
:class:`AlertParams`, so a test (or a user with a faster schedule) can render the same alerts with
short windows::

    from tools.observability.alerts import AlertParams, render_prometheus_rules
    rules = render_prometheus_rules(AlertParams.short())

Each expression is a *filter*: it returns exactly the series that should alert, so Prometheus and
Grafana fire for every series it yields, whatever its value.

Alerts page on ``fail`` (the shop is broken), never on ``error`` (cxmon is broken): the monitor's
own trouble has a ticket-level alert, :data:`ALERTS` ``CxmonRunnerErrors``.

No alert about the shop fires for a journey in a maintenance window (``cxmon_maintenance == 1``),
and staleness tolerates the runs a window skipped (docs/maintenance.md).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from cxmon.model import Outcome
from tools.observability.contract import JOURNEY_LABELS, STEP_LABELS

DATASOURCE_UID = "cxmon-prometheus"
"""The uid of the provisioned Prometheus datasource that Grafana-managed rules and dashboards use."""

GRAFANA_FOLDER = "cxmon"

J = ", ".join(JOURNEY_LABELS)
S = ", ".join(STEP_LABELS)


class Severity(StrEnum):
    """How urgently a human must act: ``page`` now, ``ticket`` in working hours, ``warning`` on a look."""

    PAGE = "page"
    TICKET = "ticket"
    WARNING = "warning"


_DURATION = re.compile(r"^(\d+(ms|s|m|h|d|w|y))+$")


@dataclass(frozen=True)
class AlertParams:
    """The tunable parts of the alerts. Durations use Prometheus' syntax (``90s``, ``5m``, ``1h``)."""

    failing_for: str = "2m"
    """CxmonJourneyFailing waits this long: about (N - 1) x the schedule for N failed runs in a row."""
    min_locations: int = 2
    """CxmonJourneyFailingInManyLocations: at least this many locations fail the same journey."""
    many_locations_for: str = "1m"
    failure_window: str = "10m"
    """The window of ``increase(cxmon_failures_total[...])`` for the alerts on one failure kind."""
    failure_for: str = "0s"
    keep_firing_for: str = "10m"
    """The failure alerts keep firing this long after they clear, so a flapping shop pages once."""
    slow_quantile: float = 0.95
    slow_window: str = "30m"
    slow_for: str = "15m"
    stale_intervals: int = 3
    """CxmonStale: no run for this many of the journey's own schedule intervals."""
    stale_for: str = "2m"
    job_regex: str = "cxmon.*"
    """The scrape job(s) of cxmon runners, for the dead-target part of CxmonStale."""
    runner_error_window: str = "30m"
    runner_errors_for: str = "0s"
    config_reload_for: str = "10m"
    revenue_threshold: float = 1000.0
    """CxmonRevenueAtRisk: revenue per hour at risk in one scenario and currency above this pages.
    One number for every currency: render the rules per currency (or edit the rule) when they differ."""
    revenue_for: str = "2m"
    maintenance_grace: str = "5m"
    """CxmonStale ignores a journey that was in a maintenance window this recently: its runs were
    skipped, and the first run after the window needs a moment to land."""
    group_interval: str | None = None
    """Evaluation interval of the rule groups; ``None`` uses Prometheus' global one (Grafana: 1m)."""
    runbook_url: str = "docs/runbook.md"
    """Base of the ``runbook_url`` annotation; set it to the runbook's address in your repository."""
    datasource_uid: str = DATASOURCE_UID

    def __post_init__(self) -> None:
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if (field.name.endswith(("_for", "_window", "_grace")) or field.name == "group_interval") and (
                value is not None and not _DURATION.match(value)
            ):
                raise ValueError(f"{field.name}={value!r} is not a Prometheus duration")
        if self.min_locations < 1 or self.stale_intervals < 1:
            raise ValueError("min_locations and stale_intervals must be at least 1")
        if not 0 < self.slow_quantile < 1:
            raise ValueError("slow_quantile must be between 0 and 1")

    @classmethod
    def short(cls) -> AlertParams:
        """Durations for rule unit tests and end-to-end tests with schedules of seconds."""
        return cls(
            failing_for="0s",
            many_locations_for="0s",
            failure_window="1m",
            failure_for="0s",
            keep_firing_for="1m",
            slow_window="1m",
            slow_for="0s",
            stale_for="0s",
            runner_error_window="1m",
            runner_errors_for="0s",
            config_reload_for="0s",
            maintenance_grace="1m",
            revenue_for="0s",
            group_interval="5s",
        )

    def with_overrides(self, overrides: dict[str, str]) -> AlertParams:
        """A copy with fields replaced from ``NAME=VALUE`` strings (converted to the field's type)."""
        types = {field.name: field.type for field in dataclasses.fields(self)}
        changes: dict[str, Any] = {}
        for name, raw in overrides.items():
            if name not in types:
                raise ValueError(f"unknown alert parameter {name!r}; known: {', '.join(sorted(types))}")
            kind = types[name]
            if kind == "int":
                changes[name] = int(raw)
            elif kind == "float":
                changes[name] = float(raw)
            elif kind == "str | None":
                changes[name] = raw or None
            else:
                changes[name] = raw
        return dataclasses.replace(self, **changes)


@dataclass(frozen=True)
class AlertRule:
    """One alert, written once.

    ``expr`` builds the PromQL filter from the parameters. ``summary`` and ``description`` are
    alert templates (``{{ $labels.scenario }}``, ``{{ $value }}``); ``<<name>>`` inserts a parameter.
    """

    name: str
    group: str
    severity: Severity
    expr: Callable[[AlertParams], str]
    for_param: str
    summary: str
    description: str
    keep_firing: bool = False

    @property
    def uid(self) -> str:
        """A stable Grafana uid (at most 40 characters) derived from the name."""
        return "cxmon-" + re.sub(r"(?<!^)(?=[A-Z])", "-", self.name.removeprefix("Cxmon")).lower()

    @property
    def runbook_anchor(self) -> str:
        """The GitHub-style anchor of the alert's section in docs/runbook.md."""
        return self.name.lower()


NOT_IN_MAINTENANCE = f"unless on ({J}) cxmon_maintenance == 1"
"""Appended to every alert about the shop: a journey in a maintenance window pages nobody."""


def _failures_of_kind(kind: str) -> Callable[[AlertParams], str]:
    def expr(p: AlertParams) -> str:
        return (
            f'sum by ({S}, kind) (\n  increase(cxmon_failures_total{{kind="{kind}"}}[{p.failure_window}])\n) > 0\n'
            + NOT_IN_MAINTENANCE
        )

    return expr


NOT_AN_OUTAGE = ("out_of_stock", "blocked")
"""Failure kinds that are not the shop's outage: a product out of stock (merchandising) and the shop's
bot defences stopping the monitor (whoever runs the WAF/CDN). They have their own ticket-level
alerts and do not page the shop's on-call through the journey alerts."""
_NOT_AN_OUTAGE_RE = "|".join(NOT_AN_OUTAGE)


def _only_non_outage_failures(p: AlertParams) -> str:
    """Journeys whose every failure in the window is of a kind in :data:`NOT_AN_OUTAGE`."""
    return (
        f'(\n  sum by ({J}) (increase(cxmon_failures_total{{kind=~"{_NOT_AN_OUTAGE_RE}"}}[{p.failure_window}])) > 0\n'
        f"  unless on ({J})\n"
        f'  sum by ({J}) (increase(cxmon_failures_total{{kind!~"{_NOT_AN_OUTAGE_RE}"}}[{p.failure_window}])) > 0\n)'
    )


def _failing_journeys(p: AlertParams) -> str:
    """Failing journeys, except those failing only because of a kind that is not an outage."""
    return f"cxmon_journey_success == 0\nunless on ({J})\n{_only_non_outage_failures(p)}\n{NOT_IN_MAINTENANCE}"


_WHERE = (
    "scenario {{ $labels.scenario }}, payment method {{ $labels.payment_method }}, "
    "device {{ $labels.device }}, location {{ $labels.location }}, market {{ $labels.market }}"
)
_STEP = "step {{ $labels.step }} (stage {{ $labels.stage }})"
_COUNT = '{{ printf "%.0f" $value }}'
_FAILURES = "about " + _COUNT + " failure(s) of kind {{ $labels.kind }} in the last <<failure_window>>"


def _kind_alert(name: str, kind: str, severity: Severity, summary: str, what: str, then: str) -> AlertRule:
    """A shop alert on failures of one kind: says what the customer met, where, how often, and
    what to check first."""
    return AlertRule(
        name=name,
        group="cxmon-shop",
        severity=severity,
        expr=_failures_of_kind(kind),
        for_param="failure_for",
        keep_firing=True,
        summary=summary,
        description=f"{what} at {_STEP} of {_WHERE}: {_FAILURES}. {then}",
    )


ALERTS: tuple[AlertRule, ...] = (
    AlertRule(
        name="CxmonJourneyFailing",
        group="cxmon-shop",
        severity=Severity.PAGE,
        # A product out of stock or the shop's bot defences are not an outage: their own alerts say so.
        expr=_failing_journeys,
        for_param="failing_for",
        keep_firing=True,
        summary="Checkout journey {{ $labels.scenario }} fails "
        "({{ $labels.market }}, {{ $labels.payment_method }}, {{ $labels.device }}, {{ $labels.location }})",
        description="Every run of " + _WHERE + " has failed for at least <<failing_for>>: "
        "customers on this path probably cannot buy. Check first: the failing step and kind in "
        "'Failing steps' on the cxmon overview dashboard (scenario {{ $labels.scenario }}), "
        "then the evidence of the last failed run in cxmon's report.",
    ),
    AlertRule(
        name="CxmonJourneyFailingInManyLocations",
        group="cxmon-shop",
        severity=Severity.PAGE,
        # Markets are different shops' customers, not more places to look from: kept apart.
        expr=lambda p: (
            f"count by (scenario, market, payment_method, device) (\n  {_failing_journeys(p)}\n) >= {p.min_locations}"
        ),
        for_param="many_locations_for",
        keep_firing=True,
        summary="Checkout journey {{ $labels.scenario }} fails in {{ $value }} locations "
        "({{ $labels.market }}, {{ $labels.payment_method }}, {{ $labels.device }})",
        description="Scenario {{ $labels.scenario }} in market {{ $labels.market }} with payment method "
        "{{ $labels.payment_method }} on {{ $labels.device }} fails in {{ $value }} locations at once "
        "(threshold <<min_locations>>): the shop itself is broken, not one network path. Check first: "
        "the shop's recent deploys and configuration changes, and the failing step and kind on the cxmon "
        "overview dashboard.",
    ),
    AlertRule(
        name="CxmonRevenueAtRisk",
        group="cxmon-shop",
        severity=Severity.PAGE,
        # A journey checked from several locations stands for the same customers: the max across
        # locations, then the sum over markets, payment methods and devices (each its own
        # customers); currencies are never added up.
        expr=lambda p: (
            "sum by (scenario, currency) (\n"
            "  max by (scenario, market, payment_method, device, currency) (\n"
            f"    cxmon_revenue_at_risk_per_hour\n    {NOT_IN_MAINTENANCE}\n"
            "  )\n"
            f") > {p.revenue_threshold:g}"
        ),
        for_param="revenue_for",
        keep_firing=True,
        summary='About {{ printf "%.0f" $value }} {{ $labels.currency }}/h of revenue at risk in '
        "{{ $labels.scenario }}",
        description="Failing journeys of scenario {{ $labels.scenario }} stand for about "
        '{{ printf "%.0f" $value }} {{ $labels.currency }} of revenue per hour (their payment methods\' and '
        "devices' share of the scenario's revenue:), above the threshold of <<revenue_threshold>>. "
        "Check first: 'Revenue at risk now' and 'Failing steps' on the cxmon overview dashboard, "
        "which say which payment method or device is down, then the alert of that failure.",
    ),
    _kind_alert(
        "CxmonPaymentRejected",
        "payment_rejected",
        Severity.PAGE,
        summary="Payment method {{ $labels.payment_method }} rejected in {{ $labels.scenario }}",
        what="The shop declined or did not offer payment method {{ $labels.payment_method }}",
        then="Customers paying this way cannot buy. Check first: the payment method's settings in the shop "
        "and at the payment provider (enabled, currency, country, amount limits, credentials), then the "
        "decline text in the run's evidence.",
    ),
    _kind_alert(
        "CxmonOrderConfirmationMissing",
        "confirmation_missing",
        Severity.PAGE,
        summary="Orders placed without confirmation in {{ $labels.scenario }} ({{ $labels.payment_method }})",
        what="An order was placed but no confirmation page or order number appeared",
        then="Customers may have paid without an order; expect duplicate orders and support calls. "
        "Check first: the order backend and the payment provider's return/callback to the shop.",
    ),
    # A ticket, not a page: an error page that blocks the purchase fails the journey and pages
    # through CxmonJourneyFailing; this alert adds where it happened and also catches error
    # pages and failed own-origin requests that a customer could still get past.
    _kind_alert(
        "CxmonErrorPages",
        "error_page",
        Severity.TICKET,
        summary="Error pages at step {{ $labels.step }} of {{ $labels.scenario }}",
        what="The shop showed an error page, an error message, an uncaught script error or a failed request "
        "of its own origin",
        then="Check first: the status and URL in the run's evidence, then the shop's server logs for that "
        "URL and time.",
    ),
    # Not an outage: the shop works, this journey's product cannot be bought. Whoever owns the
    # catalogue (or the scenario) acts in working hours; the shop's on-call is not paged.
    _kind_alert(
        "CxmonProductOutOfStock",
        "out_of_stock",
        Severity.TICKET,
        summary="The product of {{ $labels.scenario }} cannot be bought (out of stock)",
        what="The product the journey buys is out of stock, sold out or discontinued",
        then="The journey cannot check the rest of the purchase path. Check first: the product and its "
        "availability in the run's evidence; restock it or point the scenario at a product that is "
        "always in stock.",
    ),
    # Not the shop's outage: a bot defence (WAF, CDN, captcha) or a rate limit stops the
    # monitor; whoever runs those defences acts, and checks whether customers are hit too.
    _kind_alert(
        "CxmonMonitorBlocked",
        "blocked",
        Severity.TICKET,
        summary="Bot defences block {{ $labels.scenario }} at step {{ $labels.step }}",
        what="The shop answered with a bot challenge, a captcha, a block page or HTTP 429",
        then="The purchase path is not being checked. Check first: the WAF/CDN bot rules and rate limits "
        "(allow the monitor by its identifying header or address), then whether real customers meet the "
        "same challenge.",
    ),
    AlertRule(
        name="CxmonStepSlow",
        group="cxmon-shop",
        severity=Severity.WARNING,
        expr=lambda p: (
            f"histogram_quantile({p.slow_quantile}, sum by (le, {S}) (\n"
            f"  rate(cxmon_step_duration_seconds_bucket[{p.slow_window}])\n"
            f"))\n> on ({S})\n"
            f"max by ({S}) (cxmon_step_budget_seconds)\n"
            + NOT_IN_MAINTENANCE
        ),
        for_param="slow_for",
        summary="Step {{ $labels.step }} of {{ $labels.scenario }} is slower than its budget",
        description="The <<slow_quantile>> quantile of " + _STEP + " over <<slow_window>> is "
        "{{ $value | humanizeDuration }}, above the step's budget (" + _WHERE + "). Check first: "
        "'Step p95 vs budget' and 'LCP per step' on the cxmon journey dashboard, then the shop's "
        "response times and recent front-end changes for that page.",
    ),
    AlertRule(
        name="CxmonStale",
        group="cxmon-runner",
        severity=Severity.PAGE,
        # Three ways the checkout goes unwatched: the runner is up but its journeys stopped running
        # (or a push stopped arriving); the runner's target is down (killed: its series go stale,
        # so the first leg sees nothing); or no cxmon target is known to Prometheus at all.
        expr=lambda p: (
            "(\n"
            "  time() - cxmon_journey_last_run_timestamp_seconds\n"
            f"    > {p.stale_intervals} * cxmon_journey_interval_seconds\n"
            f"  unless on ({J}) max_over_time(cxmon_maintenance[{p.maintenance_grace}]) == 1\n"
            ")\n"
            f'or up{{job=~"{p.job_regex}"}} == 0\n'
            f'or absent(up{{job=~"{p.job_regex}"}})'
        ),
        for_param="stale_for",
        summary="cxmon is not watching the checkout"
        "{{ if $labels.scenario }} ({{ $labels.scenario }}, {{ $labels.market }}, {{ $labels.location }}){{ end }}",
        description="{{ if $labels.scenario }}Journey " + _WHERE + " has not run for "
        "{{ $value | humanizeDuration }}, more than <<stale_intervals>> of its intervals. Check first: "
        "the runner's log and its scheduler (stuck browser, full queue), or the cron/push job if it "
        "pushes to a Pushgateway."
        "{{ else if $labels.instance }}The cxmon target {{ $labels.instance }} (job {{ $labels.job }}) "
        "cannot be scraped: the runner process is gone or unreachable, so no journey is watched "
        "from there. Check first: whether the process or container is running and why it stopped."
        "{{ else }}Prometheus knows no target of job <<job_regex>>: nothing watches the checkout. "
        "Check first: the scrape configuration and service discovery.{{ end }}",
    ),
    AlertRule(
        name="CxmonRunnerErrors",
        group="cxmon-runner",
        # Never a page: an error is cxmon's own fault (no browser, crash), not the shop's.
        severity=Severity.TICKET,
        expr=lambda p: (
            f"sum by ({J}) (\n"
            f'  increase(cxmon_journey_runs_total{{result="{Outcome.ERROR}"}}[{p.runner_error_window}])\n'
            ") > 0"
        ),
        for_param="runner_errors_for",
        summary="cxmon could not run {{ $labels.scenario }} ({{ $labels.market }}, {{ $labels.location }})",
        description=(
            f"cxmon itself could not complete about {_COUNT} run(s) of {_WHERE} in the last "
            "<<runner_error_window>> (result error: no browser, browser crash, disk full). The shop "
            "was not checked on those runs. Check first: the runner's log and the 'infrastructure' "
            "findings in its report, then free disk and memory on the runner host."
        ),
    ),
    AlertRule(
        name="CxmonConfigReloadFailed",
        group="cxmon-runner",
        severity=Severity.TICKET,
        expr=lambda p: "cxmon_config_last_reload_successful == 0",
        for_param="config_reload_for",
        summary="cxmon on {{ $labels.instance }} rejected its new scenario files",
        description="The last configuration reload of the cxmon runner {{ $labels.instance }} failed; "
        "it keeps running the previous scenarios. Check first: `cxmon validate` on the scenario "
        "files, which names the file and line.",
    ),
)


def alert_names() -> list[str]:
    """The names of all alerts, in definition order."""
    return [alert.name for alert in ALERTS]


_PARAM_TOKEN = re.compile(r"<<(\w+)>>")


def _fill(text: str, params: AlertParams) -> str:
    def value(match: re.Match[str]) -> str:
        found = getattr(params, match.group(1))
        return f"{found:g}" if isinstance(found, float) else str(found)

    return _PARAM_TOKEN.sub(value, text)


def _annotations(alert: AlertRule, params: AlertParams) -> dict[str, str]:
    return {
        "summary": _fill(alert.summary, params),
        "description": _fill(alert.description, params),
        "runbook_url": f"{params.runbook_url}#{alert.runbook_anchor}",
    }


def _groups() -> list[str]:
    return list(dict.fromkeys(alert.group for alert in ALERTS))


def render_prometheus_rules(params: AlertParams | None = None) -> dict[str, Any]:
    """The Prometheus rules file (``groups:``) as plain data."""
    params = params or AlertParams()
    groups = []
    for group in _groups():
        rules = []
        for alert in (a for a in ALERTS if a.group == group):
            rule: dict[str, Any] = {
                "alert": alert.name,
                "expr": alert.expr(params),
                "for": getattr(params, alert.for_param),
            }
            if alert.keep_firing:
                rule["keep_firing_for"] = params.keep_firing_for
            rule["labels"] = {"severity": str(alert.severity)}
            rule["annotations"] = _annotations(alert, params)
            rules.append(rule)
        entry: dict[str, Any] = {"name": group}
        if params.group_interval:
            entry["interval"] = params.group_interval
        entry["rules"] = rules
        groups.append(entry)
    return {"groups": groups}


def _grafana_template(text: str) -> str:
    # Grafana's $value holds every query's labels and values; $values.A.Value is the query's value.
    return re.sub(r"\$value\b", "$values.A.Value", text)


def render_grafana_alerting(params: AlertParams | None = None) -> dict[str, Any]:
    """The same alerts as Grafana-managed rules, in Grafana's file-provisioning format.

    Query A is the PromQL filter (instant); B reduces it to one number per series; C fires for
    every series A returns (``is_number``), mirroring Prometheus. No data means nothing to alert
    on, so ``noDataState`` is OK: CxmonStale is the alert for missing data.
    """
    params = params or AlertParams()
    expr_datasource = {"type": "__expr__", "uid": "__expr__"}
    groups = []
    for group in _groups():
        rules = []
        for alert in (a for a in ALERTS if a.group == group):
            annotations = {key: _grafana_template(value) for key, value in _annotations(alert, params).items()}
            rules.append(
                {
                    "uid": alert.uid,
                    "title": alert.name,
                    "condition": "C",
                    "data": [
                        {
                            "refId": "A",
                            "relativeTimeRange": {"from": 600, "to": 0},
                            "datasourceUid": params.datasource_uid,
                            "model": {
                                "refId": "A",
                                "expr": alert.expr(params),
                                "instant": True,
                                "range": False,
                                "intervalMs": 1000,
                                "maxDataPoints": 43200,
                            },
                        },
                        {
                            "refId": "B",
                            "datasourceUid": "__expr__",
                            "model": {
                                "refId": "B",
                                "type": "reduce",
                                "expression": "A",
                                "reducer": "last",
                                "settings": {"mode": "dropNN"},
                                "datasource": expr_datasource,
                            },
                        },
                        {
                            "refId": "C",
                            "datasourceUid": "__expr__",
                            "model": {
                                "refId": "C",
                                "type": "math",
                                "expression": "is_number($B)",
                                "datasource": expr_datasource,
                            },
                        },
                    ],
                    "noDataState": "OK",
                    "execErrState": "Error",
                    "for": getattr(params, alert.for_param),
                    "labels": {"severity": str(alert.severity)},
                    "annotations": annotations,
                    "isPaused": False,
                }
            )
        groups.append(
            {
                "orgId": 1,
                "name": group,
                "folder": GRAFANA_FOLDER,
                "interval": params.group_interval or "1m",
                "rules": rules,
            }
        )
    return {"apiVersion": 1, "groups": groups}
