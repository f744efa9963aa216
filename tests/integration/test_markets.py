"""Markets end to end: one scenario walks the demo shop's Finnish and Swedish markets with each
market's texts, currency, locale and time zone, and a fault of one market fails that market only."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

from cxmon.exporters.metrics import CxmonMetrics
from cxmon.model import JourneyResult, Kind, Outcome, Stage
from cxmon.runner import Runner, RunOptions
from cxmon.scenario import load_scenario
from tests.helpers import ROOT, demo_env
from tests.integration.loopback_servers import recording_server

pytestmark = pytest.mark.browser

MARKETS_SCENARIO = ROOT / "scenarios" / "demo-shop" / "markets.yml"
# The shipped scenario with budgets far out of reach: these tests are about markets, and a loaded
# machine must not add `slow`.
OPTIONS = RunOptions(trace="off", step_timeout=20.0)


async def _run_markets(demo_shop, tmp_path: Path) -> dict[str, JourneyResult]:
    data = yaml.safe_load(MARKETS_SCENARIO.read_text(encoding="utf-8"))
    data["budgets"] = {"step": "60s", "journey": "300s"}
    for step in data["steps"]:
        step.pop("budget", None)
    path = tmp_path / "markets.yml"
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    journeys = load_scenario(path, env=demo_env(demo_shop)).journeys()
    assert [j.key.id for j in journeys] == ["demo-markets[fi,mobile_pay]", "demo-markets[sv,instalments]"]
    assert [(j.market.locale, j.market.timezone) for j in journeys if j.market] == [
        ("fi-FI", "Europe/Helsinki"), ("sv-SE", "Europe/Stockholm"),
    ]
    async with Runner(OPTIONS) as runner:
        results = await runner.run(journeys, concurrency=1)
    return {r.key.market: r for r in results}


async def test_one_scenario_walks_both_markets_in_their_language_and_currency(demo_shop, tmp_path: Path) -> None:
    results = await _run_markets(demo_shop, tmp_path)
    for market, result in results.items():
        assert result.outcome is Outcome.PASS, (market, [f.message for f in result.all_findings()])
        assert result.order_number
    prices = {m: {c.name: c.text for c in r.captures} for m, r in results.items()}
    assert prices["fi"]["product_price"] == prices["fi"]["paid_total"] == "89.00 EUR"
    assert prices["sv"]["product_price"] == prices["sv"]["paid_total"] == "990.00 SEK"
    assert results["fi"].steps[-1].url.startswith(f"{demo_shop.url}/fi/order/")
    assert results["sv"].steps[-1].url.startswith(f"{demo_shop.url}/sv/order/")
    # The metrics carry each journey's market.
    metrics = CxmonMetrics()
    for result in results.values():
        metrics.observe(result)
    families = {f.name: f for f in text_string_to_metric_families(metrics.exposition()[0].decode())}
    success = {(s.labels["market"], s.labels["payment_method"]): s.value
               for s in families["cxmon_journey_success"].samples}
    assert success == {("fi", "mobile_pay"): 1.0, ("sv", "instalments"): 1.0}


async def test_a_market_only_fault_fails_that_market_only(demo_shop, tmp_path: Path) -> None:
    demo_shop.faults.add("error_page@cart#sv")
    results = await _run_markets(demo_shop, tmp_path)
    assert results["fi"].outcome is Outcome.PASS, [f.message for f in results["fi"].all_findings()]
    assert results["sv"].outcome is Outcome.FAIL
    [finding] = results["sv"].failures()
    assert (finding.kind, finding.step, finding.stage) == (Kind.ERROR_PAGE, "add-to-cart", Stage.CART)
    assert finding.evidence.get("status") == 500


LOCALE_PAGE = b"""<!doctype html><html><head><title>Where am I</title></head><body><p id="out"></p>
<script>
document.getElementById("out").textContent = "lang=" + navigator.language + " zone=" +
  Intl.DateTimeFormat().resolvedOptions().timeZone;
</script></body></html>"""


async def test_the_browser_context_has_the_market_locale_and_time_zone(tmp_path: Path) -> None:
    with recording_server(lambda path: (200, "text/html; charset=utf-8", LOCALE_PAGE, {})) as server:
        scenario = tmp_path / "where.yml"
        scenario.write_text(
            "name: where\n"
            f"base_url: {server.url}\n"
            "markets:\n"
            "  fi: {base_url: /fi, locale: fi-FI, timezone: Europe/Helsinki,\n"
            "       variables: {EXPECTED: lang=fi-FI zone=Europe/Helsinki}}\n"
            "  sv: {base_url: /sv, locale: sv-SE, timezone: America/New_York,\n"
            "       variables: {EXPECTED: lang=sv-SE zone=America/New_York}}\n"
            "steps:\n"
            "  - {name: home, goto: /, expect: {text: '${EXPECTED}'}}\n",
            encoding="utf-8",
        )
        journeys = load_scenario(scenario, env={}).journeys()
        async with Runner(OPTIONS) as runner:
            results = await runner.run(journeys, concurrency=1)
    assert {r.key.market: r.outcome for r in results} == {"fi": Outcome.PASS, "sv": Outcome.PASS}, [
        f.message for r in results for f in r.all_findings()
    ]
    # Header names as the browser sent them (request interception may lower-case them).
    languages = {
        r.path: {k.lower(): v for k, v in r.headers.items()}.get("accept-language") for r in server.requests
    }
    assert (languages["/fi/"], languages["/sv/"]) == ("fi-FI", "sv-SE")
