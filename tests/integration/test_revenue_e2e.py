"""Revenue at risk end to end: demo shop → ``cxmon serve`` → a real Prometheus.

The scenario is worth 1000 EUR an hour, card 3 parts and invoice 1. A payment fault on invoice
raises ``cxmon_revenue_at_risk_per_hour`` by invoice's share (250 EUR/h) and nothing for card; the
loss of the incident grows while it lasts; when the fault is gone, both drop to 0.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from cxmon.demo import DemoShop
from tests.helpers import write_demo_scenario
from tests.integration.serve_process import ServeProcess, post_fault, start_serve, wait_for
from tests.promstack import PromProcess, http_request, start_prometheus

pytestmark = [pytest.mark.browser, pytest.mark.prometheus]

SCENARIO = "revenue-e2e"
INTERVAL_SECONDS = 3
# Slowness is not what these tests are about: on a busy machine a slow step must not fail a journey.
WARN_ONLY = {"step": "3s", "journey": "30s", "mode": "warn"}
REVENUE = {"per_hour": 1000, "currency": "EUR", "payment_methods": {"card": 3, "invoice": 1}}


@pytest.fixture(scope="module")
def stack(demo_shop_session: DemoShop, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, ...]]:
    tmp_path = tmp_path_factory.mktemp("revenue-e2e")
    shop = demo_shop_session
    shop.faults.clear()
    scenario = write_demo_scenario(tmp_path, methods=["card", "invoice"], name=SCENARIO,
                                   schedule=f"{INTERVAL_SECONDS}s", revenue=REVENUE, budgets=WARN_ONLY)
    started: list[Any] = []
    try:
        serve = start_serve(tmp_path, [str(scenario), "--base-url", shop.url, "--artifacts", str(tmp_path / "ev")],
                            env={"DEMO_PROVIDER_URL": shop.provider_url})
        started.append(serve)
        config = ("global: {scrape_interval: 1s, scrape_timeout: 1s}\nscrape_configs:\n  - job_name: cxmon\n"
                  f"    static_configs: [{{targets: ['{serve.url.removeprefix('http://')}']}}]\n")
        prometheus = start_prometheus(tmp_path, config)
        started.append(prometheus)
        yield shop, serve, prometheus
    finally:
        for process in reversed(started):
            process.stop()
        shop.faults.clear()


def _by_method(prometheus: PromProcess, metric: str) -> dict[str, float]:
    answer = prometheus.query(f'{metric}{{scenario="{SCENARIO}", currency="EUR"}}')
    assert answer["status"] == "success", answer
    return {r["metric"]["payment_method"]: float(r["value"][1]) for r in answer["data"]["result"]}


def _total(prometheus: PromProcess) -> float | None:
    answer = prometheus.query(
        'sum by (currency) (max by (scenario, payment_method, device, currency) '
        f'(cxmon_revenue_at_risk_per_hour{{scenario="{SCENARIO}"}}))'
    )
    assert answer["status"] == "success", answer
    result = answer["data"]["result"]
    return float(result[0]["value"][1]) if result else None


def test_a_fault_on_one_method_raises_revenue_at_risk_by_its_share(stack: tuple[Any, ...]) -> None:
    shop, serve, prometheus = stack
    serve_: ServeProcess = serve

    def log() -> str:
        return f"--- serve ---\n{serve_.log()[-3000:]}\n--- prometheus ---\n{prometheus.log()[-1000:]}"

    def passing() -> bool:
        answer = prometheus.query(f'cxmon_journey_success{{scenario="{SCENARIO}"}}')
        values = [float(r["value"][1]) for r in answer["data"]["result"]]
        return len(values) == 2 and all(v == 1 for v in values)

    wait_for("both journeys passing in Prometheus", passing, timeout=60, every=0.5, log=log)
    assert _total(prometheus) == 0
    assert _by_method(prometheus, "cxmon_revenue_at_risk_per_hour") == {"card": 0.0, "invoice": 0.0}

    post_fault(shop.url, "payment_rejected:invoice")
    wait_for("invoice's share at risk in Prometheus", lambda: _total(prometheus) == 250.0,
             timeout=INTERVAL_SECONDS + 30, every=0.25, log=log)
    assert _by_method(prometheus, "cxmon_revenue_at_risk_per_hour") == {"card": 0.0, "invoice": 250.0}
    first = _by_method(prometheus, "cxmon_revenue_lost_in_incident")["invoice"]
    wait_for("the incident's loss growing",
             lambda: _by_method(prometheus, "cxmon_revenue_lost_in_incident")["invoice"] > first,
             timeout=10, every=0.25, log=log)
    page = serve_.get("/")[1].decode()
    assert "250.00 EUR/h at risk" in page

    status, _ = http_request(f"{shop.url}/__admin/faults", method="DELETE")
    assert status in (200, 204)
    wait_for("revenue at risk back to 0", lambda: _total(prometheus) == 0.0, timeout=INTERVAL_SECONDS + 30,
             every=0.25, log=log)
    assert _by_method(prometheus, "cxmon_revenue_lost_in_incident") == {"card": 0.0, "invoice": 0.0}
