"""``cxmon list``: the journeys a set of scenarios expands into."""

from __future__ import annotations

from pathlib import Path

import typer

from cxmon.cli.common import LocationOpt, PathsArg, load, stdout_console
from cxmon.cli.shard_option import ShardOpt, shard_option
from cxmon.cli.status import ExitStatus
from cxmon.sharding import select


def list_journeys(paths: list[Path] = PathsArg, location: str = LocationOpt, shard: str | None = ShardOpt) -> int:
    """Show every journey (scenario × payment method × device) with its labels and steps.

    With ``--shard I/N``, only the journeys runner I of N runs.
    """
    from rich.table import Table
    from rich.text import Text

    chosen = shard_option(shard)
    title = f"journeys of shard {chosen}" if chosen else "journeys"
    table = Table(title=title, title_justify="left")
    for col in ("journey", "scenario", "payment_method", "device", "location", "market", "steps", "file"):
        table.add_column(col)
    for sf in load(paths):
        for j in select(sf.journeys(location=location), chosen):
            k = j.key
            cells = (k.id, k.scenario, k.payment_method, k.device, k.location, k.market, str(len(j.steps)), sf.path)
            table.add_row(*(Text(c) for c in cells))
    stdout_console().print(table)
    return ExitStatus.OK


def register(app: typer.Typer) -> None:
    app.command("list")(list_journeys)
