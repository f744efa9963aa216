"""Maintenance windows: when a journey's failures are planned, not news (see docs/maintenance.md).

Two kinds of window:

- **recurring**, written in a scenario (``maintenance:``) or in a shared file given to ``cxmon
  serve --maintenance-file`` / ``cxmon run --maintenance-file``: a cron expression (when the window
  begins), a duration and a time zone, e.g. Sundays 02:00 for 2h in Europe/Helsinki;
- **ad hoc**, opened on a running ``cxmon serve`` by ``cxmon maintenance start --for 30m`` and
  closed by its end or by ``cxmon maintenance end``.

The cron expression is read in the window's time zone by croniter, so "02:00" stays 02:00 local
time across daylight-saving changes. Two edge cases are decided here, once: a start that falls in
the hour skipped in spring begins when the clock jumps (croniter's choice, e.g. 04:00); a start in
the hour repeated in autumn begins once, at its first occurrence. The duration is real elapsed
time.

``mode`` says what happens inside a window: ``skip`` (the default) does not run the journey;
``run`` runs it but counts nothing as a failure. Either way its result is ``maintenance``.

This module is pure logic over wall-clock times (Unix seconds): the scheduler asks
:func:`active_window` at run time, tests ask it at any instant.
"""

from __future__ import annotations

import itertools
import threading
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

import yaml
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, field_validator

from cxmon.durations import check_time_zone, parse_duration
from cxmon.errors import InputError

Mode = Literal["skip", "run"]
MODES: tuple[str, ...] = ("skip", "run")


def _positive_duration(value: object) -> float:
    seconds = parse_duration(value)
    if seconds <= 0:
        raise ValueError(f"expected a duration above zero, got {value!r}")
    return seconds


class MaintenanceWindowSpec(BaseModel):
    """A recurring maintenance window: it begins at every match of ``cron`` in ``timezone`` and lasts
    ``duration``."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    cron: str = Field(description="When the window begins: a 5-field cron expression, e.g. '0 2 * * SUN'")
    duration: Annotated[float, BeforeValidator(_positive_duration)] = Field(
        description="How long it lasts, e.g. 2h, 30m"
    )
    timezone: str = Field("UTC", description="IANA time zone the cron expression is read in, e.g. Europe/Helsinki")
    mode: Mode = Field("skip", description="skip: do not run the journey; run: run it, count no failure")
    scenarios: list[str] = Field(
        default_factory=list,
        description="In a shared file: the scenarios it applies to (empty: all); not used inside a scenario",
    )
    name: str = Field("", description="Shown in results and on the results page")

    @field_validator("cron")
    @classmethod
    def _cron(cls, value: str) -> str:
        from croniter import croniter  # only scenarios with windows pay for it

        if len(value.split()) != 5 or not croniter.is_valid(value):
            raise ValueError(f"expected a 5-field cron expression like '0 2 * * SUN', got {value!r}")
        return value

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        return check_time_zone(value)


@dataclass(frozen=True)
class Window:
    """One occurrence of a window: when it began and ends (Unix seconds), and what it does."""

    start: float
    end: float
    mode: Mode
    source: str
    """``cron '0 2 * * SUN' Europe/Helsinki``, ``ad hoc <id>``: what opened it, for people."""
    id: str = ""
    """The id of an ad-hoc window (for ``cxmon maintenance end``); empty for recurring ones."""

    def contains(self, at: float) -> bool:
        return self.start <= at < self.end

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "start": self.start, "end": self.end, "mode": self.mode, "source": self.source}


def _first_occurrence(start: datetime) -> datetime:
    """The first of two instants with ``start``'s local time (the autumn repeat), else ``start``."""
    naive = start.replace(tzinfo=None)
    first = naive.replace(tzinfo=start.tzinfo, fold=0)
    return first if first.timestamp() < start.timestamp() else start


def occurrence_at(spec: MaintenanceWindowSpec, at: float) -> Window | None:
    """The occurrence of ``spec`` that is open at ``at`` (Unix seconds), or ``None``."""
    from croniter import croniter

    zone = ZoneInfo(spec.timezone)
    # croniter's get_prev is strict: start just after `at` so a window beginning exactly then counts,
    # and step over a start that lies in that second after `at`.
    starts = croniter(spec.cron, datetime.fromtimestamp(at, zone) + timedelta(seconds=1))
    # An autumn repeat of a local time (03:30 twice) is one window, begun at the first one.
    begin = _first_occurrence(starts.get_prev(datetime)).timestamp()
    if begin > at:
        begin = _first_occurrence(starts.get_prev(datetime)).timestamp()
    # The latest start is the one open longest: an earlier start of the same length ended earlier.
    end = begin + spec.duration
    if not begin <= at < end:
        return None
    label = spec.name or f"cron '{spec.cron}' {spec.timezone}"
    return Window(begin, end, spec.mode, label)


