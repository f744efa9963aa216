"""Every dashboard query and alert expression runs on a real Prometheus (Debian's binary).

The TSDB is filled beforehand with an hour of cxmon-shaped data (``promtool tsdb
create-blocks-from openmetrics``): two payment methods in two locations, invoice rejected in the
last ten minutes. So a query must not only parse: each panel must find data, and the rules must
evaluate without errors and fire where the data says they should.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator

import pytest

from tests.promstack import PromProcess, PromStackError, find_binary, start_prometheus
from tests.rules import queries
from tools.observability.alerts import ALERTS, AlertParams, render_prometheus_rules
from tools.observability.generate import dump_yaml

pytestmark = pytest.mark.prometheus

STEP_SECONDS = 30
HOUR = 3600
SCENARIO = "demo-checkout"
METHODS = ("card", "invoice")
LOCATIONS = ("hel", "fra")
DEVICE = "Desktop Chrome"
STEPS = (("home", "browse"), ("pay", "payment"), ("confirmation", "confirmation"))
REJECTED_SINCE = 600  # invoice is rejected in the last ten minutes


def _labels(**labels: str) -> str:
    return ",".join(f'{key}="{value}"' for key, value in labels.items())


def synthetic_openmetrics(end: int) -> str:
    """One hour of runs, one a minute, sampled every 30 s, ending at ``end``."""
    times = list(range(end - HOUR, end + 1, STEP_SECONDS))
    families: dict[str, tuple[str, list[str]]] = {}

    def add(family: str, kind: str, line: str) -> None:
        families.setdefault(family, (kind, []))[1].append(line)

    def histogram(family: str, labels: str, bounds: tuple[str, ...], value: float, runs: list[int]) -> None:
        for bound in bounds:
            fits = bound == "+Inf" or value <= float(bound)
            for t, n in zip(times, runs, strict=True):
                add(family, "histogram", f'{family}_bucket{{{labels},le="{bound}"}} {n if fits else 0} {t}')
        for t, n in zip(times, runs, strict=True):
            add(family, "histogram", f"{family}_count{{{labels}}} {n} {t}")
        for t, n in zip(times, runs, strict=True):
            add(family, "histogram", f"{family}_sum{{{labels}}} {n * value} {t}")

    for location in LOCATIONS:
        target = _labels(job="cxmon", instance=f"{location}:9464")
        for t in times:
            add("up", "gauge", f"up{{{target}}} 1 {t}")
            add(
                "cxmon_config_last_reload_successful", "gauge", f"cxmon_config_last_reload_successful{{{target}}} 1 {t}"
            )
        for method in METHODS:
            journey = _labels(scenario=SCENARIO, payment_method=method, device=DEVICE, location=location, market="fi")
            journey = f"{journey},{target}"
            failing = [method == "invoice" and t > end - REJECTED_SINCE for t in times]
            runs = [(t - times[0]) // 60 + 1 for t in times]
            fails = [
                sum(1 for s in times[: i + 1] if s % 60 == 0 and failing[times.index(s)]) for i in range(len(times))
            ]
            passes = [r - f for r, f in zip(runs, fails, strict=True)]
            for result, counts in (("pass", passes), ("fail", fails), ("error", [0] * len(times))):
                for t, n in zip(times, counts, strict=True):
                    add(
                        "cxmon_journey_runs",
                        "counter",
                        f'cxmon_journey_runs_total{{{journey},result="{result}"}} {n} {t}',
                    )
            since = end - REJECTED_SINCE
            for t, bad in zip(times, failing, strict=True):
                add("cxmon_journey_success", "gauge", f"cxmon_journey_success{{{journey}}} {0 if bad else 1} {t}")
                add("cxmon_maintenance", "gauge", f"cxmon_maintenance{{{journey}}} 0 {t}")
                money = f'{journey},currency="EUR"'
                add("cxmon_revenue_at_risk_per_hour", "gauge",
                    f"cxmon_revenue_at_risk_per_hour{{{money}}} {300 if bad else 0} {t}")  # fmt: skip
                lost = 300 * (t - since) / 3600 if bad else 0
                add("cxmon_revenue_lost_in_incident", "gauge", f"cxmon_revenue_lost_in_incident{{{money}}} {lost} {t}")
                add("cxmon_journey_last_run_timestamp_seconds", "gauge",
                    f"cxmon_journey_last_run_timestamp_seconds{{{journey}}} {t - t % 60} {t}")  # fmt: skip
                add("cxmon_journey_interval_seconds", "gauge", f"cxmon_journey_interval_seconds{{{journey}}} 60 {t}")
            histogram("cxmon_journey_duration_seconds", journey, ("1", "2", "5", "10", "+Inf"), 3.0, runs)
            for step, stage in STEPS:
                step_labels = f"{journey},{_labels(step=step, stage=stage)}"
                histogram("cxmon_step_duration_seconds", step_labels, ("0.5", "1", "2", "5", "+Inf"), 0.8, runs)
                histogram("cxmon_page_lcp_seconds", step_labels, ("1", "2.5", "4", "+Inf"), 1.5, runs)
                for t in times:
                    add("cxmon_step_budget_seconds", "gauge", f"cxmon_step_budget_seconds{{{step_labels}}} 2 {t}")
                kind = "payment_rejected" if step == "pay" else "error_page"
                counts = fails if step == "pay" else [0] * len(times)
                for t, n in zip(times, counts, strict=True):
                    add("cxmon_failures", "counter", f'cxmon_failures_total{{{step_labels},kind="{kind}"}} {n} {t}')
    lines = []
    for family, (kind, samples) in families.items():
        lines.append(f"# TYPE {family} {kind}")
        lines.extend(samples)
    lines.append("# EOF")
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def data_end() -> int:
    return int(time.time()) // STEP_SECONDS * STEP_SECONDS - STEP_SECONDS


@pytest.fixture(scope="module")
def prometheus(tmp_path_factory: pytest.TempPathFactory, data_end: int) -> Iterator[PromProcess]:
    tmp_path = tmp_path_factory.mktemp("prometheus")
    try:
        promtool = find_binary("promtool")
    except PromStackError as error:
        pytest.fail(f"{error} (apt-get install prometheus)")
    data = tmp_path / "data.om"
    data.write_text(synthetic_openmetrics(data_end), encoding="utf-8")
    tsdb = tmp_path / "tsdb"
    result = subprocess.run(
        [promtool, "tsdb", "create-blocks-from", "openmetrics", str(data), str(tsdb)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, f"backfill failed:\n{result.stdout}\n{result.stderr}"
    # Rules evaluate every second here, with the short windows tests use.
    params = AlertParams.short().with_overrides({"group_interval": "1s", "failure_window": "15m"})
    rules = tmp_path / "cxmon.rules.yml"
    rules.write_text(dump_yaml(render_prometheus_rules(params)), encoding="utf-8")
    config = "global: {scrape_interval: 15s, evaluation_interval: 1s}\n"
    prom = start_prometheus(tmp_path, config, rule_files=[rules], storage_path=tsdb)
    try:
        yield prom
    finally:
        prom.stop()


def assert_success(answer: dict, what: str, expr: str) -> list:
    assert answer.get("status") == "success", f"{what}: {answer.get('error')}\n{expr}"
    return answer["data"]["result"]


@pytest.mark.parametrize("target", queries.targets(), ids=lambda t: f"{t.dashboard}:{t.panel}:{t.ref_id}")
def test_panel_query_runs_and_finds_data(prometheus: PromProcess, data_end: int, target: queries.Target) -> None:
    expr = queries.substitute(target.expr)
    result = assert_success(prometheus.query(expr, at=data_end), target.panel, expr)
    assert result, f"{target.panel} {target.ref_id}: no data from\n{expr}"
    if not target.instant:
        answer = prometheus.query_range(expr, data_end - 1800, data_end, "60s")
        assert_success(answer, target.panel, expr)


def test_variable_queries_find_values(prometheus: PromProcess, data_end: int) -> None:
    for name in queries.dashboard_names():
        for variable in queries.load_dashboard(name)["templating"]["list"]:
            if variable["type"] != "query":
                continue
            selector, label = variable["query"].removeprefix("label_values(").removesuffix(")").rsplit(", ", 1)
            expr = f"count by ({label}) ({queries.substitute(selector)})"
            assert assert_success(prometheus.query(expr, at=data_end), variable["name"], expr), expr


@pytest.mark.parametrize("params", [AlertParams(), AlertParams.short()], ids=["default", "short"])
def test_rule_expressions_run(prometheus: PromProcess, data_end: int, params: AlertParams) -> None:
    for alert in ALERTS:
        assert_success(prometheus.query(alert.expr(params), at=data_end), alert.name, alert.expr(params))


def test_rules_evaluate_and_fire_on_the_data(prometheus: PromProcess) -> None:
    deadline = time.monotonic() + 15
    while True:
        rules = [rule for group in prometheus.rules() for rule in group["rules"]]
        evaluated = all(rule.get("lastEvaluation", "").startswith("0001") is False for rule in rules)
        firing = {alert["labels"]["alertname"] for alert in prometheus.alerts() if alert["state"] == "firing"}
        if evaluated and {"CxmonPaymentRejected", "CxmonJourneyFailingInManyLocations"} <= firing:
            break
        assert time.monotonic() < deadline, f"rules did not fire as expected: firing={firing}\n{prometheus.log()}"
        time.sleep(0.2)
    assert {rule["name"] for rule in rules} == {alert.name for alert in ALERTS}
    for rule in rules:
        assert rule["health"] == "ok", f"{rule['name']}: {rule.get('lastError')}"
    assert {"CxmonJourneyFailing", "CxmonPaymentRejected", "CxmonJourneyFailingInManyLocations"} <= firing
    # The runner is up and no run errored: nothing about cxmon itself fires.
    assert not firing & {"CxmonStale", "CxmonRunnerErrors", "CxmonConfigReloadFailed"}
    for alert in prometheus.alerts():
        for key, text in alert["annotations"].items():
            assert "error expanding" not in text and "<no value>" not in text, f"{alert['labels']}: {key}: {text}"
    rejected = [a for a in prometheus.alerts() if a["labels"]["alertname"] == "CxmonPaymentRejected"]
    assert {a["labels"]["payment_method"] for a in rejected} == {"invoice"}
