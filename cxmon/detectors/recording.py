"""Recorded observations: one step's :class:`StepObservation` as a YAML file, and back.

``cxmon run --record-observations DIR`` writes what the runner saw in each step, with the
detectors' settings and findings, to ``DIR/<journey>/<NN>-<step>.yml`` (secret values masked).
It is a debugging aid: replaying a file through the detectors needs no browser and no shop, so it
is what a user attaches to a bug report, and what the detector test cases in ``tests/detectors/``
are made of.

A file holds ``observation`` (required), ``config`` (the detector settings; absent: defaults),
``findings`` (``Finding.to_dict()`` each) and ``journey``. Fields left at their default are omitted.
"""

from __future__ import annotations

import dataclasses
import types
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any, Union, get_args, get_origin, get_type_hints

import yaml

from cxmon.detectors.base import DetectorConfig, StepObservation
from cxmon.model import Finding
from cxmon.redact import Redactor

FORMAT = 1
"""The version of the file format, written as ``cxmon_observation``."""


class RecordingError(ValueError):
    """A recorded observation file that cannot be read: says where and what was expected."""


@dataclass
class Recording:
    """One recorded step: what the runner saw, the detector settings, and what they found."""

    observation: StepObservation
    config: DetectorConfig | None = None
    """``None``: the default settings."""
    findings: list[dict[str, Any]] = field(default_factory=list)
    journey: str = ""


def recording_path(root: Path, journey_slug: str, number: int, step: str) -> Path:
    """``root/<journey>/<NN>-<step>.yml``: steps sort in the order they ran."""
    return Path(root) / journey_slug / f"{number:02d}-{step}.yml"


def to_data(value: Any) -> Any:
    """Plain YAML-safe data from a dataclass tree: enums as values, fields at their default left out."""
    if isinstance(value, Enum):
        return value.value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out = {}
        for f in dataclasses.fields(value):
            item = getattr(value, f.name)
            if f.default is not dataclasses.MISSING and item == f.default:
                continue
            if f.default_factory is not dataclasses.MISSING and item == f.default_factory():
                continue
            out[f.name] = to_data(item)
        return out
    if isinstance(value, list | tuple):
        return [to_data(v) for v in value]
    if isinstance(value, dict):
        return {str(k): to_data(v) for k, v in value.items()}
    return value


def dump_recording(recording: Recording, redactor: Redactor | None = None) -> str:
    """The YAML text of a recording, every secret value masked."""
    data: dict[str, Any] = {"cxmon_observation": FORMAT}
    if recording.journey:
        data["journey"] = recording.journey
    data["observation"] = to_data(recording.observation)
    if recording.config is not None:
        data["config"] = to_data(recording.config)
    data["findings"] = to_data(recording.findings)
    if not redactor:
        return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=120)
    text = yaml.dump(redactor.data(data), Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=120)
    # Values masked before dumping (a long line may be folded); URL-encoded forms after.
    return redactor.bytes(text.encode("utf-8")).decode("utf-8")


def write_recording(path: Path, obs: StepObservation, findings: list[Finding], config: DetectorConfig,
                    journey: str, redactor: Redactor | None = None) -> None:
    """Writes one step's recording to ``path`` (its folder created)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = dump_recording(Recording(obs, config, [f.to_dict() for f in findings], journey), redactor)
    path.write_text(text, encoding="utf-8")


def load_recording(path: Path) -> Recording:
    """Reads a recorded observation (or a detector test case) back; ``RecordingError`` when malformed."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise RecordingError(f"{path}: cannot read: {exc}") from None
    return recording_from_data(data, str(path))


def recording_from_data(data: Any, where: str) -> Recording:
    """A recording from the mapping of a file (``where`` names it in errors)."""
    if not isinstance(data, dict) or "observation" not in data:
        raise RecordingError(f"{where}: expected a mapping with an observation")
    findings = data.get("findings") or []
    if not isinstance(findings, list) or not all(isinstance(f, dict) for f in findings):
        raise RecordingError(f"{where}: findings: expected a list of mappings")
    config = data.get("config")
    return Recording(
        observation=from_data(StepObservation, data["observation"], f"{where}: observation"),
        config=None if config is None else from_data(DetectorConfig, config, f"{where}: config"),
        findings=findings,
        journey=str(data.get("journey") or ""),
    )


def from_data(tp: Any, value: Any, where: str) -> Any:
    """Builds a value of type ``tp`` (a dataclass, enum, list, tuple, dict, optional or scalar)."""
    origin = get_origin(tp)
    args = get_args(tp)
    if origin in (Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        inner = [a for a in args if a is not type(None)]
        return from_data(inner[0], value, where)
    if origin in (list, tuple):
        if not isinstance(value, list):
            raise RecordingError(f"{where}: expected a list, got {value!r}")
        items = [from_data(args[0], v, f"{where}[{i}]") for i, v in enumerate(value)]
        return items if origin is list else tuple(items)
    if origin is dict:
        if not isinstance(value, dict):
            raise RecordingError(f"{where}: expected a mapping, got {value!r}")
        return {str(k): from_data(args[1], v, f"{where}.{k}") for k, v in value.items()}
    if isinstance(tp, type) and issubclass(tp, Enum):
        try:
            return tp(value)
        except ValueError:
            choices = ", ".join(str(m.value) for m in tp)
            raise RecordingError(f"{where}: expected one of {choices}, got {value!r}") from None
    if dataclasses.is_dataclass(tp):
        return _dataclass_from_data(tp, value, where)
    return _scalar(tp, value, where)


def _dataclass_from_data(tp: Any, value: Any, where: str) -> Any:
    if not isinstance(value, dict):
        raise RecordingError(f"{where}: expected a mapping, got {value!r}")
    hints = get_type_hints(tp)
    names = {f.name for f in dataclasses.fields(tp)}
    unknown = sorted(set(value) - names)
    if unknown:
        known = ", ".join(sorted(names))
        raise RecordingError(f"{where}: unknown key(s) {', '.join(map(str, unknown))} (known: {known})")
    try:
        return tp(**{k: from_data(hints[k], v, f"{where}.{k}") for k, v in value.items()})
    except TypeError as exc:
        raise RecordingError(f"{where}: {exc}") from None


def _scalar(tp: Any, value: Any, where: str) -> Any:
    if tp is Any:
        return value
    if tp is float and isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if tp is int and isinstance(value, int) and not isinstance(value, bool):
        return value
    if tp in (str, bool) and isinstance(value, tp):
        return value
    raise RecordingError(f"{where}: expected {getattr(tp, '__name__', tp)}, got {value!r}")


class _Dumper(yaml.SafeDumper):
    """Multi-line text (a page's text) as a readable block."""


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)
