"""The kinds out_of_stock and blocked through every output: metrics at 0, JSON, JUnit and HTML."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from junitparser import Failure, JUnitXml

from cxmon.exporters.html import render_html
from cxmon.exporters.json import write_json
from cxmon.exporters.junit import write_junit
from cxmon.exporters.metrics import CxmonMetrics
from cxmon.metrics_contract import LABEL_VALUES
from cxmon.model import Finding, JourneyKey, JourneyResult, Kind, Outcome, RunResult, Severity, Stage
from tests.unit.ci_sample import T0, steps

NEW = {
    Kind.OUT_OF_STOCK: Finding(
        Kind.OUT_OF_STOCK,
        'Plecak Tatra 30 l cannot be bought: schema.org availability OutOfStock; the page says "Brak w magazynie"',
        "add-to-cart",
        Stage.CART,
        Severity.FAILURE,
        {"product": "Plecak Tatra 30 l", "availability": ["OutOfStock"]},
    ),
    Kind.BLOCKED: Finding(
        Kind.BLOCKED,
        'the shop shows a bot challenge instead of the page: "Potwierdź, że jesteś człowiekiem"',
        "home",
        Stage.BROWSE,
        Severity.FAILURE,
        {"reason": "challenge_text"},
    ),
}


def _run(kind: Kind) -> RunResult:
    finding = NEW[kind]
    at = 0 if kind is Kind.BLOCKED else 1
    result = JourneyResult(
        JourneyKey("shop3-checkout", "card"),
        Outcome.FAIL,
        T0,
        1.5,
        steps(T0, [0.25, 0.5, 0.5, 0.25], failed_at=at, findings=[finding]),
    )
    return RunResult([result], started_at=T0, duration_seconds=1.5)


def test_the_new_kinds_are_in_the_metric_contract() -> None:
    assert {"out_of_stock", "blocked"} <= set(LABEL_VALUES["kind"])


@pytest.mark.parametrize("kind", list(NEW))
def test_failure_counters_of_the_new_kinds_start_at_zero(kind: Kind) -> None:
    metrics = CxmonMetrics()
    other = Kind.BLOCKED if kind is Kind.OUT_OF_STOCK else Kind.OUT_OF_STOCK
    metrics.observe(_run(other).journeys[0])
    labels = {"scenario": "shop3-checkout", "payment_method": "card", "device": "default", "location": "default",
              "market": "default"}
    finding = NEW[kind]
    step = {**labels, "step": finding.step, "stage": finding.stage.value, "kind": kind.value}
    assert metrics.registry.get_sample_value("cxmon_failures_total", step) == 0
    metrics.observe(_run(kind).journeys[0])
    assert metrics.registry.get_sample_value("cxmon_failures_total", step) == 1


@pytest.mark.parametrize("kind", list(NEW))
def test_json_junit_and_html_show_the_new_kinds(kind: Kind, tmp_path: Path) -> None:
    run = _run(kind)
    write_json(run, tmp_path / "run.json")
    data = json.loads((tmp_path / "run.json").read_text())
    [journey] = data["journeys"]
    assert [f["kind"] for s in journey["steps"] for f in s["findings"]] == [kind.value]

    write_junit(run, tmp_path / "junit.xml")
    [suite] = list(JUnitXml.fromfile(str(tmp_path / "junit.xml")))
    [case] = list(suite)
    failure = case.result[0]
    assert isinstance(failure, Failure)
    assert failure.type == kind.value
    assert failure.message.startswith(f"{kind.value} at {NEW[kind].step} ({NEW[kind].stage.value})")

    html = render_html(run, tmp_path / "html")
    assert f'<b class="kind">{kind.value}</b>' in html
    assert NEW[kind].message.split(":")[0] in html
