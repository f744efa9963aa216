"""``cxmon validate``: check scenario files without a browser."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from cxmon.cli.common import PathsArg, load
from cxmon.cli.status import ExitStatus


def validate(paths: list[Path] = PathsArg) -> int:
    """Check scenario files: schema, variables, matrix. Exit 0 when all are valid, 2 otherwise."""
    files = load(paths)
    # Plain lines, not rich: loading rich's renderer costs more than this command's own work.
    for sf in files:
        n = len(sf.journeys())
        sys.stdout.write(
            f"{sf.path}: ok ({sf.scenario.name}, {len(sf.scenario.steps)} steps, {n} journey{'s' if n != 1 else ''})\n"
        )
    return ExitStatus.OK


def register(app: typer.Typer) -> None:
    app.command("validate")(validate)
