"""The alerting path end to end, on real processes: demo shop → ``cxmon serve`` → Prometheus → Alertmanager.

Prometheus (Debian's binary) scrapes a real ``cxmon serve`` every second and evaluates cxmon's own
rules (rendered with short durations); Alertmanager sends every notification to a webhook receiver
inside this module, which records when each one arrived. The tests share one running stack, in
order:

1. a payment fault switched on reaches the receiver as ``CxmonPaymentRejected`` within one
   schedule interval + 45 s, and switching it off resolves it;
2. every dashboard query, its template variables filled in, runs on that Prometheus and finds
   series with the labels its panel shows (after a run that included faults);
3. ``cxmon serve`` killed with SIGKILL reaches the receiver as ``CxmonStale``.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from cxmon.demo import DemoShop
from tests.helpers import write_demo_scenario
from tests.integration.serve_process import (
    ServeProcess,
    cmdline,
    descendants,
    post_fault,
    process_alive,
    start_serve,
    wait_for,
)
from tests.promstack import (
    AlertmanagerProcess,
    PromProcess,
    http_request,
    start_alertmanager,
    start_prometheus,
)
from tests.rules import queries
from tools.observability.alerts import AlertParams, render_prometheus_rules
from tools.observability.generate import dump_yaml

pytestmark = [pytest.mark.browser, pytest.mark.prometheus]

SCENARIO = "alerting-e2e"
METHODS = ("invoice", "card")
INTERVAL_SECONDS = 5
JOB = "cxmon"  # matched by the rules' job_regex (cxmon.*)
PAYMENT_FAULT = "payment_rejected:invoice"
HIDDEN_FAULT = "hidden_action@payment"

# Short rules, evaluated every second. The failure window still spans several runs; the alerts
# stop firing 5 s after they clear, so a resolve arrives within the test.
RULE_PARAMS = AlertParams.short().with_overrides(
    {"group_interval": "1s", "failure_window": "30s", "keep_firing_for": "5s"}
)

FIRING_DEADLINE_SECONDS = INTERVAL_SECONDS + 45
# After the fault is off: the last failure leaves the failure window, keep_firing_for passes,
# then Prometheus and Alertmanager send the resolve.
RESOLVE_DEADLINE_SECONDS = 30 + 5 + 2 * INTERVAL_SECONDS + 30
STALE_DEADLINE_SECONDS = 30

# Concrete values for the dashboards' template variables: this stack's one scenario and location,
# the journeys' device (no device in the matrix: "default"), the faulty payment method.
SELECTED = {
    "scenario": SCENARIO,
    "market": "default",
    "location": "default",
    "device": "default",
    "payment_method": "invoice",
    "job": JOB,
}
ALL = {"scenario": ".*", "market": ".*", "location": ".*", "device": ".*", "payment_method": ".*", "job": "cxmon.*"}


# --- the webhook receiver ------------------------------------------------------------------------


@dataclass(frozen=True)
class Notification:
    """One Alertmanager webhook POST and when it arrived (``time.monotonic()``)."""

    received_at: float
    payload: dict[str, Any]


@dataclass
class WebhookReceiver:
    """Records Alertmanager's webhook notifications, served on a loopback port in a thread."""

    server: ThreadingHTTPServer
    notifications: list[Notification] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/alerts"

    def record(self, payload: dict[str, Any]) -> None:
        with self.lock:
            self.notifications.append(Notification(time.monotonic(), payload))

    def find(self, alertname: str, status: str, since: float = 0.0, **labels: str) -> tuple[float, dict] | None:
        """The first alert named ``alertname`` in ``status`` with ``labels``, received after ``since``."""
        with self.lock:
            notifications = list(self.notifications)
        for notification in notifications:
            if notification.received_at < since:
                continue
            for alert in notification.payload.get("alerts", []):
                alert_labels = alert.get("labels", {})
                if (
                    alert_labels.get("alertname") == alertname
                    and alert.get("status") == status
                    and all(alert_labels.get(k) == v for k, v in labels.items())
                ):
                    return notification.received_at, alert
        return None

    def summary(self) -> str:
        with self.lock:
            return "\n".join(
                f"{n.received_at:.1f} {a.get('status')} {a.get('labels')}"
                for n in self.notifications
                for a in n.payload.get("alerts", [])
            )


def _start_receiver() -> WebhookReceiver:
    receiver: WebhookReceiver

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            receiver.record(json.loads(body))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass  # the notifications are recorded; no request log on stderr

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver = WebhookReceiver(server)
    threading.Thread(target=server.serve_forever, name="webhook-receiver", daemon=True).start()
    return receiver


