"""``--json FILE``: the full result of a run as JSON (schema: docs/json-schema.md).

Schema version 1. Fields are only ever added within a version; a consumer ignores what it does not
know. ``journeys`` lists every run (``--repeat N`` gives N per journey, told apart by ``repeat``);
``repeats`` holds one entry per journey with its worst outcome and the medians of its runs, which is
what ``--baseline`` compares.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from cxmon import __version__
from cxmon.aggregate import repeat_count, summarize
from cxmon.baseline import BaselineComparison
from cxmon.exporters.base import ExportContext, ReportExporter
from cxmon.exporters.files import write_atomic
from cxmon.model import JourneyKey, Outcome, RunResult

SCHEMA_VERSION = 1


def run_to_dict(run: RunResult, baseline: BaselineComparison | None = None) -> dict[str, Any]:
    """The JSON document of a run; ``baseline`` adds the performance gate's verdict."""
    seen: dict[JourneyKey, int] = {}
    journeys = []
    for result in run.journeys:
        # Runs are kept in round order, so the n-th run of a journey is its n-th repeat.
        seen[result.key] = seen.get(result.key, 0) + 1
        journeys.append({**result.to_dict(), "repeat": seen[result.key]})
    return {
        "schema_version": SCHEMA_VERSION,
        "cxmon_version": __version__,
        "started_at": run.started_at,
        "duration_seconds": run.duration_seconds,
        "interrupted": run.interrupted,
        "summary": {
            o.value: sum(1 for j in run.journeys if j.outcome is o) for o in Outcome
        },
        "journeys": journeys,
        "repeats": {
            "count": repeat_count(run.journeys),
            "journeys": [stats.to_dict() for stats in summarize(run.journeys)],
        },
        "baseline": baseline.to_dict() if baseline is not None else None,
    }


def write_json(run: RunResult, path: Path, baseline: BaselineComparison | None = None) -> None:
    """Writes the run atomically, so a reader never sees half a file."""
    write_atomic(path, json.dumps(run_to_dict(run, baseline), indent=2, sort_keys=False, default=str) + "\n")


class JsonExporter(ReportExporter):
    """``--json FILE``."""

    name = "json"
    flag = "--json"
    serve = True

    def write_report(self, run: RunResult, target: str, context: ExportContext) -> None:
        write_json(run, Path(target), context.baseline)
