"""The ``--shard I/N`` option shared by ``cxmon serve`` and ``cxmon list``."""

from __future__ import annotations

import typer

from cxmon.errors import InputError
from cxmon.sharding import Shard, parse_shard

ShardOpt = typer.Option(
    None,
    "--shard",
    envvar="CXMON_SHARD",
    help="Run only share I of N of the journeys, e.g. 2/5 (1-based, as Playwright's --shard). N "
    "runners with 1/N..N/N cover every journey exactly once; the split ignores --location, so every "
    "location splits alike.",
)


def shard_option(value: str | None) -> Shard | None:
    """The parsed ``--shard`` value (``None``: every journey); raises ``InputError`` (exit 2)."""
    if value is None or not value.strip():
        return None
    try:
        return parse_shard(value)
    except ValueError as exc:
        raise InputError(f"--shard: {exc}") from None
