"""cxmon's Grafana dashboards, built with grafana-foundation-sdk (Grafana 11 build).

Two dashboards: *Checkout overview* (can customers buy now, and what breaks where) and *Journey
detail* (one journey's steps against their budgets). Every query filters on the template
variables; none pads missing data (no ``or vector(0)``): an empty panel means no data, and its
"no value" text says so.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from grafana_foundation_sdk.builders import bargauge, prometheus, stat, statetimeline, table, timeseries
from grafana_foundation_sdk.builders import common as common_builders
from grafana_foundation_sdk.builders.dashboard import (
    Dashboard,
    DashboardLink,
    DatasourceVariable,
    QueryVariable,
    Row,
    TextBoxVariable,
    ThresholdsConfig,
)
from grafana_foundation_sdk.cog.encoder import JSONEncoder
from grafana_foundation_sdk.models import common
from grafana_foundation_sdk.models import prometheus as prometheus_models
from grafana_foundation_sdk.models.dashboard import (
    DashboardLinkType,
    DataSourceRef,
    DataTransformerConfig,
    DynamicConfigValue,
    Threshold,
    ThresholdsMode,
    ValueMap,
    ValueMappingResult,
    VariableOption,
    VariableRefresh,
    VariableSort,
)

from cxmon.model import Outcome, Stage
from tools.observability.alerts import DATASOURCE_UID, AlertParams

OVERVIEW_UID = "cxmon-overview"
JOURNEY_UID = "cxmon-journey"

DATASOURCE = DataSourceRef(type_val="prometheus", uid="${datasource}")
NO_DATA = "No data: no cxmon series match (runner down, not scraped, or nothing selected)"

_PASS_FAIL = [
    ValueMap(
        options={
            "0": ValueMappingResult(text="FAIL", color="red", index=0),
            "1": ValueMappingResult(text="PASS", color="green", index=1),
        }
    )
]
_RED_BELOW_ONE = (
    ThresholdsConfig()
    .mode(ThresholdsMode.ABSOLUTE)
    .steps([Threshold(color="red", value=None), Threshold(color="green", value=1)])
)


def _outcomes(keep: Callable[[Outcome], bool]) -> str:
    """A regex alternation of the ``result`` label values ``keep`` selects, e.g. ``pass|flaky``."""
    return "|".join(o.value for o in Outcome if keep(o))


def _thresholds(*steps: tuple[str, float | None]) -> ThresholdsConfig:
    return ThresholdsConfig().mode(ThresholdsMode.ABSOLUTE).steps([Threshold(color=c, value=v) for c, v in steps])


def _query(expr: str, legend: str = "", ref_id: str = "A") -> prometheus.Dataquery:
    """A range query for time series panels."""
    query = prometheus.Dataquery().expr(expr).ref_id(ref_id).range().datasource(DATASOURCE)
    return query.legend_format(legend) if legend else query


def _instant(expr: str, legend: str = "", ref_id: str = "A", *, table_format: bool = False) -> prometheus.Dataquery:
    """An instant query (value now) for stat, bar gauge and table panels."""
    query = prometheus.Dataquery().expr(expr).ref_id(ref_id).instant().datasource(DATASOURCE)
    if table_format:
        query = query.format(prometheus_models.PromQueryFormat.TABLE)
    return query.legend_format(legend) if legend else query


@dataclass(frozen=True)
class _Filters:
    """Label matchers built from the dashboard's template variables."""

    labels: tuple[str, ...]

    def __str__(self) -> str:
        return ", ".join(f'{label}=~"${label}"' for label in self.labels)

    def extra(self, matcher: str) -> str:
        return f"{self}, {matcher}"


def _datasource_variable() -> DatasourceVariable:
    return (
        DatasourceVariable("datasource")
        .label("Data source")
        .type("prometheus")
        .current(VariableOption(selected=True, text="cxmon Prometheus", value=DATASOURCE_UID))
        .description("The Prometheus that scrapes cxmon.")
    )


