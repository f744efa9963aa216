"""A real Prometheus scrapes a real ``cxmon serve`` watching the demo shop, and sees a fault.

Two journeys (invoice, card) so "every journey" means something and the fault, which hits invoice
only, must show on that journey and no other.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from cxmon.demo import DemoShop
from cxmon.metrics_contract import METRICS
from tests.helpers import write_demo_scenario
from tests.integration.serve_process import ServeProcess, http_get, post_fault, start_serve, wait_for
from tests.promstack import PromProcess, start_prometheus
from tools.observability.contract import TARGET_LABELS

pytestmark = [pytest.mark.browser, pytest.mark.prometheus]

SCENARIO = "serve-prom"


def _vector(prom: PromProcess, expr: str) -> list[dict[str, Any]]:
    answer = prom.query(expr)
    assert answer["status"] == "success", answer
    return answer["data"]["result"]


def _values(prom: PromProcess, expr: str) -> dict[str, float]:
    """payment_method → value of each series of ``expr``."""
    return {r["metric"].get("payment_method", ""): float(r["value"][1]) for r in _vector(prom, expr)}


def _scraped_labels(prom: PromProcess) -> dict[str, set[str]]:
    """Series name → the labels cxmon gave it, over every cxmon series Prometheus holds."""
    seen: dict[str, set[str]] = {}
    for series in _vector(prom, '{__name__=~"cxmon_.*"}'):
        labels = dict(series["metric"])
        name = labels.pop("__name__")
        seen.setdefault(name, set()).update(labels.keys() - set(TARGET_LABELS))
    return seen


def _contract_labels() -> dict[str, set[str]]:
    # A family for one scenario key (email:) has no series here: the demo scenario does not use it.
    return {
        name: set(spec.series_labels(name))
        for spec in METRICS
        if spec.scenario_key is None
        for name in spec.series_names()
    }


def test_prometheus_sees_success_then_the_fault(demo_shop: DemoShop, tmp_path: Path) -> None:
    # A revenue: gives the contract's revenue series (J + currency) to scrape.
    scenario = write_demo_scenario(tmp_path, methods=["invoice", "card"], name=SCENARIO, schedule="3s",
                                   revenue={"per_hour": 1000, "currency": "EUR"},
                                   # Slowness is not what this test is about: a busy machine must not fail it.
                                   budgets={"step": "3s", "journey": "30s", "mode": "warn"})
    artifacts = tmp_path / "evidence"
    serve: ServeProcess
    with start_serve(
        tmp_path,
        # --json: an output, so the serve-only cxmon_output_write_failures_total has its series too.
        [str(scenario), "--base-url", demo_shop.url, "--interval", "3s", "--artifacts", str(artifacts),
         "--concurrency", "2", "--json", str(tmp_path / "latest.json")],
        env={"DEMO_PROVIDER_URL": demo_shop.provider_url},
    ) as serve:
        target = serve.url.removeprefix("http://")
        prom = start_prometheus(
            tmp_path,
            f"""
global: {{scrape_interval: 1s, evaluation_interval: 1s}}
scrape_configs:
  - job_name: cxmon
    static_configs: [{{targets: ["{target}"]}}]
""",
        )
        try:
            success = f'cxmon_journey_success{{job="cxmon", scenario="{SCENARIO}"}}'
            wait_for(
                "cxmon_journey_success 1 for both journeys in Prometheus",
                lambda: _values(prom, success) == {"invoice": 1.0, "card": 1.0},
                timeout=45,
                log=serve.log,
            )
            # Every journey metric carries the full journey label set.
            for series in _vector(prom, f'{{__name__=~"cxmon_journey_.*", scenario="{SCENARIO}"}}'):
                labels = series["metric"]
                assert {"scenario", "payment_method", "device", "location", "market"} <= labels.keys(), labels
                assert labels["device"] == "default" and labels["location"] == "default"
                assert labels["market"] == "default"
            assert _values(prom, "cxmon_build_info") and _values(prom, "cxmon_config_last_reload_successful")
            # Prometheus scraped every series of the metric contract, each with exactly its labels.
            def never_scraped() -> list[str]:
                return sorted(_contract_labels().keys() - _scraped_labels(prom).keys())

            try:
                wait_for("every contract series in Prometheus", lambda: not never_scraped(), log=serve.log)
            except AssertionError as exc:
                raise AssertionError(f"never scraped: {never_scraped()}\n{exc}") from None
            assert _scraped_labels(prom) == _contract_labels()

            failures = (
                f'cxmon_failures_total{{scenario="{SCENARIO}", kind="payment_rejected", step="pay", '
                f'stage="payment"}}'
            )
            # Created at 0 before any failure, so an alert's increase() sees the first one.
            assert _values(prom, failures) == {"invoice": 0.0, "card": 0.0}
            post_fault(demo_shop.url, "payment_rejected:invoice")

            wait_for(
                "invoice to fail (success 0) while card still passes",
                lambda: _values(prom, success) == {"invoice": 0.0, "card": 1.0},
                timeout=30,
                log=serve.log,
            )
            wait_for(
                "cxmon_failures_total{kind=payment_rejected, step=pay} to rise for invoice only",
                lambda: (v := _values(prom, failures)) and v.get("invoice", 0) >= 1 and v.get("card") == 0.0,
                timeout=15,
                log=serve.log,
            )
            assert _values(prom, f'cxmon_journey_runs_total{{scenario="{SCENARIO}", result="fail"}}')["invoice"] >= 1
            _check_results_page(serve)
        finally:
            prom.stop()
        assert serve.stop() == 0, serve.log()


def _check_results_page(serve: ServeProcess) -> None:
    """The page an alert links to: the failure, what broke where, and the evidence files."""
    status, body = serve.get("/")
    page = body.decode()
    assert status == 200
    assert "serve-prom[invoice]" in page and "payment_rejected" in page and "<code>pay</code>" in page
    screenshots = [part.split('"')[0] for part in page.split('href="/artifacts/')[1:] if "screenshot.png" in part]
    assert screenshots, page
    status, png = http_get(f"{serve.url}/artifacts/{screenshots[0]}")
    assert status == 200 and png.startswith(b"\x89PNG")
    # Only the evidence folder is served.
    for escape in ("/artifacts/../serve.log", "/artifacts/%2e%2e/serve.log", "/artifacts/..%2fserve.log"):
        status, body = serve.get(escape)
        assert status in (403, 404), (escape, status)
        assert b"listening on" not in body
