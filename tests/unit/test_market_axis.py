"""The market axis: journeys per market and the payment methods it offers, its texts, URL, locale
and currency, and the ``market`` label on every journey output."""

from __future__ import annotations

from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from cxmon.exporters.metrics import CxmonMetrics
from cxmon.maintenance import AdhocWindows, active_window
from cxmon.metrics_contract import JOURNEY_LABELS
from cxmon.model import JourneyKey, JourneyResult, Outcome
from cxmon.revenue import RevenueSpec, estimate
from cxmon.scenario import load_scenario
from cxmon.sharding import journey_identity

MARKETS = """\
name: shop
base_url: http://127.0.0.1:8400
variables: {GREETING: Hello, CART: Cart}
markets:
  fi:
    base_url: /fi
    locale: fi-FI
    timezone: Europe/Helsinki
    currency: EUR
    payment_methods: [card, invoice, mobile_pay]
    variables: {ADD_TO_CART: Lisää ostoskoriin, GREETING: Hei}
  sv:
    base_url: https://shop.example.se
    locale: sv-SE
    timezone: Europe/Stockholm
    currency: SEK
    payment_methods: [card, invoice, instalments]
    variables: {ADD_TO_CART: Lägg i varukorgen}
matrix:
  market: [fi, sv]
  payment_method: [card, mobile_pay, instalments]
prices: {rules: ["cart_price == product_price"]}
steps:
  - {name: home, goto: /, expect: {text: "${GREETING} ${CART}"}}
  - name: add
    click: {role: button, name: "${ADD_TO_CART}"}
    capture: {product_price: .price, cart_price: .line-price}
  - {name: only-fi, when: {market: fi}, goto: /fi-only}
  - {name: pay, pay: {method: "${payment_method}"}, expect: {text: "${market}"}}
"""


def load(tmp_path: Path, text: str = MARKETS) -> list:
    path = tmp_path / "s.yml"
    path.write_text(text, encoding="utf-8")
    return load_scenario(path, env={}).journeys()


def test_each_market_walks_only_the_methods_it_offers(tmp_path: Path) -> None:
    journeys = load(tmp_path)
    assert [j.key.id for j in journeys] == [
        "shop[fi,card]", "shop[fi,mobile_pay]", "shop[sv,card]", "shop[sv,instalments]",
    ]
    assert journeys[0].key.labels() == {
        "scenario": "shop", "payment_method": "card", "device": "default", "location": "default", "market": "fi",
    }
    assert tuple(journeys[0].key.labels()) == JOURNEY_LABELS


def test_market_values_fill_each_journey(tmp_path: Path) -> None:
    fi, _, sv, _ = load(tmp_path)
    # The market's own variable wins over the scenario's; a name it leaves out comes from variables:.
    assert fi.steps[0].expect.text == "Hei Cart"
    assert sv.steps[0].expect.text == "Hello Cart"
    assert (fi.steps[1].click.name, sv.steps[1].click.name) == ("Lisää ostoskoriin", "Lägg i varukorgen")
    assert fi.steps[-1].expect.text == "fi" and sv.steps[-1].expect.text == "sv"
    assert (fi.market.locale, fi.market.timezone, sv.market.locale, sv.market.timezone) == (
        "fi-FI", "Europe/Helsinki", "sv-SE", "Europe/Stockholm",
    )
    # The market's currency is the default of prices.currency.
    assert (fi.scenario.prices.currency, sv.scenario.prices.currency) == ("EUR", "SEK")
    # A step for one market only.
    assert [s.name for s in fi.steps] == ["home", "add", "only-fi", "pay"]
    assert [s.name for s in sv.steps] == ["home", "add", "pay"]


def test_market_base_url_is_a_path_under_the_scenario_or_its_own_url(tmp_path: Path) -> None:
    fi, _, sv, _ = load(tmp_path)
    assert fi.scenario.base_url == "http://127.0.0.1:8400/fi"
    assert fi.base_url_for(None) == "http://127.0.0.1:8400/fi"
    # --base-url replaces the shop's address; the market's path stays under it.
    assert fi.base_url_for("http://preview.example/") == "http://preview.example/fi"
    assert sv.scenario.base_url == "https://shop.example.se"
    assert sv.base_url_for(None) == "https://shop.example.se"