def _label_variable(name: str, label: str, depends_on: Iterable[str] = ()) -> QueryVariable:
    matchers = ", ".join(f'{dep}=~"${dep}"' for dep in depends_on)
    selector = f"cxmon_journey_success{{{matchers}}}" if matchers else "cxmon_journey_success"
    return (
        QueryVariable(name)
        .label(label)
        .datasource(DATASOURCE)
        .query(f"label_values({selector}, {name})")
        .refresh(VariableRefresh.ON_TIME_RANGE_CHANGED)
        .sort(VariableSort.ALPHABETICAL_ASC)
        .multi(True)
        .include_all(True)
        .all_value(".*")
        .current(VariableOption(selected=True, text="All", value="$__all"))
    )


def _job_variable(params: AlertParams) -> TextBoxVariable:
    return (
        TextBoxVariable("job")
        .label("cxmon scrape job (regex)")
        .default_value(params.job_regex)
        .current(VariableOption(selected=True, text=params.job_regex, value=params.job_regex))
        .description("The Prometheus job(s) that scrape cxmon runners, as in the CxmonStale alert.")
    )


def _link_to(other_title: str) -> DashboardLink:
    return (
        DashboardLink(other_title)
        .type(DashboardLinkType.DASHBOARDS)
        .tags(["cxmon"])
        .as_dropdown(False)
        .include_vars(True)
        .keep_time(True)
        .target_blank(False)
        .icon("dashboard")
        .tooltip("")
        .url("")
    )


class _Ids:
    """Stable panel ids in the order panels are added."""

    def __init__(self) -> None:
        self._next = 0

    def __call__(self) -> int:
        self._next += 1
        return self._next


