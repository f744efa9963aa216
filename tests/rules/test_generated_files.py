"""The committed dashboards, rules and provisioning files are what the generators produce, and
they hold to the metric contract."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from tests.rules import queries
from tools.observability import generate
from tools.observability.alerts import ALERTS, DATASOURCE_UID, AlertParams, render_prometheus_rules
from tools.observability.contract import allowed_series

REPO_ROOT = Path(__file__).resolve().parents[2]
PROMETHEUS_RULES = REPO_ROOT / "prometheus" / "rules" / "cxmon.rules.yml"
GRAFANA_ALERTS = REPO_ROOT / "grafana" / "provisioning" / "alerting" / "cxmon-alerts.yml"
RUNBOOK = REPO_ROOT / "docs" / "runbook.md"


def load_yaml(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def prometheus_rules() -> dict[str, dict]:
    return {rule["alert"]: rule for group in load_yaml(PROMETHEUS_RULES)["groups"] for rule in group["rules"]}


def grafana_rules() -> dict[str, dict]:
    return {rule["title"]: rule for group in load_yaml(GRAFANA_ALERTS)["groups"] for rule in group["rules"]}


# --- regeneration ------------------------------------------------------------------------------


def test_committed_files_match_the_generators() -> None:
    problems = generate.check(REPO_ROOT)
    assert not problems, "run `make dashboards`:\n" + "\n".join(problems)


def test_generation_is_deterministic() -> None:
    assert generate.generated_files() == generate.generated_files()


def test_check_reports_a_changed_file(tmp_path: Path) -> None:
    generate.write(tmp_path)
    assert generate.check(tmp_path) == []
    (tmp_path / "grafana" / "dashboards" / "cxmon-overview.json").write_text("{}\n", encoding="utf-8")
    assert generate.main(["--check", "--root", str(tmp_path)]) == 1


def test_rules_with_other_parameters(tmp_path: Path) -> None:
    path = tmp_path / "rules.yml"
    assert generate.main(["--rules-to", str(path), "--preset", "short", "--set", "failing_for=30s"]) == 0
    rules = {rule["alert"]: rule for group in load_yaml(path)["groups"] for rule in group["rules"]}
    assert rules["CxmonJourneyFailing"]["for"] == "30s"
    assert rules["CxmonPaymentRejected"]["expr"].count("[1m]") == 1
    with pytest.raises(ValueError, match="not a Prometheus duration"):
        AlertParams().with_overrides({"failure_window": "ten minutes"})
    with pytest.raises(ValueError, match="unknown alert parameter"):
        AlertParams().with_overrides({"failure_windw": "1m"})


# --- alert rules -------------------------------------------------------------------------------


def test_alerts_are_named_and_labelled_by_convention() -> None:
    for name, rule in prometheus_rules().items():
        assert re.fullmatch(r"Cxmon[A-Z][A-Za-z]+", name), name
        assert rule["labels"]["severity"] in {"page", "ticket", "warning"}, name
        assert set(rule["annotations"]) == {"summary", "description", "runbook_url"}, name
        assert "Check first" in rule["annotations"]["description"], name


def test_failure_alerts_keep_firing_against_flapping() -> None:
    rules = prometheus_rules()
    for name in ("CxmonJourneyFailing", "CxmonPaymentRejected", "CxmonOrderConfirmationMissing"):
        assert rules[name]["keep_firing_for"] == AlertParams().keep_firing_for


def test_runner_errors_never_page() -> None:
    rules = prometheus_rules()
    for name, rule in rules.items():
        if 'result="error"' in rule["expr"]:
            assert rule["labels"]["severity"] != "page", name
    assert rules["CxmonRunnerErrors"]["labels"]["severity"] == "ticket"


def test_stale_alert_catches_a_dead_runner() -> None:
    expr = prometheus_rules()["CxmonStale"]["expr"]
    job = AlertParams().job_regex
    assert f'up{{job=~"{job}"}} == 0' in expr
    assert f'absent(up{{job=~"{job}"}})' in expr
    assert "cxmon_journey_interval_seconds" in expr


def test_runbook_has_a_section_per_alert() -> None:
    text = RUNBOOK.read_text(encoding="utf-8")
    headings = {line.lstrip("#").strip().lower() for line in text.splitlines() if line.startswith("## ")}
    for name, rule in prometheus_rules().items():
        anchor = rule["annotations"]["runbook_url"].split("#", 1)[1]
        assert anchor == name.lower()
        assert anchor in headings, f"docs/runbook.md has no '## {name}' section"


def test_grafana_copy_has_the_same_alerts() -> None:
    prometheus, grafana = prometheus_rules(), grafana_rules()
    assert list(grafana) == list(prometheus)
    for name, rule in prometheus.items():
        copy = grafana[name]
        query, *expressions = copy["data"]
        assert query["refId"] == "A"
        assert query["datasourceUid"] == DATASOURCE_UID
        assert query["model"]["expr"] == rule["expr"], name
        assert query["model"]["instant"] is True
        assert expressions and all(e["datasourceUid"] == "__expr__" for e in expressions), name
        assert copy["condition"] in {e["refId"] for e in expressions}
        assert copy["for"] == rule["for"]
        assert copy["labels"] == rule["labels"]
        assert copy["annotations"]["runbook_url"] == rule["annotations"]["runbook_url"]
        assert "$value " not in copy["annotations"]["description"], "Grafana needs $values.A.Value"
        assert len(copy["uid"]) <= 40


def test_grafana_alerting_file_format() -> None:
    document = load_yaml(GRAFANA_ALERTS)
    assert document["apiVersion"] == 1
    uids = [rule["uid"] for group in document["groups"] for rule in group["rules"]]
    assert len(uids) == len(set(uids)) == len(ALERTS)
    for group in document["groups"]:
        assert {"orgId", "name", "folder", "interval", "rules"} <= set(group)


def test_one_source_for_both_rule_files() -> None:
    assert [alert.name for alert in ALERTS] == list(prometheus_rules())
    short = render_prometheus_rules(AlertParams.short())
    assert [r["alert"] for g in short["groups"] for r in g["rules"]] == list(prometheus_rules())


# --- dashboards --------------------------------------------------------------------------------

REQUIRED_PANELS = {
    "cxmon-overview.json": {
        "Can customers buy now?": "none",
        "Success ratio": "percentunit",
        "Failures by kind": "opm",
        "Failures by stage": "opm",
        "Payment methods × scenarios": "none",
        "Journey duration p50 / p95": "s",
        "Time since last run": "s",
        "Failing steps": "short",
    },
    "cxmon-journey.json": {
        "Step p95 vs budget": "s",
        "LCP per step (p75)": "s",
        "Failures by step and kind": "opm",
    },
}
REQUIRED_VARIABLES = {
    "cxmon-overview.json": {"datasource", "scenario", "market", "location"},
    "cxmon-journey.json": {"datasource", "scenario", "market", "location", "device", "payment_method"},
}


def test_dashboards_exist_with_their_uids() -> None:
    assert queries.dashboard_names() == ["cxmon-journey.json", "cxmon-overview.json"]
    for name in queries.dashboard_names():
        dashboard = queries.load_dashboard(name)
        assert dashboard["uid"] == name.removesuffix(".json")
        assert dashboard["schemaVersion"] >= 39, "built for Grafana 11"
        ids = [panel["id"] for panel in queries.panels(dashboard)]
        assert len(ids) == len(set(ids)), "panel ids must be unique"


@pytest.mark.parametrize("name", sorted(REQUIRED_PANELS))
def test_required_panels_have_units_and_descriptions(name: str) -> None:
    dashboard = queries.load_dashboard(name)
    by_title = {panel["title"]: panel for panel in queries.panels(dashboard)}
    for title, unit in REQUIRED_PANELS[name].items():
        assert title in by_title, f"{name}: no panel {title!r}"
        assert by_title[title]["fieldConfig"]["defaults"]["unit"] == unit, title
    for panel in queries.panels(dashboard):
        if panel["type"] == "row":
            continue
        assert panel["fieldConfig"]["defaults"].get("unit"), f"{panel['title']}: no unit"
        assert len(panel.get("description", "")) > 40, f"{panel['title']}: describe what to do"
        assert panel["datasource"] == {"type": "prometheus", "uid": "${datasource}"}


@pytest.mark.parametrize("name", sorted(REQUIRED_VARIABLES))
def test_template_variables(name: str) -> None:
    variables = {v["name"]: v for v in queries.load_dashboard(name)["templating"]["list"]}
    assert REQUIRED_VARIABLES[name] <= set(variables)
    assert variables["datasource"]["type"] == "datasource"
    assert variables["datasource"]["query"] == "prometheus"
    for label in REQUIRED_VARIABLES[name] - {"datasource"}:
        variable = variables[label]
        assert variable["type"] == "query"
        assert variable["query"].startswith("label_values(") and variable["query"].endswith(f", {label})")
        assert variable["multi"] is True and variable["includeAll"] is True
        assert variable["datasource"]["uid"] == "${datasource}"


def test_every_target_has_a_ref_id_and_an_expression() -> None:
    found = queries.targets()
    assert len(found) >= 15
    for target in found:
        assert target.ref_id, target
        assert target.expr.strip(), target


def all_expressions() -> list[tuple[str, str]]:
    exprs = [(f"{t.dashboard}: {t.panel} {t.ref_id}", t.expr) for t in queries.targets()]
    for name in queries.dashboard_names():
        for variable in queries.load_dashboard(name)["templating"]["list"]:
            if variable["type"] == "query":
                inner = re.fullmatch(r"label_values\((.*), \w+\)", variable["query"], re.S)
                assert inner, variable["query"]
                exprs.append((f"{name}: variable {variable['name']}", inner.group(1)))
    exprs += [(f"rule {name}", rule["expr"]) for name, rule in prometheus_rules().items()]
    return exprs


def test_no_query_pads_missing_data() -> None:
    for where, expr in all_expressions():
        assert not re.search(r"or\s+vector\s*\(", expr), f"{where}: pads missing data: {expr}"


def test_queries_use_only_contract_metrics_and_labels() -> None:
    allowed = allowed_series()
    all_labels = {label for labels in allowed.values() for label in labels}
    for where, expr in all_expressions():
        names = queries.series_names(expr)
        assert names, f"{where}: no series found in {expr!r}"
        assert names <= set(allowed), f"{where}: not in the metric contract: {names - set(allowed)}"
        for name, labels in queries.selector_labels(expr).items():
            assert labels <= set(allowed[name]), f"{where}: {name} has no label {labels - set(allowed[name])}"
        assert queries.grouping_labels(expr) <= all_labels, f"{where}: unknown label in grouping"


def test_metric_check_catches_a_typo() -> None:
    expr = 'sum by (scenario) (rate(cxmon_journey_run_total{scenario=~"$scenario"}[5m])) / up'
    assert queries.series_names(expr) == {"cxmon_journey_run_total", "up"}
    assert queries.selector_labels('cxmon_failures_total{knd="x"}') == {"cxmon_failures_total": {"knd"}}


def test_provisioning_points_at_the_dashboards_and_datasource() -> None:
    datasource = load_yaml(REPO_ROOT / "grafana" / "provisioning" / "datasources" / "cxmon.yml")
    assert datasource["datasources"][0]["uid"] == DATASOURCE_UID
    assert datasource["datasources"][0]["type"] == "prometheus"
    provider = load_yaml(REPO_ROOT / "grafana" / "provisioning" / "dashboards" / "cxmon.yml")
    assert provider["providers"][0]["type"] == "file"
    assert provider["providers"][0]["options"]["path"]
    config = load_yaml(REPO_ROOT / "prometheus" / "prometheus.yml")
    job = config["scrape_configs"][0]
    assert job["job_name"] == "cxmon"
    assert job["static_configs"][0]["targets"] == ["127.0.0.1:9464"]
    assert re.fullmatch(AlertParams().job_regex, job["job_name"])
    assert (REPO_ROOT / "prometheus" / config["rule_files"][0]).exists()
