"""Every detector against its cases: an observation in, the expected findings out, no browser.

``tests/detectors/<detector>/*.yml`` are recorded observations (``cxmon run --record-observations``
on the demo shop and the second test shop, trimmed) and hand-made edge cases. The whole detector
set runs over each, as in a real run, so a case also pins which of several symptoms is reported.
An expected finding matches on kind, step, stage and severity; its ``message`` must be part of
the actual message and its ``evidence`` a part of the actual evidence. A case may name the
``detectors`` to run (as ``--detectors`` does); the default is all of them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from cxmon.detectors import DETECTORS, DetectorSet, make_config
from cxmon.detectors.recording import load_recording
from cxmon.model import Finding, Kind, Severity

CASES = Path(__file__).parent
CASE_FILES = sorted(CASES.glob("*/*.yml"))


def _case_id(path: Path) -> str:
    return f"{path.parent.name}/{path.stem}"


def _matches(actual: dict[str, Any], expected: dict[str, Any]) -> bool:
    """Whether ``expected`` is a part of ``actual`` (mappings by key, everything else equal)."""
    return all(k in actual and (_matches(actual[k], v) if isinstance(v, dict) and isinstance(actual[k], dict)
                                else actual[k] == v)
               for k, v in expected.items())


def _check(found: list[Finding], expected: list[dict[str, Any]]) -> None:
    heads = [(f.kind.value, f.step, f.stage.value, f.severity.value) for f in found]
    wanted = [(e["kind"], e["step"], e["stage"], e["severity"]) for e in expected]
    assert heads == wanted, [f.to_dict() for f in found]
    for f, e in zip(found, expected, strict=True):
        assert e.get("message", "") in f.message, f.to_dict()
        assert _matches(f.evidence, e.get("evidence", {})), f.to_dict()


@pytest.mark.parametrize("path", CASE_FILES, ids=_case_id)
def test_case(path: Path) -> None:
    case = load_recording(path)
    names = yaml.safe_load(path.read_text(encoding="utf-8")).get("detectors")
    found = DetectorSet(names).detect(case.observation, case.config or make_config())
    _check(found, case.findings)


def test_every_registered_detector_has_cases() -> None:
    folders = {p.parent.name for p in CASE_FILES}
    assert sorted(set(DETECTORS) - folders) == [], "detectors without a case folder"
    assert sorted(folders - set(DETECTORS)) == [], "case folders of no registered detector"


@pytest.mark.parametrize("name", sorted(DETECTORS))
def test_each_detector_has_a_case_with_its_finding_and_one_without(name: str) -> None:
    """A detector that returned nothing, or always its finding, would fail one of its own cases."""
    cases = [load_recording(p) for p in CASE_FILES if p.parent.name == name]
    failing = [c for c in cases if any(e["kind"] == Kind(name).value and e["severity"] == Severity.FAILURE.value
                                       for e in c.findings)]
    assert failing, f"{name}: no case expects a {name} failure"
    assert any(not c.findings for c in cases), f"{name}: no clean case"