def _render(dashboard: Dashboard) -> str:
    text = JSONEncoder(sort_keys=True, indent=2).encode(dashboard.build())
    # Re-dump through json for one canonical form whatever the encoder's spacing.
    return json.dumps(json.loads(text), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _revenue_stat(title: str, description: str, expr: str, legend: str, ids: _Ids) -> stat.Panel:
    return (
        stat.Panel()
        .id(ids())
        .title(title)
        .description(description)
        .datasource(DATASOURCE)
        .with_target(_instant(expr, legend))
        .unit("none")
        .decimals(0)
        .thresholds(_thresholds(("green", None), ("red", 0.000001)))
        .color_mode(common.BigValueColorMode.BACKGROUND)
        .graph_mode(common.BigValueGraphMode.NONE)
        .text_mode(common.BigValueTextMode.VALUE_AND_NAME)
        .reduce_options(common_builders.ReduceDataOptions().calcs(["lastNotNull"]).values(False))
        .no_value("No scenario states revenue:")
        .height(5)
        .span(8)
    )


def _revenue_row(dash: Dashboard, f: _Filters, ids: _Ids) -> Dashboard:
    """The top row: what the failures cost now, and journeys in planned maintenance."""
    # One journey checked from several locations stands for the same customers: max across
    # locations first, then sum per currency (never across currencies); markets add up.
    def per_currency(metric: str) -> str:
        return (
            f"sum by (currency) (\n  max by (scenario, market, payment_method, device, currency) ({metric}{{{f}}})\n)"
        )

    dash = dash.with_row(Row("What is it costing?").id(ids()))
    dash = dash.with_panel(_revenue_stat(
        "Revenue at risk now",
        "Estimated revenue per hour lost while journeys fail: each failing journey's payment method's "
        "and device's share of its scenario's revenue: (docs/revenue.md), per currency. 0: nothing "
        "that has a value fails.",
        per_currency("cxmon_revenue_at_risk_per_hour"), "{{currency}} / hour", ids,
    ))
    dash = dash.with_panel(_revenue_stat(
        "Lost in this incident",
        "Estimated revenue lost since each failing journey began failing (its rate integrated over "
        "the time since, hour-of-day profile included), summed per currency.",
        per_currency("cxmon_revenue_lost_in_incident"), "{{currency}}", ids,
    ))
    return dash.with_panel(
        stat.Panel()
        .id(ids())
        .title("Journeys in maintenance")
        .description(
            "Journeys in a maintenance window now (docs/maintenance.md): their runs are skipped or "
            "not counted and the shop alerts stay quiet for them."
        )
        .datasource(DATASOURCE)
        .with_target(_instant(f"sum by (scenario) (cxmon_maintenance{{{f}}})", "{{scenario}}"))
        .unit("none")
        .decimals(0)
        .thresholds(_thresholds(("green", None), ("blue", 1)))
        .color_mode(common.BigValueColorMode.BACKGROUND)
        .graph_mode(common.BigValueGraphMode.NONE)
        .text_mode(common.BigValueTextMode.VALUE_AND_NAME)
        .reduce_options(common_builders.ReduceDataOptions().calcs(["lastNotNull"]).values(False))
        .no_value(NO_DATA)
        .height(5)
        .span(8)
    )


def overview_dashboard(params: AlertParams | None = None) -> Dashboard:
    """*Checkout overview*: can customers buy now, what fails where, how fast, is cxmon alive."""
    params = params or AlertParams()
    f = _Filters(("scenario", "market", "location"))
    j = "scenario, market, payment_method, device, location"
    ids = _Ids()
    stale = float(params.stale_intervals)

    dash = (
        Dashboard("cxmon: Checkout overview")
        .uid(OVERVIEW_UID)
        .description("Synthetic checkout journeys run by cxmon: can customers buy now, and if not, where it breaks.")
        .tags(["cxmon", "checkout"])
        .editable()
        .refresh("1m")
        .time("now-6h", "now")
        .timezone("browser")
        .with_variable(_datasource_variable())
        .with_variable(_label_variable("scenario", "Scenario"))
        .with_variable(_label_variable("market", "Market", ["scenario"]))
        .with_variable(_label_variable("location", "Location", ["scenario", "market"]))
        .with_variable(_job_variable(params))
        .link(_link_to("cxmon dashboards"))
    )

    dash = _revenue_row(dash, f, ids)
    dash = dash.with_row(Row("Can customers buy now?").id(ids()))
    dash = dash.with_panel(
        stat.Panel()
        .id(ids())
        .title("Can customers buy now?")
        .description(
            "Per scenario, market and location: PASS when the last run of every payment method and device "
            "passed, FAIL when at least one failed. On FAIL, look at 'Failing steps' below and open "
            "the Journey detail dashboard for that scenario. No value means no data: check "
            "'Runner targets' and 'Time since last run'."
        )
        .datasource(DATASOURCE)
        .with_target(
            _instant(
                f"min by (scenario, market, location) (cxmon_journey_success{{{f}}})",
                "{{scenario}} · {{market}} · {{location}}",
            )
        )
        .unit("none")
        .mappings(_PASS_FAIL)
        .thresholds(_RED_BELOW_ONE)
        .color_mode(common.BigValueColorMode.BACKGROUND)
        .graph_mode(common.BigValueGraphMode.NONE)
        .text_mode(common.BigValueTextMode.VALUE_AND_NAME)
        .reduce_options(common_builders.ReduceDataOptions().calcs(["lastNotNull"]).values(False))
        .no_value(NO_DATA)
        .height(7)
        .span(12)
    )
    dash = dash.with_panel(
        stat.Panel()
        .id(ids())
        .title("Runner targets")
        .description(
            "Every cxmon process Prometheus scrapes (job matching $job). DOWN means the runner is "
            "gone or unreachable and nothing is watched from there: restart it and read its log. "
            "No value: Prometheus has no cxmon target at all; check the scrape configuration."
        )
        .datasource(DATASOURCE)
        .with_target(_instant('up{job=~"$job"}', "{{instance}}"))
        .unit("none")
        .mappings(
            [
                ValueMap(
                    options={
                        "0": ValueMappingResult(text="DOWN", color="red", index=0),
                        "1": ValueMappingResult(text="UP", color="green", index=1),
                    }
                )
            ]
        )
        .thresholds(_RED_BELOW_ONE)
        .color_mode(common.BigValueColorMode.BACKGROUND)
        .graph_mode(common.BigValueGraphMode.NONE)
        .reduce_options(common_builders.ReduceDataOptions().calcs(["lastNotNull"]).values(False))
        .no_value("No cxmon target: check the scrape configuration")
        .height(7)
        .span(4)
    )
    last_run = f"max by ({j}) (max_over_time(cxmon_journey_last_run_timestamp_seconds{{{f}}}[$__range]))"
    interval = f"max by ({j}) (max_over_time(cxmon_journey_interval_seconds{{{f}}}[$__range]))"
    dash = dash.with_panel(
        table.Panel()
        .id(ids())
        .title("Time since last run")
        .description(
            "Seconds since each journey last ran, and the same in multiples of its schedule "
            f"interval: yellow above 1.5 intervals, red above {params.stale_intervals} (the CxmonStale "
            "alert). A runner that died keeps its last row here, growing older. Red: check that "
            "the runner process is up and its log for a stuck browser."
        )
        .datasource(DATASOURCE)
        .with_target(_instant(f"time() - {last_run}", ref_id="A", table_format=True))
        .with_target(_instant(f"(time() - {last_run}) / {interval}", ref_id="B", table_format=True))
        .with_transformation(DataTransformerConfig(id_val="merge", options={}))
        .with_transformation(
            DataTransformerConfig(
                id_val="organize",
                options={
                    "excludeByName": {"Time": True},
                    "renameByName": {"Value #A": "Since last run", "Value #B": "Intervals"},
                },
            )
        )
        .unit("s")
        .thresholds(_thresholds(("green", None), ("yellow", 1.5), ("red", stale)))
        .override_by_name(
            "Intervals",
            [
                DynamicConfigValue(id_val="unit", value="x"),
                DynamicConfigValue(id_val="custom.cellOptions", value={"type": "color-background"}),
            ],
        )
        .sort_by([common_builders.TableSortByFieldState().display_name("Intervals").desc(True)])
        .no_value(NO_DATA)
        .height(7)
        .span(8)
    )

    dash = dash.with_row(Row("Success over time").id(ids()))
    passed = f.extra(f'result=~"{_outcomes(lambda o: o.passed)}"')
    failed = f.extra(f'result="{Outcome.FAIL}"')
    window = "$__rate_interval"
    verdict = f.extra(f'result=~"{_outcomes(lambda o: o not in (Outcome.ERROR, Outcome.MAINTENANCE))}"')
    dash = dash.with_panel(
        timeseries.Panel()
        .id(ids())
        .title("Success ratio")
        .description(
            "Share of runs that passed (pass or flaky) among runs that reached a verdict, per "
            "scenario. Runs where cxmon itself failed (result error) are left out: they say nothing "
            "about the shop. A drop: check 'Failures by kind' and 'Failing steps' for the same time."
        )
        .datasource(DATASOURCE)
        .with_target(
            _query(
                # A scenario that only failed has no pass series: count it as 0 passes, not as no data.
                "(\n"
                f"  sum by (scenario) (increase(cxmon_journey_runs_total{{{passed}}}[{window}]))\n"
                f"  or 0 * sum by (scenario) (increase(cxmon_journey_runs_total{{{failed}}}[{window}]))\n"
                ")\n"
                f"/ sum by (scenario) (increase(cxmon_journey_runs_total{{{verdict}}}[{window}]))",
                "{{scenario}}",
            )
        )
        .interval("2m")
        .unit("percentunit")
        .min(0)
        .max(1)
        .thresholds(_thresholds(("red", None), ("green", 1)))
        .no_value(NO_DATA)
        .height(8)
        .span(12)
    )
    dash = dash.with_panel(
        timeseries.Panel()
        .id(ids())
        .title("Runs by result")
        .description(
            "Journey runs per result. fail is a shop fault; error is cxmon's own trouble (no "
            "browser, crash): on error, read the runner's log, not the shop's."
        )
        .datasource(DATASOURCE)
        .with_target(
            _query(
                f"sum by (result) (increase(cxmon_journey_runs_total{{{f}}}[$__rate_interval]))",
                "{{result}}",
            )
        )
        .interval("2m")
        .unit("short")
        .draw_style(common.GraphDrawStyle.BARS)
        .fill_opacity(60)
        .stacking(common_builders.StackingConfig().mode(common.StackingMode.NORMAL))
        .no_value(NO_DATA)
        .height(8)
        .span(12)
    )

    dash = dash.with_row(Row("What fails, and where").id(ids()))
    for by, title, advice in (
        (
            "kind",
            "Failures by kind",
            "what the customer met (error page, hidden button, rejected payment...)",
        ),
        (
            "stage",
            "Failures by stage",
            f"where on the purchase path it broke ({', '.join(Stage)})",
        ),
    ):
        dash = dash.with_panel(
            timeseries.Panel()
            .id(ids())
            .title(title)
            .description(
                f"Failures per minute by {by}: {advice}. Find the step in 'Failing steps' and the "
                "evidence in the run's report."
            )
            .datasource(DATASOURCE)
            .with_target(
                _query(
                    f"60 * sum by ({by}) (rate(cxmon_failures_total{{{f}}}[$__rate_interval]))",
                    f"{{{{{by}}}}}",
                )
            )
            .interval("2m")
            .unit("opm")
            .draw_style(common.GraphDrawStyle.BARS)
            .fill_opacity(60)
            .stacking(common_builders.StackingConfig().mode(common.StackingMode.NORMAL))
            .no_value(NO_DATA)
            .height(8)
            .span(12)
        )
    dash = dash.with_panel(
        statetimeline.Panel()
        .id(ids())
        .title("Payment methods × scenarios")
        .description(
            "Last result per scenario and payment method over time (FAIL when any market, device or location "
            "failed). One payment method red while others are green: check that method's settings "
            "in the shop and at the payment provider."
        )
        .datasource(DATASOURCE)
        .with_target(
            _query(
                f"min by (scenario, payment_method) (cxmon_journey_success{{{f}}})",
                "{{scenario}} / {{payment_method}}",
            )
        )
        .unit("none")
        .mappings(_PASS_FAIL)
        .thresholds(_RED_BELOW_ONE)
        .show_value(common.VisibilityMode.NEVER)
        .merge_values(True)
        .no_value(NO_DATA)
        .height(8)
        .span(24)
    )
    dash = dash.with_panel(
        table.Panel()
        .id(ids())
        .title("Failing steps")
        .description(
            "Failures in the selected time range by scenario, step, stage and kind, most first. "
            "Start with the top row: open the run's report for its evidence (screenshot, URL, "
            "status, message)."
        )
        .datasource(DATASOURCE)
        .with_target(
            _instant(
                "sort_desc(\n  sum by (scenario, step, stage, kind) (\n"
                f"    increase(cxmon_failures_total{{{f}}}[$__range])\n  ) > 0\n)",
                table_format=True,
            )
        )
        .with_transformation(
            DataTransformerConfig(
                id_val="organize",
                options={"excludeByName": {"Time": True}, "renameByName": {"Value": "Failures"}},
            )
        )
        .unit("short")
        .decimals(0)
        .sort_by([common_builders.TableSortByFieldState().display_name("Failures").desc(True)])
        .no_value("No failures in the selected time range")
        .height(9)
        .span(24)
    )

    dash = dash.with_row(Row("Speed").id(ids()))
    dash = dash.with_panel(
        timeseries.Panel()
        .id(ids())
        .title("Journey duration p50 / p95")
        .description(
            "Whole-journey duration per scenario (median and 95th percentile over at least 5 "
            "minutes of runs). A rising p95: open the Journey detail dashboard and compare each "
            "step with its budget."
        )
        .datasource(DATASOURCE)
        .with_target(
            _query(
                "histogram_quantile(0.5, sum by (le, scenario) ("
                f"rate(cxmon_journey_duration_seconds_bucket{{{f}}}[$__rate_interval])))",
                "{{scenario}} p50",
                "A",
            )
        )
        .with_target(
            _query(
                "histogram_quantile(0.95, sum by (le, scenario) ("
                f"rate(cxmon_journey_duration_seconds_bucket{{{f}}}[$__rate_interval])))",
                "{{scenario}} p95",
                "B",
            )
        )
        .interval("5m")
        .unit("s")
        .no_value(NO_DATA)
        .height(8)
        .span(24)
    )
    return dash


def journey_dashboard(params: AlertParams | None = None) -> Dashboard:
    """*Journey detail*: one journey's steps against their budgets, page speed, and failures."""
    params = params or AlertParams()
    f = _Filters(("scenario", "market", "location", "device", "payment_method"))
    ids = _Ids()
    q = params.slow_quantile

    dash = (
        Dashboard("cxmon: Journey detail")
        .uid(JOURNEY_UID)
        .description("One checkout journey, step by step: speed against budget, page LCP, and failures.")
        .tags(["cxmon", "checkout"])
        .editable()
        .refresh("1m")
        .time("now-6h", "now")
        .timezone("browser")
        .with_variable(_datasource_variable())
        .with_variable(_label_variable("scenario", "Scenario"))
        .with_variable(_label_variable("market", "Market", ["scenario"]))
        .with_variable(_label_variable("location", "Location", ["scenario", "market"]))
        .with_variable(_label_variable("device", "Device", ["scenario", "market", "location"]))
        .with_variable(
            _label_variable("payment_method", "Payment method", ["scenario", "market", "location", "device"])
        )
        .link(_link_to("cxmon dashboards"))
    )

    dash = dash.with_row(Row("Result").id(ids()))
    dash = dash.with_panel(
        statetimeline.Panel()
        .id(ids())
        .title("Journey result")
        .description(
            "Result of the last run of each selected journey over time. FAIL: find the step and kind "
            "in 'Failures by step and kind' below; a gap means no data (runner down or not scraped)."
        )
        .datasource(DATASOURCE)
        .with_target(
            _query(
                f"min by (scenario, market, payment_method, device, location) (cxmon_journey_success{{{f}}})",
                "{{scenario}} · {{market}} · {{payment_method}} · {{device}} · {{location}}",
            )
        )
        .unit("none")
        .mappings(_PASS_FAIL)
        .thresholds(_RED_BELOW_ONE)
        .show_value(common.VisibilityMode.NEVER)
        .merge_values(True)
        .no_value(NO_DATA)
        .height(8)
        .span(24)
    )

    dash = dash.with_row(Row("Speed per step").id(ids()))
    dash = dash.with_panel(
        timeseries.Panel()
        .id(ids())
        .title("Step p95 vs budget")
        .description(
            "95th percentile duration of each step (solid) against the step's budget (dashed). A "
            "solid line above its dashed line is what the CxmonStepSlow alert warns about: check the "
            "step's LCP below and the shop's response times for that page."
        )
        .datasource(DATASOURCE)
        .with_target(
            _query(
                f"histogram_quantile({q}, sum by (le, scenario, step) ("
                f"rate(cxmon_step_duration_seconds_bucket{{{f}}}[$__rate_interval])))",
                "{{scenario}} {{step}} p95",
                "A",
            )
        )
        .with_target(
            _query(
                f"max by (scenario, step) (cxmon_step_budget_seconds{{{f}}})",
                "{{scenario}} {{step}} budget",
                "B",
            )
        )
        .override_by_query(
            "B",
            [DynamicConfigValue(id_val="custom.lineStyle", value={"fill": "dash", "dash": [10, 10]})],
        )
        .interval("5m")
        .unit("s")
        .no_value(NO_DATA)
        .height(9)
        .span(16)
    )
    dash = dash.with_panel(
        bargauge.Panel()
        .id(ids())
        .title("Step p95 as a share of budget")
        .description(
            "Each step's 95th percentile over the selected time range divided by its budget: "
            "above 100% the step is slower than the shop promised. Fix the reddest step first."
        )
        .datasource(DATASOURCE)
        .with_target(
            _instant(
                f"histogram_quantile({q}, sum by (le, scenario, step) ("
                f"rate(cxmon_step_duration_seconds_bucket{{{f}}}[$__range])))\n"
                f"/ on (scenario, step)\nmax by (scenario, step) (cxmon_step_budget_seconds{{{f}}})",
                "{{scenario}} {{step}}",
            )
        )
        .unit("percentunit")
        .min(0)
        .thresholds(_thresholds(("green", None), ("yellow", 0.8), ("red", 1)))
        .display_mode(common.BarGaugeDisplayMode.GRADIENT)
        .orientation(common.VizOrientation.HORIZONTAL)
        .reduce_options(common_builders.ReduceDataOptions().calcs(["lastNotNull"]).values(False))
        .no_value(NO_DATA)
        .height(9)
        .span(8)
    )
    dash = dash.with_panel(
        timeseries.Panel()
        .id(ids())
        .title("LCP per step (p75)")
        .description(
            "Largest Contentful Paint of the page each step lands on, 75th percentile as in Core "
            "Web Vitals: good below 2.5 s, poor above 4 s (the dashed lines). A poor LCP: check the "
            "page's largest image or text block and its server response time."
        )
        .datasource(DATASOURCE)
        .with_target(
            _query(
                "histogram_quantile(0.75, sum by (le, scenario, step) ("
                f"rate(cxmon_page_lcp_seconds_bucket{{{f}}}[$__rate_interval])))",
                "{{scenario}} {{step}}",
            )
        )
        .interval("5m")
        .unit("s")
        .thresholds(_thresholds(("green", None), ("yellow", 2.5), ("red", 4)))
        .thresholds_style(common_builders.GraphThresholdsStyleConfig().mode(common.GraphThresholdsStyleMode.DASHED))
        .no_value(NO_DATA)
        .height(8)
        .span(12)
    )
    dash = dash.with_panel(
        timeseries.Panel()
        .id(ids())
        .title("Journey duration p95")
        .description(
            "Whole-journey 95th percentile per market, payment method, device and location. One device or "
            "location much slower than the others points at that browser profile or network path."
        )
        .datasource(DATASOURCE)
        .with_target(
            _query(
                "histogram_quantile(0.95, sum by (le, market, payment_method, device, location) ("
                f"rate(cxmon_journey_duration_seconds_bucket{{{f}}}[$__rate_interval])))",
                "{{market}} · {{payment_method}} · {{device}} · {{location}}",
            )
        )
        .interval("5m")
        .unit("s")
        .no_value(NO_DATA)
        .height(8)
        .span(12)
    )

    dash = dash.with_row(Row("Failures").id(ids()))
    dash = dash.with_panel(
        timeseries.Panel()
        .id(ids())
        .title("Failures by step and kind")
        .description(
            "Failures per minute by step and kind. The first failing step of a run is usually the "
            "cause; later steps are skipped. Open the run's report for the evidence."
        )
        .datasource(DATASOURCE)
        .with_target(
            _query(
                f"60 * sum by (step, kind) (rate(cxmon_failures_total{{{f}}}[$__rate_interval]))",
                "{{step}} · {{kind}}",
            )
        )
        .interval("2m")
        .unit("opm")
        .draw_style(common.GraphDrawStyle.BARS)
        .fill_opacity(60)
        .stacking(common_builders.StackingConfig().mode(common.StackingMode.NORMAL))
        .no_value(NO_DATA)
        .height(8)
        .span(12)
    )
    dash = dash.with_panel(
        table.Panel()
        .id(ids())
        .title("Failures in range by step and kind")
        .description(
            "Failures in the selected time range per step, kind and journey, most first. The "
            "runbook (docs/runbook.md) says what to check first for each kind."
        )
        .datasource(DATASOURCE)
        .with_target(
            _instant(
                "sort_desc(\n  sum by (step, stage, kind, market, payment_method, device, location) (\n"
                f"    increase(cxmon_failures_total{{{f}}}[$__range])\n  ) > 0\n)",
                table_format=True,
            )
        )
        .with_transformation(
            DataTransformerConfig(
                id_val="organize",
                options={"excludeByName": {"Time": True}, "renameByName": {"Value": "Failures"}},
            )
        )
        .unit("short")
        .decimals(0)
        .sort_by([common_builders.TableSortByFieldState().display_name("Failures").desc(True)])
        .no_value("No failures in the selected time range")
        .height(8)
        .span(12)
    )
    return dash


def render_dashboards(params: AlertParams | None = None) -> dict[str, str]:
    """File name → dashboard JSON text, for ``grafana/dashboards/``."""
    return {
        f"{OVERVIEW_UID}.json": _render(overview_dashboard(params)),
        f"{JOURNEY_UID}.json": _render(journey_dashboard(params)),
    }
