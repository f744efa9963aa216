"""The revenue-at-risk estimate on plain data: shares, hour-of-day and weekday profiles, losses
across hours, currencies kept apart; the scenario key; the scheduler's incident tracking (fake
runner) and the metrics."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from pydantic import ValidationError

from cxmon.exporters.console import revenue_lines
from cxmon.exporters.json import run_to_dict
from cxmon.exporters.metrics import CxmonMetrics
from cxmon.model import JourneyKey, JourneyResult, Outcome, RunResult
from cxmon.revenue import RevenueSpec, estimate, loss_between, rate_per_hour, share, totals
from cxmon.scenario import load_scenario
from tests.helpers import write_demo_scenario
from tests.unit.test_scheduler import FakeRunner, scheduler


def utc(*args: int) -> float:
    return datetime(*args, tzinfo=UTC).timestamp()


def spec(**data: object) -> RevenueSpec:
    return RevenueSpec.model_validate({"currency": "EUR", **data})


NOON = utc(2026, 12, 2, 12)  # a Wednesday


def test_shares_default_equal_and_follow_stated_weights() -> None:
    assert share({}, "card", ["card", "invoice", "instalments", "mobile_pay"]) == 0.25
    assert share({}, "default", []) == 1.0
    weights = {"card": 6, "invoice": 3, "instalments": 1}
    assert share(weights, "card", ["card", "invoice", "instalments"]) == 0.6
    # Normalized over the methods the matrix has: a weight for a method not run is left out.
    assert share(weights, "card", ["card", "invoice"]) == pytest.approx(6 / 9)
    assert share(weights, "mobile_pay", ["card", "mobile_pay"]) == 0.0


def test_a_journey_stands_for_its_method_and_device_share() -> None:
    s = spec(per_hour=1000, payment_methods={"card": 0.7, "invoice": 0.3},
             devices={"Desktop Chrome": 3, "iPhone 13": 1})
    block = estimate(s, "invoice", "iPhone 13", ["card", "invoice"], ["Desktop Chrome", "iPhone 13"], NOON - 60, NOON)
    assert block["share"] == pytest.approx(0.3 * 0.25)
    assert block["at_risk_per_hour"] == 75.0 and block["currency"] == "EUR"
    assert block["lost"] == pytest.approx(75 / 60, abs=0.01)  # one minute of 75/h
    passing = estimate(s, "card", "Desktop Chrome", ["card", "invoice"], ["Desktop Chrome", "iPhone 13"], None, NOON)
    assert passing["at_risk_per_hour"] == 0.0 and passing["lost"] == 0.0


def test_orders_times_average_value() -> None:
    assert spec(orders_per_hour=40, average_order_value=85).base_per_hour == 3400


def test_hour_of_day_and_weekday_profiles_in_the_time_zone() -> None:
    hours = [0.1] * 24
    hours[20] = 2.0  # 20:00 local
    s = spec(per_hour=100, timezone="Europe/Helsinki", hour_of_day=hours, weekday={"sun": 0.5})
    assert rate_per_hour(s, utc(2026, 12, 2, 18, 30)) == pytest.approx(200)  # 20:30 in Helsinki (UTC+2)
    assert rate_per_hour(s, utc(2026, 12, 2, 20, 30)) == pytest.approx(10)  # 22:30
    assert rate_per_hour(s, utc(2026, 12, 6, 18, 30)) == pytest.approx(100)  # a Sunday: x 0.5
    # A loss over 19:30-21:30 local integrates hour by hour: 0.5 h x 10 + 1 h x 200 + 0.5 h x 10.
    assert loss_between(s, 1.0, utc(2026, 12, 2, 17, 30), utc(2026, 12, 2, 19, 30)) == pytest.approx(210)


def test_currencies_are_kept_apart() -> None:
    blocks = [
        {"currency": "EUR", "at_risk_per_hour": 100.0, "lost": 5.0},
        {"currency": "SEK", "at_risk_per_hour": 900.0, "lost": 10.0},
        {"currency": "EUR", "at_risk_per_hour": 50.5, "lost": 0.0},
    ]
    assert totals(blocks) == {"EUR": {"at_risk_per_hour": 150.5, "lost": 5.0},
                              "SEK": {"at_risk_per_hour": 900.0, "lost": 10.0}}
    eur = JourneyResult(JourneyKey("fi", "card"), Outcome.FAIL, NOON, 1.0, revenue={**blocks[0], "share": 1.0})
    sek = JourneyResult(JourneyKey("se", "swish"), Outcome.FAIL, NOON, 1.0, revenue={**blocks[1], "share": 1.0})
    lines = revenue_lines([eur, sek])
    assert lines == ["revenue at risk: 100.00 EUR/h (fi[card] 100.00), about 5.00 EUR lost so far",
                     "revenue at risk: 900.00 SEK/h (se[swish] 900.00), about 10.00 SEK lost so far"]
    assert run_to_dict(RunResult([eur, sek]))["revenue"] == totals(blocks[:2])


@pytest.mark.parametrize(("data", "message"), [
    ({"currency": "EUR"}, "either per_hour"),
    ({"currency": "EUR", "per_hour": 10, "orders_per_hour": 2, "average_order_value": 5}, "either per_hour"),
    ({"currency": "EUR", "orders_per_hour": 2}, "either per_hour"),
    ({"currency": "euro", "per_hour": 10}, "pattern"),
    ({"currency": "EUR", "per_hour": 10, "hour_of_day": [1] * 23}, "24 factors"),
    ({"currency": "EUR", "per_hour": 10, "weekday": {"sunday": 1}}, "mon, tue"),
    ({"currency": "EUR", "per_hour": 10, "payment_methods": {"card": 0}}, "not all 0"),
    ({"currency": "EUR", "per_hour": 10, "timezone": "Nordic"}, "IANA"),
])
def test_bad_revenue_says_what_was_expected(data: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        RevenueSpec.model_validate(data)


def test_scenario_key(tmp_path: Path) -> None:
    path = write_demo_scenario(tmp_path, revenue={"per_hour": 1200, "currency": "SEK"})
    revenue = load_scenario(path, env={}).scenario.revenue
    assert revenue is not None and revenue.currency == "SEK"


async def test_serve_tracks_the_incident_and_clears_it(tmp_path: Path) -> None:
    runner = FakeRunner(seconds=0.01, outcome=Outcome.FAIL)
    s = scheduler(tmp_path, runner, ["card", "invoice"])
    # A scenario with a value: rewrite it and reload.
    write_demo_scenario(tmp_path, methods=["card", "invoice"], name="sched", schedule=None,
                        revenue={"per_hour": 1000, "currency": "EUR", "payment_methods": {"card": 3, "invoice": 1}})
    assert await s.reload()
    keys = {k.payment_method: k for k in s.journeys}
    get = s.metrics.registry.get_sample_value
    invoice = {**keys["invoice"].labels(), "currency": "EUR"}
    assert get("cxmon_revenue_at_risk_per_hour", invoice) == 0  # declared at 0 before any run
    first = await s.run_once(keys["invoice"])
    second = await s.run_once(keys["invoice"])
    assert first is not None and second is not None and first.revenue and second.revenue
    assert second.revenue["failing_since"] == first.started_at  # the incident began with the first failure
    assert get("cxmon_revenue_at_risk_per_hour", invoice) == 250.0
    assert get("cxmon_revenue_at_risk_per_hour", {**keys["card"].labels(), "currency": "EUR"}) == 0
    s.refresh_revenue()
    lost = get("cxmon_revenue_lost_in_incident", invoice)
    assert lost is not None and lost >= 0
    runner.outcome = Outcome.PASS
    passed = await s.run_once(keys["invoice"])
    assert passed is not None and passed.revenue and passed.revenue["failing_since"] is None
    assert get("cxmon_revenue_at_risk_per_hour", invoice) == 0 and get("cxmon_revenue_lost_in_incident", invoice) == 0


def test_metrics_carry_the_currency() -> None:
    metrics = CxmonMetrics()
    key = JourneyKey("shop", "card")
    block = {"currency": "NOK", "share": 0.5, "at_risk_per_hour": 420.0, "lost": 7.0, "failing_since": 1.0}
    metrics.observe(JourneyResult(key, Outcome.FAIL, 1.0, 1.0, revenue=block))
    labels = {**key.labels(), "currency": "NOK"}
    assert metrics.registry.get_sample_value("cxmon_revenue_at_risk_per_hour", labels) == 420
    assert metrics.registry.get_sample_value("cxmon_revenue_lost_in_incident", labels) == 7
