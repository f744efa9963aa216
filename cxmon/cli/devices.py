"""``cxmon devices``: the device names a scenario's ``matrix.device`` can use."""

from __future__ import annotations

import typer

from cxmon.cli.common import stdout_console
from cxmon.cli.status import ExitStatus


def devices() -> int:
    """List Playwright's device names for matrix.device (viewport, user agent, touch)."""
    from cxmon.runner.browser import device_names

    out = stdout_console()
    for name in sorted(device_names()):
        out.print(name, markup=False, highlight=False)
    return ExitStatus.OK


def register(app: typer.Typer) -> None:
    app.command("devices")(devices)
