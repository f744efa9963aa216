"""``cxmon run`` as a CI deploy gate: real ``cxmon`` processes against the demo shop.

Retries and flaky journeys, ``--fail-on-flaky``, the baseline performance gate, selection, and a
run cancelled by SIGTERM that still writes its reports. Exit codes as in DESIGN.md: 0 passed
(flaky included), 1 a journey failed or a step regressed, 2 bad usage, 130 interrupted.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest
import yaml
from junitparser import Failure, JUnitXml, Skipped

from cxmon.cli import main
from cxmon.scenario import load_scenario
from tests.helpers import CXMON, demo_env, write_demo_scenario
from tests.unit.ci_sample import INVOICE, sample_run

GENEROUS = {"step": "10s", "journey": "60s"}


def cxmon_run(shop, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **demo_env(shop), "NO_COLOR": "1"}
    return subprocess.run([CXMON, "run", *args], env=env, capture_output=True, text=True, timeout=timeout)


def junit_cases(path: Path) -> dict[str, object]:
    return {case.name: case for suite in JUnitXml.fromfile(str(path)) for case in suite}


def case_props(case: object) -> dict[str, str]:
    return {p.get("name"): p.get("value") for p in case._elem.iter("property")}  # type: ignore[attr-defined]


@pytest.fixture
def scenario(tmp_path: Path) -> Path:
    """One invoice journey with budgets no fault here comes near: only what a test asks fails."""
    return write_demo_scenario(tmp_path, methods=["invoice"], budgets=GENEROUS)


@pytest.mark.browser
def test_flaky_journey_is_reported_flaky_everywhere_and_passes_the_gate(demo_shop, scenario: Path,
                                                                       tmp_path: Path) -> None:
    demo_shop.faults.add("payment_rejected:invoice*1")
    out = tmp_path / "out"
    proc = cxmon_run(demo_shop, str(scenario), "--retries", "1", "--artifacts", str(out / "artifacts"),
                     "--junit", str(out / "junit.xml"), "--json", str(out / "run.json"), "--html", str(out / "html"),
                     "--textfile", str(out / "cxmon.prom"))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "FLAKY" in proc.stdout
    assert "failed on attempt 1, passed on retry" in proc.stdout

    (journey,) = json.loads((out / "run.json").read_text())["journeys"]
    assert (journey["outcome"], journey["attempts"]) == ("flaky", 2)
    assert journey["findings"][0]["kind"] == "payment_rejected" and journey["findings"][0]["severity"] == "warning"

    case = junit_cases(out / "junit.xml")["demo-checkout[invoice]"]
    assert case.is_passed
    props = case_props(case)
    assert props["cxmon.outcome"] == "flaky"
    assert props["cxmon.flaky"].startswith("payment_rejected at pay (payment)")
    assert "cxmon.artifact.screenshot" in props  # the failed attempt's evidence stays linked

    html = (out / "html" / "index.html").read_text()
    assert 'data-outcome="flaky"' in html and "Flaky:" in html
    assert ('cxmon_journey_runs_total{device="default",location="default",market="default",payment_method="invoice",'
            'result="flaky",scenario="demo-checkout"} 1.0') in (out / "cxmon.prom").read_text()

    # The same flaky journey fails a gate that does not accept flakiness.
    demo_shop.faults.clear()
    demo_shop.faults.add("payment_rejected:invoice*1")
    strict = cxmon_run(demo_shop, str(scenario), "--retries", "1", "--fail-on-flaky",
                       "--artifacts", str(out / "artifacts"), "--json", str(out / "strict.json"))
    assert strict.returncode == 1, strict.stdout + strict.stderr
    assert json.loads((out / "strict.json").read_text())["journeys"][0]["outcome"] == "flaky"


@pytest.mark.browser
def test_steady_fault_is_fail_not_flaky_however_many_retries(demo_shop, scenario: Path, tmp_path: Path) -> None:
    demo_shop.faults.add("payment_rejected:invoice")
    proc = cxmon_run(demo_shop, str(scenario), "--retries", "2", "--artifacts", str(tmp_path / "artifacts"),
                     "--json", str(tmp_path / "run.json"), "--junit", str(tmp_path / "junit.xml"))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    (journey,) = json.loads((tmp_path / "run.json").read_text())["journeys"]
    assert (journey["outcome"], journey["attempts"]) == ("fail", 3)
    failure = junit_cases(tmp_path / "junit.xml")["demo-checkout[invoice]"].result[0]
    assert isinstance(failure, Failure) and failure.type == "payment_rejected"


@pytest.mark.browser
def test_baseline_gate_fails_a_slowed_step_and_passes_an_unslowed_run(demo_shop, scenario: Path,
                                                                     tmp_path: Path) -> None:
    base = tmp_path / "baseline.json"
    first = cxmon_run(demo_shop, str(scenario), "--repeat", "2", "--json", str(base), "--quiet")
    assert first.returncode == 0, first.stdout + first.stderr
    doc = json.loads(base.read_text())
    assert [j["repeat"] for j in doc["journeys"]] == [1, 2]
    assert doc["repeats"]["journeys"][0]["runs"] == 2

    # A shared CI machine is noisy: the floor stays well above what a clean run varies by, and
    # well below the 6 s the fault adds.
    gate = ["--baseline", str(base), "--max-regression", "50", "--regression-floor-ms", "2500"]
    demo_shop.faults.add("slow:6000@checkout")
    slowed = cxmon_run(demo_shop, str(scenario), *gate, "--json", str(tmp_path / "slow.json"),
                       "--html", str(tmp_path / "html"))
    assert slowed.returncode == 1, slowed.stdout + slowed.stderr
    assert "demo-checkout[invoice]: regression at checkout (checkout)" in slowed.stdout
    result = json.loads((tmp_path / "slow.json").read_text())
    assert result["journeys"][0]["outcome"] == "pass"  # within budget: only the gate fails it
    assert [(r["journey"], r["step"]) for r in result["baseline"]["regressions"]] == [
        ("demo-checkout[invoice]", "checkout")]
    assert 'id="regressions"' in (tmp_path / "html" / "index.html").read_text()

    demo_shop.faults.clear()
    clean = cxmon_run(demo_shop, str(scenario), *gate)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "performance gate: passed" in clean.stdout


@pytest.mark.browser
def test_sigterm_mid_run_still_writes_the_reports_of_finished_journeys(demo_shop, tmp_path: Path) -> None:
    # invoice is declined at once; card then waits on a confirmation page 30 s slow.
    scenario = write_demo_scenario(tmp_path, methods=["invoice", "card"], budgets={"step": "60s", "journey": "2m"})
    demo_shop.faults.add("payment_rejected:invoice")
    demo_shop.faults.add("slow:30000@confirmation")
    junit, report = tmp_path / "junit.xml", tmp_path / "run.json"
    env = {**os.environ, **demo_env(demo_shop), "NO_COLOR": "1"}
    proc = subprocess.Popen(
        [CXMON, "run", str(scenario), "-j", "1", "--step-timeout", "60s", "--artifacts", str(tmp_path / "artifacts"),
         "--junit", str(junit), "--json", str(report), "--html", str(tmp_path / "html")],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    finished = threading.Event()
    lines: list[str] = []

    def watch() -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            lines.append(line)
            if line.startswith((" fail  ", " pass  ")):
                finished.set()

    threading.Thread(target=watch, daemon=True).start()
    try:
        assert finished.wait(90), "no journey finished: " + "".join(lines)
        time.sleep(0.5)  # let the second journey get going
        proc.send_signal(signal.SIGTERM)
        stdout, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, stdout + "".join(lines)

    doc = json.loads(report.read_text())
    assert doc["interrupted"] is True
    assert [(j["journey"], j["outcome"]) for j in doc["journeys"]] == [("demo-checkout[invoice]", "fail")]
    cases = junit_cases(junit)
    assert isinstance(cases["demo-checkout[invoice]"].result[0], Failure)
    assert isinstance(cases["demo-checkout[card]"].result[0], Skipped)
    assert "interrupted" in (tmp_path / "html" / "index.html").read_text()


def test_selection_by_tag_grep_and_matrix_filter(tmp_path: Path) -> None:
    env = {"DEMO_SHOP_URL": "http://127.0.0.1:9", "DEMO_PROVIDER_URL": "http://127.0.0.1:9"}
    smoke = load_scenario(write_demo_scenario(tmp_path, methods=["card", "invoice"], name="shop-smoke"), env=env)
    other = load_scenario(write_demo_scenario(tmp_path, methods=["card"], name="shop-full", tags=["nightly"]),
                          env=env)
    from cxmon.cli.gate import select_journeys

    ids = lambda js: [j.key.id for j in js]  # noqa: E731
    files = [smoke, other]
    assert ids(select_journeys(files, "default", tags=["smoke"])) == ["shop-smoke[card]", "shop-smoke[invoice]"]
    assert ids(select_journeys(files, "default", tags=["nightly", "smoke"])) == [
        "shop-smoke[card]", "shop-smoke[invoice]", "shop-full[card]"]
    assert ids(select_journeys(files, "default", grep=r"full")) == ["shop-full[card]"]
    assert ids(select_journeys(files, "default", grep=r"\[invoice\]")) == ["shop-smoke[invoice]"]
    assert ids(select_journeys(files, "default", only=["payment_method=card"])) == [
        "shop-smoke[card]", "shop-full[card]"]
    assert ids(select_journeys(files, "default", tags=["smoke"], only=["payment_method=card"])) == [
        "shop-smoke[card]"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--tag", "no-such-tag"], "no journey matches --tag no-such-tag"),
        (["--grep", "("], "--grep: not a regular expression"),
        (["--only", "colour=red"], "--only: expected LABEL=VALUE"),
        (["--baseline", "/nonexistent/base.json"], "no such file"),
    ],
)
def test_bad_selection_or_baseline_is_usage_error_and_nothing_runs(tmp_path: Path, capsys, args: list[str],
                                                                   message: str) -> None:
    scenario = write_demo_scenario(tmp_path, methods=["invoice"])
    assert main(["run", str(scenario), "--base-url", "http://127.0.0.1:9", *args]) == 2
    assert message in capsys.readouterr().err


def test_flaky_outcome_counts_in_the_runs_metric() -> None:
    from cxmon.exporters.metrics import CxmonMetrics

    metrics = CxmonMetrics()
    flaky = next(j for j in sample_run().journeys if j.key == INVOICE)
    metrics.observe(flaky)
    labels = {**INVOICE.labels(), "result": "flaky"}
    assert metrics.registry.get_sample_value("cxmon_journey_runs_total", labels) == 1
    assert metrics.registry.get_sample_value("cxmon_journey_success", INVOICE.labels()) == 1


def test_scenario_http_keys_are_validated(tmp_path: Path) -> None:
    path = write_demo_scenario(tmp_path, http={"basic_auth": {"username": "u"}, "headers": {"Bad Header": "x"}})
    data = yaml.safe_load(path.read_text())
    assert data["http"]["headers"] == {"Bad Header": "x"}
    from cxmon.errors import ScenarioError

    with pytest.raises(ScenarioError) as info:
        load_scenario(path, env={})
    text = str(info.value)
    assert "http.basic_auth: missing required key 'password'" in text
    assert "http.headers: not a valid HTTP header name: 'Bad Header'" in text
