"""``cxmon import``: a Playwright script (Python, JavaScript or TypeScript) → a scenario file."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from cxmon.cli.common import stderr_console
from cxmon.cli.status import ExitStatus
from cxmon.errors import InputError

if TYPE_CHECKING:
    from cxmon.authoring import Conversion


def report(conversion: Conversion, source: str, written: Path | None) -> None:
    """Lists what was not converted, with its line, then where the scenario went."""
    err = stderr_console()
    for u in conversion.unsupported:
        err.print(f"{source}:{u.line}: not converted: {u.source} ({u.reason})", markup=False, highlight=False)
    if written is not None:
        err.print(
            f"wrote {written} ({conversion.steps} steps); review the stages and expectations, then "
            f"`cxmon validate {written}` and `cxmon run {written}`",
            markup=False,
            highlight=False,
        )


def write_scenario(conversion: Conversion, output: Path, source: str) -> None:
    """Writes the converted scenario to ``output`` and reports it; an unwritable file is bad input."""
    try:
        output.write_text(conversion.text, encoding="utf-8")
    except OSError as exc:
        raise InputError(f"--output: cannot write {output}: {exc.strerror}") from None
    report(conversion, source, output)


def import_(
    script: Path = typer.Argument(..., help="A Playwright script: .py (sync, async or pytest), .js or .ts "
                                  "(@playwright/test or the library), e.g. codegen output.", show_default=False),
    output: Path | None = typer.Option(None, "--output", "-o", help="Write the scenario to this file "
                                       "(default: print it)."),
    name: str | None = typer.Option(None, "--name", help="The scenario's name (default: from the file name)."),
) -> int:
    """Convert a Playwright script into a scenario; lines that cannot be converted are listed with
    their line numbers (on stderr and as comments in the scenario)."""
    if output is not None and output.suffix not in (".yml", ".yaml"):
        raise InputError(f"--output: expected a file ending in .yml or .yaml, got {str(output)!r}")
    from cxmon.authoring import import_script

    conversion = import_script(script, name=name, origin=f"{script} by `cxmon import`")
    if output is None:
        print(conversion.text, end="")
        report(conversion, str(script), None)
    else:
        write_scenario(conversion, output, str(script))
    return ExitStatus.OK


def register(app: typer.Typer) -> None:
    app.command("import")(import_)
