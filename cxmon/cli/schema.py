"""``cxmon schema``: the JSON Schema of scenario files, for editors."""

from __future__ import annotations

import json
import sys

import typer

from cxmon.cli.status import ExitStatus


def schema() -> int:
    """Print the JSON Schema of scenario files (for editor autocompletion)."""
    from cxmon.scenario import scenario_json_schema

    sys.stdout.write(json.dumps(scenario_json_schema(), indent=2) + "\n")
    return ExitStatus.OK


def register(app: typer.Typer) -> None:
    app.command("schema")(schema)
