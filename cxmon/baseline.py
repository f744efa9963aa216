"""The performance gate: did a step get slower than in a baseline run?

``--baseline FILE`` names the ``--json`` output of an earlier run (of the main branch, say);
``--max-regression PCT`` and ``--regression-floor-ms MS`` say how much slower is too slow. Both
sides are compared by the median duration of each step of each journey (``--repeat N`` makes those
medians worth something). A step regressed when its median got slower by more than PCT percent
*and* by more than the floor: the percentage alone would flag a 40 ms step that took 60 ms, which
is noise, not a regression.

Journeys and steps that the baseline does not have are not compared; :func:`new_steps` lists them
so a report can say so. Journeys are matched by their id (``scenario[payment_method,device]``).
Pure logic: no browser, no files beyond :func:`load_baseline`.
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cxmon.aggregate import TIMED_STATUSES, summarize
from cxmon.durations import format_duration
from cxmon.errors import InputError
from cxmon.model import RunResult

SUPPORTED_SCHEMA_VERSIONS = (1,)
DEFAULT_MAX_REGRESSION_PCT = 20.0
DEFAULT_FLOOR_MS = 100.0

StepKey = tuple[str, str]
"""(journey id, step name)."""


class BaselineError(InputError):
    """The baseline file cannot be used (missing, not JSON, not a cxmon result)."""


@dataclass(frozen=True)
class Regression:
    """A step whose median got slower than the baseline's by more than the allowed margin."""

    journey: str
    step: str
    stage: str
    current_seconds: float
    baseline_seconds: float

    @property
    def delta_seconds(self) -> float:
        return self.current_seconds - self.baseline_seconds

    @property
    def pct(self) -> float:
        """How much slower, in percent of the baseline (infinite for a 0 s baseline)."""
        if self.baseline_seconds <= 0:
            return float("inf")
        return 100.0 * self.delta_seconds / self.baseline_seconds

    def describe(self) -> str:
        """One line, like a finding: ``journey: regression at step (stage): ...``."""
        pct = "new time" if self.pct == float("inf") else f"+{self.pct:.0f}%"
        return (
            f"{self.journey}: regression at {self.step} ({self.stage}): median "
            f"{format_duration(self.current_seconds)}, baseline {format_duration(self.baseline_seconds)} "
            f"({pct}, +{format_duration(self.delta_seconds)})"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "journey": self.journey,
            "step": self.step,
            "stage": self.stage,
            "current_median_seconds": self.current_seconds,
            "baseline_median_seconds": self.baseline_seconds,
            "delta_seconds": self.delta_seconds,
            "pct": None if self.pct == float("inf") else round(self.pct, 1),
        }


def load_baseline(path: Path) -> dict[str, Any]:
    """Reads and checks a ``--json`` file to compare against; raises :class:`BaselineError`."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BaselineError(f"--baseline {path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise BaselineError(f"--baseline {path}: cannot read the file: {exc}") from None
    except json.JSONDecodeError as exc:
        raise BaselineError(f"--baseline {path}: not JSON ({exc.msg} at line {exc.lineno})") from None
    check_baseline(data, str(path))
    return data


def check_baseline(data: Any, name: str = "baseline") -> None:
    """Raises :class:`BaselineError` unless ``data`` looks like a cxmon ``--json`` result."""
    if not isinstance(data, dict) or not isinstance(data.get("journeys"), list):
        raise BaselineError(f"--baseline {name}: not a cxmon --json result (no 'journeys' list)")
    version = data.get("schema_version")
    if version not in SUPPORTED_SCHEMA_VERSIONS:
        raise BaselineError(
            f"--baseline {name}: schema_version {version!r} is not supported "
            f"(expected one of {', '.join(map(str, SUPPORTED_SCHEMA_VERSIONS))})"
        )


def step_medians(result: RunResult | Mapping[str, Any]) -> dict[StepKey, tuple[str, float]]:
    """Median duration of every step of every journey: ``(journey, step) -> (stage, seconds)``.

    Accepts a :class:`RunResult` or its ``--json`` form. From JSON the medians are computed from
    the listed runs (steps that passed or failed), which works for a plain run and for
    ``--repeat N`` alike.
    """
    if isinstance(result, RunResult):
        return {
            (stats.key.id, step.name): (step.stage.value, step.median_seconds)
            for stats in summarize(result.journeys)
            for step in stats.steps
        }
    timed = {s.value for s in TIMED_STATUSES}
    samples: dict[StepKey, list[float]] = {}
    stages: dict[StepKey, str] = {}
    for journey in result.get("journeys", []):
        for step in journey.get("steps", []):
            if step.get("status") not in timed or not isinstance(step.get("duration_seconds"), int | float):
                continue
            key = (str(journey.get("journey")), str(step.get("name")))
            samples.setdefault(key, []).append(float(step["duration_seconds"]))
            stages.setdefault(key, str(step.get("stage", "")))
    return {key: (stages[key], statistics.median(values)) for key, values in samples.items()}


def compare(
    current: RunResult | Mapping[str, Any],
    baseline_json: Mapping[str, Any],
    max_regression_pct: float = DEFAULT_MAX_REGRESSION_PCT,
    floor_ms: float = DEFAULT_FLOOR_MS,
) -> list[Regression]:
    """Steps whose median is slower than the baseline's by more than ``max_regression_pct`` percent
    and by more than ``floor_ms`` milliseconds, in the current run's order."""
    if max_regression_pct < 0 or floor_ms < 0:
        raise ValueError("max_regression_pct and floor_ms must not be negative")
    base = step_medians(baseline_json)
    out = []
    for key, (stage, now) in step_medians(current).items():
        if key not in base:
            continue
        then = base[key][1]
        delta = now - then
        if delta * 1000.0 > floor_ms and delta > then * max_regression_pct / 100.0:
            out.append(Regression(key[0], key[1], stage, now, then))
    return out


def new_steps(current: RunResult | Mapping[str, Any], baseline_json: Mapping[str, Any]) -> list[StepKey]:
    """Steps of the current run that the baseline has no timing for (not compared)."""
    base = step_medians(baseline_json)
    return [key for key in step_medians(current) if key not in base]


@dataclass(frozen=True)
class BaselineComparison:
    """What the gate compared and found, for the reports."""

    file: str
    max_regression_pct: float
    floor_ms: float
    regressions: tuple[Regression, ...]
    new: tuple[StepKey, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "max_regression_pct": self.max_regression_pct,
            "floor_ms": self.floor_ms,
            "regressions": [r.to_dict() for r in self.regressions],
            "new_steps": [{"journey": j, "step": s} for j, s in self.new],
        }


def gate(
    current: RunResult,
    baseline_json: Mapping[str, Any],
    file: str,
    max_regression_pct: float = DEFAULT_MAX_REGRESSION_PCT,
    floor_ms: float = DEFAULT_FLOOR_MS,
) -> BaselineComparison:
    """Compares a run with a baseline: the regressions and the steps the baseline lacks."""
    return BaselineComparison(
        file,
        max_regression_pct,
        floor_ms,
        tuple(compare(current, baseline_json, max_regression_pct, floor_ms)),
        tuple(new_steps(current, baseline_json)),
    )