def next_start(spec: MaintenanceWindowSpec, after: float) -> float:
    """When ``spec`` next begins after ``after`` (Unix seconds); autumn repeats are not new starts."""
    from croniter import croniter

    it = croniter(spec.cron, datetime.fromtimestamp(after, ZoneInfo(spec.timezone)))
    while True:
        first = _first_occurrence(it.get_next(datetime)).timestamp()
        if first > after:  # a repeat whose first occurrence already passed is no new start
            return first


class SharedWindows(BaseModel):
    """A shared maintenance file: ``windows:``, each with optional ``scenarios:``."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    windows: list[MaintenanceWindowSpec] = Field(default_factory=list)


def load_shared_windows(path: str | Path) -> list[MaintenanceWindowSpec]:
    """Reads a shared maintenance file. Raises ``InputError`` naming the file (and line) and what was expected."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read the maintenance file: {exc}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        raise InputError(f"{where}: not valid YAML: {getattr(exc, 'problem', exc)}") from None
    if data is None:
        return []
    try:
        return list(SharedWindows.model_validate(data).windows)
    except ValidationError as exc:
        lines = _key_lines(text)
        problems = []
        for err in exc.errors(include_url=False):
            loc = ".".join(str(p) for p in err["loc"])
            index = next((p for p in err["loc"] if isinstance(p, int)), None)
            line = lines[index] if index is not None and index < len(lines) else None
            where = f"{path}:{line}" if line else str(path)
            problems.append(f"{where}: {loc}: {err['msg']} (expected windows: [{{cron, duration, timezone}}])")
        raise InputError("\n".join(problems)) from None


def _key_lines(text: str) -> list[int]:
    """The line number of each item of ``windows:`` (1-based), for error messages."""
    node = yaml.compose(text)
    if not isinstance(node, yaml.MappingNode):
        return []
    for key, value in node.value:
        if key.value == "windows" and isinstance(value, yaml.SequenceNode):
            return [item.start_mark.line + 1 for item in value.value]
    return []


def applies_to(spec: MaintenanceWindowSpec, scenario: str) -> bool:
    """Whether a shared window covers ``scenario`` (no ``scenarios:``: every scenario)."""
    return not spec.scenarios or scenario in spec.scenarios


@dataclass(frozen=True)
class AdhocWindow:
    """A window opened by hand on a running ``cxmon serve``."""

    id: str
    start: float
    end: float
    mode: Mode
    scenario: str | None
    """``None``: every scenario."""
    reason: str = ""

    def window(self) -> Window:
        what = f"ad hoc {self.id}" + (f": {self.reason}" if self.reason else "")
        return Window(self.start, self.end, self.mode, what, self.id)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "start": self.start,
            "end": self.end,
            "mode": self.mode,
            "scenario": self.scenario,
            "reason": self.reason,
        }


class AdhocWindows:
    """The ad-hoc windows of one serve process, in memory (a restart forgets them)."""

    def __init__(self) -> None:
        self._windows: dict[str, AdhocWindow] = {}
        self._lock = threading.Lock()

    def start(self, seconds: float, at: float, scenario: str | None = None, mode: Mode = "skip",
              reason: str = "") -> AdhocWindow:
        """Opens a window of ``seconds`` from ``at``."""
        if seconds <= 0:
            raise ValueError("a maintenance window must last more than zero seconds")
        window = AdhocWindow(uuid.uuid4().hex[:8], at, at + seconds, mode, scenario, reason)
        with self._lock:
            self._windows[window.id] = window
        return window

    def end(self, at: float, window_id: str | None = None, scenario: str | None = None) -> list[AdhocWindow]:
        """Ends the open window ``window_id``, or every open one of ``scenario`` (or all with neither)."""
        with self._lock:
            chosen = [
                w for w in self._windows.values()
                if w.end > at and (window_id is None or w.id == window_id)
                and (scenario is None or w.scenario == scenario)
            ]  # fmt: skip
            for w in chosen:
                self._windows[w.id] = AdhocWindow(w.id, w.start, at, w.mode, w.scenario, w.reason)
        return chosen

    def open_at(self, at: float) -> list[AdhocWindow]:
        """The windows open at ``at``; windows that ended are dropped."""
        with self._lock:
            for gone in [k for k, w in self._windows.items() if w.end <= at]:
                del self._windows[gone]
            return sorted(self._windows.values(), key=lambda w: (w.start, w.id))


def active_window(
    scenario: str,
    at: float,
    recurring: Iterable[MaintenanceWindowSpec] = (),
    shared: Iterable[MaintenanceWindowSpec] = (),
    adhoc: Sequence[AdhocWindow] = (),
) -> Window | None:
    """The window covering ``scenario`` at ``at``, the one ending last when several overlap.

    ``skip`` wins over ``run`` when windows of both modes are open: the stronger promise holds.
    """
    found: list[Window] = []
    for spec in itertools.chain(recurring, (s for s in shared if applies_to(s, scenario))):
        window = occurrence_at(spec, at)
        if window is not None:
            found.append(window)
    found.extend(w.window() for w in adhoc if (w.scenario is None or w.scenario == scenario) and w.start <= at < w.end)
    if not found:
        return None
    return max(found, key=lambda w: (w.mode == "skip", w.end))

