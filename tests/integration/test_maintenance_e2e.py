"""A maintenance window end to end, on real processes: demo shop → ``cxmon serve`` → Prometheus →
Alertmanager → a webhook receiver.

A payment fault switched on inside an ad-hoc window (opened with ``cxmon maintenance start`` and
a token, ``--mode run`` so the journey really meets the fault) pages nobody while the window is open;
the same fault, still on after the window, pages. The maintenance API of that serve refuses a call
without credentials.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from cxmon.demo import DemoShop
from tests.helpers import write_demo_scenario
from tests.integration.serve_process import CXMON, ServeProcess, post_fault, start_serve, wait_for
from tests.integration.test_alerting_e2e import (
    WebhookReceiver,
    _alertmanager_config,
    _prometheus_config,
    _start_receiver,
)
from tests.promstack import AlertmanagerProcess, PromProcess, http_request, start_alertmanager, start_prometheus
from tools.observability.alerts import AlertParams, render_prometheus_rules
from tools.observability.generate import dump_yaml

pytestmark = [pytest.mark.browser, pytest.mark.prometheus]

SCENARIO = "maintenance-e2e"
INTERVAL_SECONDS = 3
# Slowness is not what these tests are about: on a busy machine a slow step must not fail a journey.
WARN_ONLY = {"step": "3s", "journey": "30s", "mode": "warn"}
WINDOW_SECONDS = 20
TOKEN = "e2e-maintenance-token-0123456789"
RULE_PARAMS = AlertParams.short().with_overrides(
    {"group_interval": "1s", "failure_window": "20s", "keep_firing_for": "2s", "maintenance_grace": "10s"}
)
LABELS = {"scenario": SCENARIO, "payment_method": "invoice", "device": "default", "location": "default",
          "market": "default"}


@dataclass
class Stack:
    shop: DemoShop
    serve: ServeProcess
    prometheus: PromProcess
    alertmanager: AlertmanagerProcess
    receiver: WebhookReceiver

    def value(self, expr: str) -> float | None:
        answer = self.prometheus.query(expr)
        assert answer["status"] == "success", (expr, answer)
        result = answer["data"]["result"]
        return float(result[0]["value"][1]) if result else None

    def firing_since(self, since: float) -> list[dict[str, Any]]:
        """Every firing alert the receiver got after ``since`` (monotonic)."""
        with self.receiver.lock:
            notifications = list(self.receiver.notifications)
        return [a for n in notifications if n.received_at >= since for a in n.payload.get("alerts", [])
                if a.get("status") == "firing"]

    def log(self) -> str:
        return (f"--- cxmon serve ---\n{self.serve.log()[-4000:]}\n--- notifications ---\n{self.receiver.summary()}\n"
                f"--- alertmanager ---\n{self.alertmanager.log()[-1500:]}\n"
                f"--- prometheus ---\n{self.prometheus.log()[-1500:]}")


@pytest.fixture(scope="module")
def stack(demo_shop_session: DemoShop, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    tmp_path = tmp_path_factory.mktemp("maintenance-e2e")
    shop = demo_shop_session
    shop.faults.clear()
    rules = tmp_path / "cxmon.rules.yml"
    rules.write_text(dump_yaml(render_prometheus_rules(RULE_PARAMS)), encoding="utf-8")
    scenario = write_demo_scenario(tmp_path, methods=["invoice"], name=SCENARIO, schedule=f"{INTERVAL_SECONDS}s",
                                   budgets=WARN_ONLY)
    receiver = _start_receiver()
    started: list[Any] = []
    try:
        alertmanager = start_alertmanager(tmp_path, _alertmanager_config(receiver.url))
        started.append(alertmanager)
        serve = start_serve(
            tmp_path,
            [str(scenario), "--base-url", shop.url, "--artifacts", str(tmp_path / "evidence")],
            env={"DEMO_PROVIDER_URL": shop.provider_url, "CXMON_MAINTENANCE_TOKEN": TOKEN},
        )
        started.append(serve)
        prometheus = start_prometheus(
            tmp_path,
            _prometheus_config(serve.url.removeprefix("http://"), alertmanager.url.removeprefix("http://")),
            rule_files=[rules],
        )
        started.append(prometheus)
        yield Stack(shop, serve, prometheus, alertmanager, receiver)
    finally:
        for process in reversed(started):
            process.stop()
        receiver.server.shutdown()
        receiver.server.server_close()
        shop.faults.clear()


def _maintenance(stack: Stack, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [CXMON, "maintenance", *args, "--url", stack.serve.url],
        env={**os.environ, "CXMON_MAINTENANCE_TOKEN": TOKEN}, capture_output=True, text=True, timeout=30,
        check=False,
    )


def test_a_fault_inside_a_window_pages_nobody_and_after_it_pages(stack: Stack) -> None:
    selector = ",".join(f'{k}="{v}"' for k, v in LABELS.items())
    wait_for("the journey passing in Prometheus", lambda: stack.value(f"cxmon_journey_success{{{selector}}}") == 1,
             timeout=60, every=0.5, log=stack.log)

    # Without credentials the API refuses, and nothing changes.
    status, body = http_request(stack.serve.url + "/api/maintenance", method="POST", data=b'{"for": "10m"}',
                                headers={"Content-Type": "application/json"})
    assert status == 401, body
    assert stack.serve.value("cxmon_maintenance", **LABELS) == 0

    opened = _maintenance(stack, "start", "--for", f"{WINDOW_SECONDS}s", "--scenario", SCENARIO, "--mode", "run",
                          "--reason", "e2e")
    assert opened.returncode == 0, opened.stdout + opened.stderr
    window_open = time.monotonic()
    wait_for("cxmon_maintenance 1 in Prometheus", lambda: stack.value(f"cxmon_maintenance{{{selector}}}") == 1,
             timeout=10, every=0.2, log=stack.log)
    listed = _maintenance(stack, "list")
    assert listed.returncode == 0 and f"{SCENARIO}[invoice]: in maintenance" in listed.stdout, listed

    post_fault(stack.shop.url, "payment_rejected:invoice")
    fault_on = time.monotonic()
    # The journey meets the fault inside the window: runs end as `maintenance`, never `fail`.
    wait_for("two runs in the window counted as maintenance",
             lambda: (stack.serve.value("cxmon_journey_runs_total", **LABELS, result="maintenance") or 0) >= 2,
             timeout=WINDOW_SECONDS, every=0.2, log=stack.log)
    assert stack.serve.value("cxmon_journey_runs_total", **LABELS, result="fail") == 0
    page = stack.serve.get("/")[1].decode()
    assert "maintenance" in page

    window_end = window_open + WINDOW_SECONDS
    time.sleep(max(0.0, window_end - time.monotonic()))
    assert stack.firing_since(window_open) == [], stack.log()
    print(f"\nno page for {window_end - fault_on:.0f}s of the fault inside the window")

    # The window is over: the fault is still on, and now it pages.
    wait_for("cxmon_maintenance 0 in Prometheus", lambda: stack.value(f"cxmon_maintenance{{{selector}}}") == 0,
             timeout=10, every=0.2, log=stack.log)
    firing = wait_for(
        "CxmonPaymentRejected firing after the window",
        lambda: stack.receiver.find("CxmonPaymentRejected", "firing", window_end, payment_method="invoice"),
        timeout=INTERVAL_SECONDS + 30, every=0.2, log=stack.log,
    )
    print(f"CxmonPaymentRejected firing {firing[0] - window_end:.1f}s after the window ended")
    assert stack.serve.value("cxmon_journey_runs_total", **LABELS, result="fail")
    assert all(a["labels"].get("payment_method") == "invoice" for a in stack.firing_since(window_open))
