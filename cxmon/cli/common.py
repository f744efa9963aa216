"""What the commands share: consoles, options and loading scenarios."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from rich.console import Console

    from cxmon.scenario import ScenarioFile

# Results to stdout, progress and diagnostics to stderr; no colour when not a terminal.
_no_color = bool(os.environ.get("NO_COLOR"))


# rich and the scenario schema are imported where used: `cxmon --version` needs neither.


def stdout_console(quiet: bool = False) -> Console:
    from rich.console import Console

    # A pipe or a CI log is not 80 columns wide; tables cut to 80 would hide journey names.
    width = None if sys.stdout.isatty() else 160
    return Console(file=sys.stdout, no_color=_no_color, quiet=quiet, soft_wrap=True, width=width)


def stderr_console(quiet: bool = False) -> Console:
    from rich.console import Console

    return Console(file=sys.stderr, no_color=_no_color, quiet=quiet, soft_wrap=True)


PathsArg = typer.Argument(..., help="Scenario files or folders (searched for *.yml, *.yaml).", show_default=False)
BaseUrlOpt = typer.Option(None, "--base-url", help="Override every scenario's base URL (preview deploys).")
# The help names cxmon.runner.engine.TRACE_MODES by hand: importing the runner would load Playwright
# on every start of cxmon (tests/cli/test_cli.py checks that they agree).
TraceOpt = typer.Option(
    "on-retry",
    "--trace",
    help="Playwright trace: on-retry, retain-on-failure, full-on-failure, on or off. on-retry takes none "
    "on a first attempt (a failed journey's evidence is cxmon's own record: network.log, console, HTML, "
    "screenshot) and a full one on a --retries re-run; retain-on-failure records actions, network and "
    "console of every journey and keeps a failed one's; full-on-failure adds DOM snapshots; on keeps "
    "every journey's full trace.",
)
LocationOpt = typer.Option(
    "default", "--location", help="Where this runner is; the location label.", envvar="CXMON_LOCATION"
)


def output_targets(ctx: typer.Context) -> dict[str, str]:
    """Registry name → target of every output asked for on the command line, found by the flag each
    exporter serves (see :data:`cxmon.exporters.EXPORTERS`). A command offers the flags of the
    outputs it writes: ``cxmon run`` all of them, ``cxmon serve`` those marked ``serve``."""
    from cxmon.exporters import EXPORTERS

    params = {opt: param.name for param in ctx.command.params for opt in param.opts}
    targets: dict[str, str] = {}
    for name, exporter in EXPORTERS.items():
        param = params.get(exporter.flag)
        value = ctx.params.get(param) if param else None
        if value is not None:
            targets[name] = str(value)
    return targets


def load(paths: list[Path]) -> list[ScenarioFile]:
    """Loads scenarios; device names are checked against Playwright's only when a matrix names devices."""
    from cxmon.scenario import load_scenarios

    files = load_scenarios(paths)
    if any(sf.scenario.matrix.device for sf in files):
        from cxmon.runner.browser import device_names

        files = load_scenarios(paths, known_devices=device_names())
    return files


MaintenanceFileOpt = typer.Option(
    None, "--maintenance-file", help="A shared file of recurring maintenance windows (windows: [{cron, duration, "
    "timezone, scenarios}]), beside each scenario's own 'maintenance:'. See docs/maintenance.md."
)


def check_trace(trace: str) -> None:
    from cxmon.errors import InputError
    from cxmon.runner.engine import TRACE_MODES

    if trace not in TRACE_MODES:
        raise InputError(f"--trace: expected {', '.join(TRACE_MODES[:-1])} or {TRACE_MODES[-1]}, got {trace!r}")


def check_base_url(url: str | None) -> None:
    from cxmon.errors import InputError

    if url is not None and not (url.startswith("http://") or url.startswith("https://")):
        raise InputError(f"--base-url: expected an http:// or https:// URL, got {url!r}")
