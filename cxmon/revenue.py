"""Revenue at risk: what a failing journey costs, estimated from what the scenario says its path is
worth (see docs/revenue.md).

A scenario states ``revenue:``: revenue per hour (or orders per hour × average order value) in a
currency, optionally shaped by hour of day and weekday in a time zone, and the share of each payment
method, device and market (equal shares by default). A journey stands for its method's share × its
device's share × its market's share of that revenue; while it fails, that much per hour is at risk,
and the loss since it began failing is the rate integrated over the time since (hour by hour, so the
profile counts).

Pure arithmetic over plain data and wall-clock seconds: the scheduler and ``cxmon run`` call it,
exporters only read the numbers it put on a result.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from cxmon.durations import check_time_zone

WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class RevenueSpec(BaseModel):
    """What the purchase path is worth per hour, and how it divides between journeys."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    per_hour: float | None = Field(None, gt=0, description="Revenue per hour through this path")
    orders_per_hour: float | None = Field(None, gt=0, description="Orders per hour (with average_order_value)")
    average_order_value: float | None = Field(None, gt=0, description="Average order value (with orders_per_hour)")
    currency: str = Field(pattern=r"^[A-Z]{3}$", description="ISO 4217 code, e.g. EUR, SEK")
    timezone: str = Field("UTC", description="IANA time zone the hour_of_day and weekday profiles are read in")
    hour_of_day: list[float] | None = Field(
        None, description="24 factors (hour 0..23 local) multiplying the rate, e.g. 0.2 at night, 1.5 in the evening"
    )
    weekday: dict[str, float] = Field(
        default_factory=dict, description="Factors by weekday (mon..sun) multiplying the rate; missing days: 1"
    )
    payment_methods: dict[str, float] = Field(
        default_factory=dict, description="Relative share of each payment method (default: equal shares)"
    )
    devices: dict[str, float] = Field(
        default_factory=dict, description="Relative share of each device (default: equal shares)"
    )
    markets: dict[str, float] = Field(
        default_factory=dict, description="Relative share of each market (default: equal shares)"
    )

    @model_validator(mode="after")
    def _one_rate(self) -> RevenueSpec:
        pair = self.orders_per_hour is not None and self.average_order_value is not None
        half = (self.orders_per_hour is None) != (self.average_order_value is None)
        if half or (self.per_hour is None) == (not pair):
            raise ValueError("give either per_hour, or orders_per_hour with average_order_value")
        return self

    @field_validator("hour_of_day")
    @classmethod
    def _hours(cls, value: list[float] | None) -> list[float] | None:
        if value is not None and (len(value) != 24 or any(v < 0 for v in value)):
            raise ValueError("expected 24 factors of 0 or more, one per hour 0..23")
        return value

    @field_validator("weekday")
    @classmethod
    def _days(cls, value: dict[str, float]) -> dict[str, float]:
        unknown = sorted(set(value) - set(WEEKDAYS))
        if unknown or any(v < 0 for v in value.values()):
            got = ", ".join(unknown) or "a negative one"
            raise ValueError(f"expected factors of 0 or more for {', '.join(WEEKDAYS)}; got {got}")
        return value

    @field_validator("payment_methods", "devices", "markets")
    @classmethod
    def _shares(cls, value: dict[str, float]) -> dict[str, float]:
        if any(v < 0 for v in value.values()) or (value and sum(value.values()) <= 0):
            raise ValueError("expected shares of 0 or more, not all 0")
        return value

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        return check_time_zone(value)

    @property
    def base_per_hour(self) -> float:
        """The stated rate before profiles."""
        if self.per_hour is not None:
            return self.per_hour
        assert self.orders_per_hour is not None and self.average_order_value is not None
        return self.orders_per_hour * self.average_order_value


def share(shares: Mapping[str, float], value: str, values: Sequence[str]) -> float:
    """``value``'s part of 1 among the ``values`` a scenario's matrix has: by ``shares`` when given
    (normalized over those values; a value it leaves out gets 0), else equal."""
    if not values:
        return 1.0
    if not shares:
        return 1.0 / len(values)
    total = sum(shares.get(v, 0.0) for v in values)
    return shares.get(value, 0.0) / total if total > 0 else 0.0


def rate_per_hour(spec: RevenueSpec, at: float) -> float:
    """The path's revenue per hour at ``at`` (Unix seconds): the stated rate × the hour's × the day's factor."""
    local = datetime.fromtimestamp(at, ZoneInfo(spec.timezone))
    factor = spec.hour_of_day[local.hour] if spec.hour_of_day is not None else 1.0
    factor *= spec.weekday.get(WEEKDAYS[local.weekday()], 1.0)
    return spec.base_per_hour * factor


def loss_between(spec: RevenueSpec, journey_share: float, start: float, end: float) -> float:
    """Revenue of a journey's share between ``start`` and ``end``: the rate integrated hour by hour."""
    if end <= start or journey_share <= 0:
        return 0.0
    zone = ZoneInfo(spec.timezone)
    total = 0.0
    t = start
    while t < end:
        local = datetime.fromtimestamp(t, zone)
        next_hour = (local.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)).timestamp()
        # Whole hours in a zone with a 30-minute offset still fall on its own hour boundaries.
        upto = min(end, next_hour if next_hour > t else t + 3600)
        total += rate_per_hour(spec, t) * (upto - t) / 3600.0
        t = upto
    return total * journey_share


def estimate(
    spec: RevenueSpec,
    method: str,
    device: str,
    methods: Sequence[str],
    devices: Sequence[str],
    failing_since: float | None,
    now: float,
    market: str = "default",
    markets: Sequence[str] = (),
) -> dict[str, Any]:
    """The revenue block of a journey's result: its share, the rate at risk now, the loss so far.

    ``failing_since`` is when the journey's current run of failures began (``None``: it passes).
    ``methods`` are the payment methods walked in the journey's market, ``markets`` the markets walked.
    """
    journey_share = share(spec.payment_methods, method, methods) * share(spec.devices, device, devices)
    journey_share *= share(spec.markets, market, markets)
    failing = failing_since is not None
    at_risk = rate_per_hour(spec, now) * journey_share if failing else 0.0
    lost = loss_between(spec, journey_share, failing_since, now) if failing_since is not None else 0.0
    return {
        "currency": spec.currency,
        "share": round(journey_share, 6),
        "at_risk_per_hour": _round(at_risk),
        "lost": _round(lost),
        "failing_since": failing_since,
    }


def _round(value: float) -> float:
    return 0.0 if math.isclose(value, 0.0, abs_tol=1e-9) else round(value, 2)


def totals(blocks: Sequence[Mapping[str, Any]]) -> dict[str, dict[str, float]]:
    """At risk and lost summed per currency (never across currencies)."""
    out: dict[str, dict[str, float]] = {}
    for block in blocks:
        entry = out.setdefault(block["currency"], {"at_risk_per_hour": 0.0, "lost": 0.0})
        entry["at_risk_per_hour"] = round(entry["at_risk_per_hour"] + block["at_risk_per_hour"], 2)
        entry["lost"] = round(entry["lost"] + block["lost"], 2)
    return dict(sorted(out.items()))
