"""``--json``: schema version 1, compared with a checked-in golden file (docs/json-schema.md).

Rewrite the golden file on purpose with ``CXMON_UPDATE_GOLDEN=1 pytest tests/unit/test_json_report.py``.
"""

from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path

from cxmon.exporters.json import SCHEMA_VERSION, run_to_dict, write_json
from cxmon.model import Outcome, RunResult
from tests.unit.ci_sample import CARD, T0, sample_run, steps

GOLDEN = Path(__file__).resolve().parent.parent / "golden" / "run.json"


def _normalized(doc: dict) -> dict:
    # The version changes with every release; the format must not.
    return {**doc, "cxmon_version": "<version>"}


def test_json_matches_golden_file(tmp_path: Path) -> None:
    path = tmp_path / "run.json"
    write_json(sample_run(), path)
    doc = _normalized(json.loads(path.read_text()))
    if os.environ.get("CXMON_UPDATE_GOLDEN"):
        GOLDEN.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    assert doc == json.loads(GOLDEN.read_text())


def test_json_top_level_contract() -> None:
    doc = run_to_dict(sample_run())
    assert doc["schema_version"] == SCHEMA_VERSION == 1
    assert doc["summary"] == {"pass": 1, "fail": 1, "flaky": 1, "error": 1, "maintenance": 0}
    flaky = next(j for j in doc["journeys"] if j["outcome"] == "flaky")
    assert flaky["attempts"] == 2
    assert flaky["findings"][0]["severity"] == "warning" and flaky["findings"][0]["evidence"]["attempt"] == 1
    assert doc["repeats"]["count"] == 1
    assert doc["baseline"] is None


def test_repeats_block_holds_medians_and_every_run_is_listed() -> None:
    card = sample_run().journeys[0]
    fast = replace(card, outcome=Outcome.PASS, steps=steps(T0, [0.25, 0.25, 0.25, 0.25]), duration_seconds=1.0)
    slow = replace(card, outcome=Outcome.PASS, steps=steps(T0, [1.0, 1.0, 1.0, 1.0]), duration_seconds=4.0)
    doc = run_to_dict(RunResult([fast, card, slow], started_at=T0, duration_seconds=8.0))
    assert [j["repeat"] for j in doc["journeys"]] == [1, 2, 3]
    assert doc["summary"] == {"pass": 2, "fail": 1, "flaky": 0, "error": 0, "maintenance": 0}
    (stats,) = doc["repeats"]["journeys"]
    assert doc["repeats"]["count"] == 3
    assert stats["journey"] == CARD.id and stats["outcome"] == "fail" and stats["runs"] == 3
    assert stats["outcomes"] == {"pass": 2, "fail": 1, "flaky": 0, "error": 0, "maintenance": 0}
    assert stats["median_duration_seconds"] == 2.5
    home = stats["steps"][0]
    assert (home["name"], home["runs"], home["median_seconds"], home["min_seconds"], home["max_seconds"]) == (
        "home", 3, 0.5, 0.25, 1.0)
    # The skipped confirmation step of the failed run has no time: two samples, not three.
    confirmation = stats["steps"][3]
    assert confirmation["runs"] == 2 and confirmation["median_seconds"] == 0.625
