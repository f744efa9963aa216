"""Several locations, one alert: three real ``cxmon serve`` runners, one real Prometheus.

Runners ``a``, ``b`` and ``c`` (``--location``) each watch their own demo shop; the shops of ``a``
and ``b`` reject invoice payments, ``c``'s is healthy. One Prometheus scrapes all three and
evaluates the shipped alert rules (short durations; ``min_locations`` 2):
``CxmonJourneyFailingInManyLocations`` fires for 2 of 3 failing locations, and once ``b``'s shop is
fixed (1 of 3 failing) it resolves and stays quiet while ``a`` still fails.

One journey (invoice), a 5 s schedule and relaxed step budgets: three runners share two cores.
"""

from __future__ import annotations

import dataclasses
import time
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
import yaml

from cxmon.demo import DemoShop, DemoShopThread
from tests.helpers import write_demo_scenario
from tests.integration.serve_process import ServeProcess, start_serve, wait_for
from tests.promstack import PromProcess, start_prometheus
from tools.observability.alerts import AlertParams, render_prometheus_rules

pytestmark = [pytest.mark.browser, pytest.mark.prometheus, pytest.mark.timeout(240)]

SCENARIO = "locations"
ALERT = "CxmonJourneyFailingInManyLocations"
FAULT = "payment_rejected:invoice"


@pytest.fixture
def shops(demo_shop: DemoShop) -> Iterator[dict[str, DemoShop]]:
    """location → the shop its runner watches: a and b faulty, c healthy."""
    demo_shop.faults.clear()
    with DemoShopThread(faults=[FAULT]) as shop_b, DemoShopThread() as shop_c:
        urllib.request.urlopen(urllib.request.Request(
            f"{demo_shop.url}/__admin/faults", data=f'{{"fault": "{FAULT}"}}'.encode(), method="POST",
            headers={"Content-Type": "application/json"}), timeout=5).close()
        yield {"a": demo_shop, "b": shop_b, "c": shop_c}


def _clear_faults(shop: DemoShop) -> None:
    request = urllib.request.Request(f"{shop.url}/__admin/faults", method="DELETE")
    with urllib.request.urlopen(request, timeout=5) as response:
        assert response.status in (200, 204), response.status


def _success(prom: PromProcess) -> dict[str, float]:
    answer = prom.query(f'cxmon_journey_success{{scenario="{SCENARIO}"}}')
    assert answer["status"] == "success", answer
    return {r["metric"]["location"]: float(r["value"][1]) for r in answer["data"]["result"]}


def _many_locations(prom: PromProcess) -> list[dict[str, Any]]:
    return [a for a in prom.alerts() if a["labels"]["alertname"] == ALERT]


def test_failing_in_two_of_three_locations_fires_one_of_three_does_not(
    shops: dict[str, DemoShop], tmp_path: Path
) -> None:
    scenario = write_demo_scenario(tmp_path, methods=["invoice"], name=SCENARIO, schedule="5s",
                                   budgets={"step": "10s", "journey": "60s"})
    params = dataclasses.replace(AlertParams.short(), keep_firing_for="3s")
    assert params.min_locations == 2
    rules = tmp_path / "cxmon.rules.yml"
    rules.write_text(yaml.safe_dump(render_prometheus_rules(params), sort_keys=False))

    with ExitStack() as stack:
        runners: dict[str, ServeProcess] = {}
        for location, shop in shops.items():
            folder = tmp_path / location
            folder.mkdir()
            runners[location] = stack.enter_context(start_serve(
                folder,
                [str(scenario), "--base-url", shop.url, "--location", location, "--interval", "5s",
                 "--concurrency", "1", "--keep-failures", "0"],
                env={"DEMO_PROVIDER_URL": shop.provider_url},
            ))
        targets = ", ".join(f'"{r.url.removeprefix("http://")}"' for r in runners.values())
        prom = start_prometheus(
            tmp_path,
            f"""
global: {{scrape_interval: 1s, evaluation_interval: 1s}}
scrape_configs:
  - job_name: cxmon
    static_configs: [{{targets: [{targets}]}}]
""",
            rule_files=[rules],
        )
        stack.callback(prom.stop)

        def logs() -> str:
            return "\n".join(f"--- {loc} ---\n{r.log()[-3000:]}" for loc, r in runners.items())

        # 2 of 3 locations fail: the alert fires, once, for the journey, with the count.
        wait_for("a and b failing, c passing", lambda: _success(prom) == {"a": 0.0, "b": 0.0, "c": 1.0},
                 timeout=60, log=logs)
        firing = wait_for(f"{ALERT} firing",
                          lambda: [a for a in _many_locations(prom) if a["state"] == "firing"], timeout=20, log=logs)
        assert len(firing) == 1, firing
        labels = firing[0]["labels"]
        assert (labels["scenario"], labels["payment_method"], labels["device"]) == (SCENARIO, "invoice", "default")
        assert "location" not in labels
        assert float(firing[0]["value"]) == 2.0

        # b's shop is fixed: 1 of 3 fails. The alert resolves (after keep_firing_for) and stays off.
        _clear_faults(shops["b"])
        wait_for("b passing again, a still failing", lambda: _success(prom) == {"a": 0.0, "b": 1.0, "c": 1.0},
                 timeout=40, log=logs)
        wait_for(f"{ALERT} to resolve", lambda: not _many_locations(prom), timeout=20, log=logs)
        quiet_until = time.monotonic() + 12  # two more runs of each runner
        while time.monotonic() < quiet_until:
            assert _many_locations(prom) == [], _many_locations(prom)
            assert _success(prom)["a"] == 0.0
            time.sleep(1)
        # The per-location alert still pages for a: one location's trouble is not lost.
        journey_failing = [a for a in prom.alerts() if a["labels"]["alertname"] == "CxmonJourneyFailing"]
        assert {a["labels"]["location"] for a in journey_failing if a["state"] == "firing"} == {"a"}

        for location, runner in runners.items():
            assert runner.stop() == 0, f"{location}:\n{runner.log()}"
