"""Exit codes: what a CI job or a shell script can rely on."""

from __future__ import annotations

from collections.abc import Iterable
from enum import IntEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cxmon.model import JourneyResult


class ExitStatus(IntEnum):
    OK = 0
    """Every journey passed (flaky counts as passed unless --fail-on-flaky)."""
    FAILED = 1
    """A journey failed: a shop fault was found."""
    USAGE = 2
    """Bad input or usage; nothing ran."""
    INFRASTRUCTURE = 3
    """cxmon could not do its job (no browser, crash) and no journey failed."""
    INTERRUPTED = 130


def exit_status(results: Iterable[JourneyResult], fail_on_flaky: bool = False) -> ExitStatus:
    """A found shop fault wins over cxmon's own trouble: that is what a deploy gate must see."""
    from cxmon.model import Outcome  # here: `cxmon --version` and `validate` need no result model

    outcomes = {r.outcome for r in results}
    if Outcome.FAIL in outcomes or (fail_on_flaky and Outcome.FLAKY in outcomes):
        return ExitStatus.FAILED
    if Outcome.ERROR in outcomes:
        return ExitStatus.INFRASTRUCTURE
    return ExitStatus.OK