# --- the stack -----------------------------------------------------------------------------------


@dataclass
class Stack:
    """Everything the tests share, and what happened to it so far."""

    shop: DemoShop
    serve: ServeProcess
    prometheus: PromProcess
    alertmanager: AlertmanagerProcess
    receiver: WebhookReceiver
    target: str
    started_at: float  # wall clock, for query ranges
    faults_seen: set[str] = field(default_factory=set)
    """The ``kind`` of every fault that Prometheus has seen counted."""

    def vector(self, expr: str) -> list[dict[str, Any]]:
        answer = self.prometheus.query(expr)
        assert answer["status"] == "success", (expr, answer)
        return answer["data"]["result"]

    def by_method(self, expr: str) -> dict[str, float]:
        return {r["metric"].get("payment_method", ""): float(r["value"][1]) for r in self.vector(expr)}

    def success(self) -> dict[str, float]:
        return self.by_method(f'cxmon_journey_success{{job="{JOB}", scenario="{SCENARIO}"}}')

    def failures(self, kind: str) -> dict[str, float]:
        return self.by_method(f'sum by (payment_method) (cxmon_failures_total{{scenario="{SCENARIO}", kind="{kind}"}})')

    def first_seen(self, expr: str, since: float) -> float:
        """The first time (wall clock, 1 s resolution) after ``since`` at which ``expr`` had a series."""
        answer = self.prometheus.query_range(expr, since, time.time(), step="1s")
        assert answer["status"] == "success", (expr, answer)
        times = [float(t) for series in answer["data"]["result"] for t, _ in series["values"]]
        assert times, f"{expr}: never true since {since}"
        return min(times)

    def add_fault(self, spec: str) -> None:
        post_fault(self.shop.url, spec)

    def clear_faults(self) -> None:
        status, body = http_request(f"{self.shop.url}/__admin/faults", method="DELETE")
        assert status in (200, 204), (status, body)

    def wait_all_pass(self, timeout: float = 60.0) -> None:
        wait_for(
            f"every journey of {SCENARIO} to pass in Prometheus",
            lambda: self.success() == dict.fromkeys(METHODS, 1.0),
            timeout=timeout,
            every=0.5,
            log=self.log,
        )

    def log(self) -> str:
        return (
            f"--- cxmon serve ---\n{self.serve.log()[-4000:]}\n"
            f"--- notifications ---\n{self.receiver.summary()}\n"
            f"--- alertmanager ---\n{self.alertmanager.log()[-2000:]}\n"
            f"--- prometheus ---\n{self.prometheus.log()[-2000:]}"
        )


def _alertmanager_config(webhook_url: str) -> str:
    return f"""
route:
  receiver: webhook
  group_by: ['...']   # one group per alert: each alert's firing and resolve are notifications of their own
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: webhook
    webhook_configs:
      - url: {webhook_url}
        send_resolved: true
"""


def _prometheus_config(serve_target: str, alertmanager_target: str) -> str:
    return f"""
global: {{scrape_interval: 1s, scrape_timeout: 1s, evaluation_interval: 1s}}
alerting:
  alertmanagers:
    - static_configs: [{{targets: ["{alertmanager_target}"]}}]
scrape_configs:
  - job_name: {JOB}
    static_configs: [{{targets: ["{serve_target}"]}}]
"""


def _kill_leftovers(pids: dict[int, str]) -> None:
    """SIGKILL the serve process' children that outlived it (its browser), each by its pid."""
    for pid, command in pids.items():
        if process_alive(pid) and cmdline(pid) == command:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


