"""``--json FILE``: the full result of a run as JSON (schema: docs/json-schema.md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from cxmon import __version__
from cxmon.exporters.files import write_atomic
from cxmon.model import RunResult

SCHEMA_VERSION = 1


def run_to_dict(run: RunResult) -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        "cxmon_version": __version__,
        "started_at": run.started_at,
        "duration_seconds": run.duration_seconds,
        "interrupted": run.interrupted,
        "summary": {o: sum(1 for j in run.journeys if j.outcome.value == o) for o in ("pass", "fail", "flaky", "error")},
        "journeys": [j.to_dict() for j in run.journeys],
    }


def write_json(run: RunResult, path: Path) -> None:
    write_atomic(path, json.dumps(run_to_dict(run), indent=2, sort_keys=False, default=str) + "\n")
