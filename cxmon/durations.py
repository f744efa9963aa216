"""Durations as people write them in scenario files and flags: ``500ms``, ``2s``, ``1.5m``, ``1h``;
and the time zones schedules are read in."""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$")
_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, None: 1.0}
DURATION_HINT = "a duration like 500ms, 2s, 1.5m or 1h"


def parse_duration(value: object) -> float:
    """Seconds from ``'2s'``, ``'500ms'``, ``'1m'``, ``'1h'`` or a bare number of seconds.

    Raises ``ValueError`` with a message that says what was expected.
    """
    if isinstance(value, bool):
        raise ValueError(f"expected {DURATION_HINT}, got {value!r}")
    if isinstance(value, int | float):
        seconds = float(value)
    elif isinstance(value, str) and (m := _DURATION.match(value)):
        seconds = float(m.group(1)) * _UNITS[m.group(2)]
    else:
        raise ValueError(f"expected {DURATION_HINT}, got {value!r}")
    if seconds < 0:
        raise ValueError(f"expected {DURATION_HINT}, got a negative value {value!r}")
    return seconds


def format_duration(seconds: float) -> str:
    """A short human form: ``850ms``, ``2.31s``, ``1m05s``."""
    if seconds < 1:
        return f"{seconds * 1000:.0f}ms"
    if seconds < 60:
        return f"{seconds:.2f}s"
    minutes, rest = divmod(seconds, 60)
    return f"{int(minutes)}m{rest:02.0f}s"


def check_time_zone(value: str) -> str:
    """``value`` when it names an IANA time zone; raises ``ValueError`` saying what was expected."""
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"expected an IANA time zone like Europe/Helsinki or UTC, got {value!r}") from None
    return value
