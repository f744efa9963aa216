"""``cxmon devices``: the device names a scenario's ``matrix.device`` can use."""

from __future__ import annotations

import typer

from cxmon.cli.common import stdout_console
from cxmon.cli.status import ExitStatus


def devices() -> int:
    """List the names matrix.device takes: default (cxmon's desktop context, no emulation), then
    Playwright's device names (viewport, user agent, touch)."""
    from cxmon.model import DEFAULT_LABEL
    from cxmon.runner.browser import device_names

    out = stdout_console()
    out.print(DEFAULT_LABEL, markup=False, highlight=False)
    for name in sorted(device_names()):
        out.print(name, markup=False, highlight=False)
    return ExitStatus.OK


def register(app: typer.Typer) -> None:
    app.command("devices")(devices)