def test_without_matrix_market_every_listed_market_is_walked_with_the_methods_it_offers(tmp_path: Path) -> None:
    text = MARKETS.replace("  market: [fi, sv]\n  payment_method: [card, mobile_pay, instalments]\n", "  device: []\n")
    assert [j.key.id for j in load(tmp_path, text)] == [
        "shop[fi,card]", "shop[fi,invoice]", "shop[fi,mobile_pay]",
        "shop[sv,card]", "shop[sv,invoice]", "shop[sv,instalments]",
    ]


def test_a_scenario_without_markets_has_market_default(tmp_path: Path) -> None:
    text = (
        "name: plain\nbase_url: http://127.0.0.1:8400\nmatrix: {payment_method: [card, invoice]}\n"
        "steps:\n  - {name: home, goto: /, expect: {text: '${market}'}}\n"
    )
    journeys = load(tmp_path, text)
    assert [j.key for j in journeys] == [JourneyKey("plain", "card"), JourneyKey("plain", "invoice")]
    assert [j.key.id for j in journeys] == ["plain[card]", "plain[invoice]"]
    assert journeys[0].market is None and journeys[0].base_path == ""
    assert journeys[0].base_url_for("http://other:1") == "http://other:1"
    assert journeys[0].steps[0].expect.text == "default"


def test_the_market_label_is_in_the_exposition() -> None:
    metrics = CxmonMetrics()
    for market, outcome in (("fi", Outcome.PASS), ("sv", Outcome.FAIL)):
        key = JourneyKey("shop", "card", market=market)
        metrics.observe(JourneyResult(key, outcome, 1_700_000_000.0, 3.0))
    families = {f.name: f for f in text_string_to_metric_families(metrics.exposition()[0].decode())}
    success = {s.labels["market"]: s.value for s in families["cxmon_journey_success"].samples}
    assert success == {"fi": 1.0, "sv": 0.0}
    for family in families.values():
        for sample in family.samples:
            if "scenario" in sample.labels:
                assert set(JOURNEY_LABELS) <= set(sample.labels), sample


def test_sharding_of_a_journey_without_market_is_unchanged() -> None:
    assert journey_identity(JourneyKey("s", "card", "iPhone 13", "oulu")) == "s\x1fcard\x1fiPhone 13"
    assert journey_identity(JourneyKey("s", "card", market="fi")) != journey_identity(
        JourneyKey("s", "card", market="sv")
    )


def test_revenue_divides_between_markets_by_their_shares() -> None:
    spec = RevenueSpec(per_hour=900, currency="EUR", markets={"fi": 2, "sv": 1})
    fi = estimate(spec, "card", "default", ["card"], [], 0.0, 3600.0, "fi", ["fi", "sv"])
    sv = estimate(spec, "card", "default", ["card"], [], 0.0, 3600.0, "sv", ["fi", "sv"])
    assert (fi["at_risk_per_hour"], sv["at_risk_per_hour"]) == (600.0, 300.0)
    equal = estimate(RevenueSpec(per_hour=900, currency="EUR"), "card", "default", [], [], 0.0, 3600.0, "sv",
                     ["fi", "sv"])
    assert equal["at_risk_per_hour"] == 450.0


def test_a_scenario_maintenance_window_covers_every_market(tmp_path: Path) -> None:
    windows = AdhocWindows()
    windows.start(600, at=1000.0, scenario="shop")
    open_ = windows.open_at(1100.0)
    covered = {j.key.id: active_window(j.key.scenario, 1100.0, j.scenario.maintenance, (), open_) is not None
               for j in load(tmp_path)}
    assert covered == {"shop[fi,card]": True, "shop[fi,mobile_pay]": True, "shop[sv,card]": True,
                       "shop[sv,instalments]": True}
