"""``cxmon run --pushgateway``: pushed to a real Pushgateway, read back through a real Prometheus.

Two runs of the same scenario land in the same group (no run ids): the second replaces the first,
so the failure shows and nothing piles up. ``--textfile`` writes the same metrics.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from cxmon.demo import DemoShop
from tests.helpers import CXMON, demo_env, write_demo_scenario
from tests.integration.serve_process import post_fault, sample_values, wait_for
from tests.promstack import free_port, start_prometheus, start_pushgateway

pytestmark = [pytest.mark.browser, pytest.mark.prometheus]

SCENARIO = "push-checkout"
JOB = "cxmon-push-test"


def _cxmon_run(tmp_path: Path, shop: DemoShop, *args: str) -> subprocess.CompletedProcess[str]:
    scenario = tmp_path / f"{SCENARIO}.yml"
    return subprocess.run(
        [CXMON, "run", str(scenario), "--quiet", "--artifacts", str(tmp_path / "ev"), *args],
        env={**os.environ, **demo_env(shop)}, cwd=tmp_path, capture_output=True, text=True, timeout=60,
    )


def test_push_then_read_back_through_prometheus(demo_shop: DemoShop, tmp_path: Path) -> None:
    write_demo_scenario(tmp_path, methods=["invoice"], name=SCENARIO)
    gateway = start_pushgateway(tmp_path)
    try:
        prom = start_prometheus(
            tmp_path,
            f"""
global: {{scrape_interval: 1s}}
scrape_configs:
  - job_name: pushgateway
    honor_labels: true
    static_configs: [{{targets: ["{gateway.url.removeprefix("http://")}"]}}]
""",
        )
        try:
            textfile = tmp_path / "node" / "cxmon.prom"
            done = _cxmon_run(tmp_path, demo_shop, "--pushgateway", gateway.url, "--job", JOB,
                              "--location", "lab", "--textfile", str(textfile))
            assert done.returncode == 0, done.stderr

            selector = f'{{job="{JOB}", scenario="{SCENARIO}", location="lab", payment_method="invoice"}}'

            def value(name: str) -> float | None:
                answer: dict[str, Any] = prom.query(name + selector)
                result = answer["data"]["result"]
                return float(result[0]["value"][1]) if len(result) == 1 else None

            wait_for("cxmon_journey_success 1 through Prometheus",
                     lambda: value("cxmon_journey_success") == 1, timeout=20)
            assert prom.query(f'cxmon_journey_runs_total{{job="{JOB}", result="pass"}}')["data"]["result"]

            # The textfile holds the same metrics, and nothing half-written is left beside it.
            families = {f.name for f in text_string_to_metric_families(textfile.read_text())}
            assert {"cxmon_journey_success", "cxmon_journey_runs", "cxmon_step_duration_seconds"} <= families
            assert sample_values(textfile.read_text(), "cxmon_journey_success", location="lab") == [1.0]
            assert [p.name for p in textfile.parent.iterdir()] == ["cxmon.prom"]

            post_fault(demo_shop.url, "payment_rejected:invoice")
            done = _cxmon_run(tmp_path, demo_shop, "--pushgateway", gateway.url, "--job", JOB, "--location", "lab")
            assert done.returncode == 1, done.stderr
            wait_for("cxmon_journey_success 0 after the failing run",
                     lambda: value("cxmon_journey_success") == 0, timeout=20)
            # Counters exist at 0 at the step's own stage and at the next step's: the failure is the one above 0.
            failures = prom.query(f'cxmon_failures_total{{job="{JOB}", kind="payment_rejected", step="pay"}} > 0')
            assert [r["metric"]["payment_method"] for r in failures["data"]["result"]] == ["invoice"]

            # One group per scenario and location: the second push replaced the first.
            text = gateway.metrics_text()
            assert sample_values(text, "cxmon_journey_success", job=JOB) == [0.0]
            assert sample_values(text, "cxmon_journey_runs_total", job=JOB, result="pass") == [0.0]
        finally:
            prom.stop()
    finally:
        gateway.stop()


def test_pushgateway_down_turns_a_pass_into_exit_3(demo_shop: DemoShop, tmp_path: Path) -> None:
    write_demo_scenario(tmp_path, methods=["invoice"], name=SCENARIO)
    nothing = f"http://127.0.0.1:{free_port()}"
    done = _cxmon_run(tmp_path, demo_shop, "--pushgateway", nothing)
    assert done.returncode == 3, done.stderr
    assert f"cannot push metrics to the Pushgateway at {nothing}" in done.stderr
    assert "scenario=push-checkout" in done.stderr
