"""``cxmon validate``: check scenario files without a browser."""

from __future__ import annotations

from pathlib import Path

import typer

from cxmon.cli.common import PathsArg, load, stdout_console
from cxmon.cli.status import ExitStatus


def validate(paths: list[Path] = PathsArg) -> int:
    """Check scenario files: schema, variables, matrix. Exit 0 when all are valid, 2 otherwise."""
    files = load(paths)
    out = stdout_console()
    for sf in files:
        n = len(sf.journeys())
        out.print(
            f"{sf.path}: ok ({sf.scenario.name}, {len(sf.scenario.steps)} steps, {n} journey{'s' if n != 1 else ''})",
            markup=False,
            highlight=False,
        )
    return ExitStatus.OK


def register(app: typer.Typer) -> None:
    app.command("validate")(validate)