@pytest.fixture(scope="module")
def stack(demo_shop_session: DemoShop, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    tmp_path = tmp_path_factory.mktemp("alerting-e2e")
    shop = demo_shop_session
    shop.faults.clear()
    rules = tmp_path / "cxmon.rules.yml"
    rules.write_text(dump_yaml(render_prometheus_rules(RULE_PARAMS)), encoding="utf-8")
    # A revenue: so the overview's revenue panels have series (under CxmonRevenueAtRisk's threshold).
    scenario = write_demo_scenario(tmp_path, methods=list(METHODS), name=SCENARIO, schedule=f"{INTERVAL_SECONDS}s",
                                   revenue={"per_hour": 600, "currency": "EUR"})

    receiver = _start_receiver()
    started: list[Any] = []
    serve_children: dict[int, str] = {}
    try:
        alertmanager = start_alertmanager(tmp_path, _alertmanager_config(receiver.url))
        started.append(alertmanager)
        serve = start_serve(
            tmp_path,
            [str(scenario), "--base-url", shop.url, "--interval", f"{INTERVAL_SECONDS}s",
             "--artifacts", str(tmp_path / "evidence"), "--concurrency", "2"],
            env={"DEMO_PROVIDER_URL": shop.provider_url},
        )  # fmt: skip
        started.append(serve)
        target = serve.url.removeprefix("http://")
        prometheus = start_prometheus(
            tmp_path,
            _prometheus_config(target, alertmanager.url.removeprefix("http://")),
            rule_files=[rules],
        )
        started.append(prometheus)
        stack = Stack(shop, serve, prometheus, alertmanager, receiver, target, started_at=time.time())
        # Remember the browser's processes now: killed with SIGKILL, serve cannot take them along.
        serve_children.update({pid: cmdline(pid) for pid in descendants(serve.process.pid)})
        stack.wait_all_pass()
        serve_children.update({pid: cmdline(pid) for pid in descendants(serve.process.pid)})
        yield stack
    finally:
        for process in reversed(started):
            if isinstance(process, ServeProcess):
                process.__exit__(None, None, None)
            else:
                process.stop()
        _kill_leftovers(serve_children)
        receiver.server.shutdown()
        receiver.server.server_close()
        shop.faults.clear()


# --- the tests -----------------------------------------------------------------------------------


def test_payment_fault_pages_and_resolves(stack: Stack) -> None:
    stack.wait_all_pass()
    receiver = stack.receiver
    assert receiver.find("CxmonPaymentRejected", "firing") is None, receiver.summary()

    fault_on, fault_on_wall = time.monotonic(), time.time()
    stack.add_fault(PAYMENT_FAULT)
    firing = wait_for(
        "CxmonPaymentRejected (invoice) firing at the webhook receiver",
        lambda: receiver.find("CxmonPaymentRejected", "firing", fault_on, payment_method="invoice"),
        timeout=FIRING_DEADLINE_SECONDS + 5,
        every=0.1,
        log=stack.log,
    )
    delivered_after = firing[0] - fault_on
    print(f"\nCxmonPaymentRejected firing delivered {delivered_after:.1f}s after the fault was switched on "
          f"(limit: interval {INTERVAL_SECONDS}s + 45s)")  # fmt: skip
    first_fail = stack.first_seen(
        f'cxmon_journey_success{{scenario="{SCENARIO}", payment_method="invoice"}} == 0', fault_on_wall
    )
    print(f"(the first failed invoice run reached Prometheus {first_fail - fault_on_wall:.1f}s after the fault)")
    assert delivered_after <= FIRING_DEADLINE_SECONDS

    labels = firing[1]["labels"]
    assert labels == {
        "alertname": "CxmonPaymentRejected",
        "severity": "page",
        "scenario": SCENARIO,
        "payment_method": "invoice",
        "device": "default",
        "location": "default",
        "market": "default",
        "step": "pay",
        "stage": "payment",
        "kind": "payment_rejected",
    }, labels
    annotations = firing[1]["annotations"]
    assert annotations["summary"] == f"Payment method invoice rejected in {SCENARIO}"
    assert annotations["runbook_url"].endswith("#cxmonpaymentrejected")
    # The fault hits invoice only: card keeps passing and is never paged for.
    assert stack.success().get("card") == 1.0
    assert receiver.find("CxmonPaymentRejected", "firing", payment_method="card") is None
    stack.faults_seen.add("payment_rejected")

    stack.clear_faults()
    fault_off = time.monotonic()
    resolved = wait_for(
        "CxmonPaymentRejected (invoice) resolved at the webhook receiver",
        lambda: receiver.find("CxmonPaymentRejected", "resolved", fault_off, payment_method="invoice"),
        timeout=RESOLVE_DEADLINE_SECONDS,
        every=0.2,
        log=stack.log,
    )
    print(f"CxmonPaymentRejected resolve delivered {resolved[0] - fault_off:.1f}s after the fault was switched off "
          f"(failure window 30s + keep_firing_for 5s)")  # fmt: skip
    stack.wait_all_pass()


def _fill(expr: str, values: dict[str, str], range_seconds: int) -> str:
    """The query as Grafana sends it: macros replaced, template variables set to ``values``."""
    expr = expr.replace("$__rate_interval", "1m").replace("$__interval", "5s").replace("$__range", f"{range_seconds}s")

    def variable(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(2)
        assert name in values, f"no value for template variable ${name} in {expr}"
        return values[name]

    return re.sub(r"\$\{(\w+)\}|\$(\w+)", variable, expr)


def _expected_labels(expr: str) -> set[str]:
    """The labels a panel shows: its aggregation's ``by (...)``, or a plain selector's target labels.

    An expression that is one outer aggregation (``sum by (currency) (max by (...) (...))``) shows
    the outer one's labels only."""
    outer = re.match(r"\s*\w+ by \(([^)]*)\) \((?s:.*)\)\s*$", expr)
    if outer and expr.count(" by (") > 1:
        return {name.strip() for name in outer.group(1).split(",") if name.strip()}
    grouped = queries.grouping_labels(expr) - {"le"}
    return grouped or {"job", "instance"} | {
        label for labels in queries.selector_labels(expr).values() for label in labels
    }


def test_every_dashboard_query_finds_labelled_series(stack: Stack) -> None:
    # A second kind of fault, on every journey's payment page, until Prometheus has seen it counted
    # twice (a counter's first sample is its creation: increase() sees the second).
    stack.add_fault(HIDDEN_FAULT)
    try:
        wait_for(
            "two hidden_action failures counted in Prometheus",
            lambda: sum(stack.failures("hidden_action").values()) >= 2 * len(METHODS),
            timeout=60,
            every=0.5,
            log=stack.log,
        )
    finally:
        stack.clear_faults()
    stack.faults_seen.add("hidden_action")
    stack.wait_all_pass()

    targets = queries.targets()
    assert targets, "no dashboard queries found"
    now = time.time()
    range_seconds = int(now - stack.started_at) + 10
    problems: list[str] = []
    for target in targets:
        where = f"{target.dashboard} / {target.panel} / {target.ref_id}"
        assert "vector(" not in target.expr, f"{where}: pads missing data: {target.expr}"
        expected = _expected_labels(target.expr)
        for selection_name, values in (("selected", SELECTED), ("all", ALL)):
            expr = _fill(target.expr, values, range_seconds)
            if target.instant:
                answer = stack.prometheus.query(expr, at=now)
            else:
                answer = stack.prometheus.query_range(expr, stack.started_at, now, step="2s")
            if answer.get("status") != "success":
                problems.append(f"{where} [{selection_name}]: {answer.get('errorType')}: {answer.get('error')}\n{expr}")
                continue
            result = answer["data"]["result"]
            if not result:
                problems.append(f"{where} [{selection_name}]: no data\n{expr}")
                continue
            for series in result:
                labels = set(series["metric"]) - {"__name__"}
                if not expected <= labels or (queries.grouping_labels(target.expr) and labels != expected):
                    problems.append(f"{where} [{selection_name}]: labels {sorted(labels)}, "
                                    f"expected {sorted(expected)}")  # fmt: skip
            # The selection filters: every series shown matches the variables the query uses.
            for name, value in values.items():
                if name in expected and f"${name}" in target.expr:
                    seen = {series["metric"].get(name, "") for series in result}
                    if not all(re.fullmatch(value, label) for label in seen):
                        problems.append(f"{where} [{selection_name}]: {name} values {seen}, selected {value!r}")
            # A panel of failures by kind shows every kind of fault switched on during the run.
            if "kind" in expected and "cxmon_failures_total" in queries.series_names(target.expr):
                kinds = {series["metric"]["kind"] for series in result}
                if not stack.faults_seen <= kinds:
                    problems.append(f"{where} [{selection_name}]: kinds {sorted(kinds)}, "
                                    f"faults switched on: {sorted(stack.faults_seen)}")  # fmt: skip
    assert not problems, "\n".join(problems)
    print(f"\n{len(targets)} dashboard queries x 2 selections ran over the last {range_seconds}s")


def test_killed_runner_pages_stale(stack: Stack) -> None:
    killed_at = time.monotonic()
    stack.serve.process.send_signal(signal.SIGKILL)
    stack.serve.process.wait(10)
    stale = wait_for(
        "CxmonStale firing for the killed runner at the webhook receiver",
        lambda: stack.receiver.find("CxmonStale", "firing", killed_at, instance=stack.target),
        timeout=STALE_DEADLINE_SECONDS,
        every=0.1,
        log=stack.log,
    )
    print(f"\nCxmonStale firing delivered {stale[0] - killed_at:.1f}s after cxmon serve was killed")
    assert stale[1]["labels"]["job"] == JOB and stale[1]["labels"]["severity"] == "page"
    assert "cannot be scraped" in stale[1]["annotations"]["description"]
