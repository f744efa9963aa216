"""The one interface every output of a run implements.

An :class:`Exporter` turns a finished :class:`~cxmon.model.RunResult` into one output (a file, a
folder, a push) at a target given on the command line. It never raises for a target it cannot
write: it returns the problem in words, so every other output is still written and the caller
decides the exit status (see :func:`cxmon.exporters.write_outputs`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from cxmon.baseline import BaselineComparison
from cxmon.model import JourneyKey, RunResult

if TYPE_CHECKING:
    from cxmon.exporters.metrics import CxmonMetrics


@dataclass(frozen=True)
class ExportContext:
    """What outputs need besides the results: the journeys planned (a cancelled run did not reach
    them all, a serve process has not run them all yet), the performance gate's verdict, the
    Pushgateway job label, and in ``cxmon serve`` the live metrics of the process."""

    planned: Sequence[JourneyKey] = ()
    baseline: BaselineComparison | None = None
    job: str = "cxmon"
    live_metrics: CxmonMetrics | None = None
    """``cxmon serve``'s own metrics (what ``/metrics`` shows): counters that grow for the life of the
    process, which a metrics output must write instead of counting the latest results again."""


class Exporter(ABC):
    """One output format. Subclasses name themselves and the ``cxmon run`` flag whose value is
    their target, say whether ``cxmon serve`` offers it too, and implement :meth:`write`."""

    name: ClassVar[str]
    """The registry key (snake_case), e.g. ``json``."""
    flag: ClassVar[str]
    """The ``cxmon run`` option that gives the target, e.g. ``--json``."""
    partial: ClassVar[bool] = True
    """Written for a run cancelled part-way too (a cancelled CI job still reports what finished)."""
    serve: ClassVar[bool] = False
    """Also an output of ``cxmon serve`` (same flag), rewritten after every finished journey from the
    latest result of each journey. Only for outputs a long-running monitor should keep up to date."""

    def check(self, target: str) -> str | None:
        """The problem with ``target`` before anything runs (bad usage, exit 2), or ``None``."""
        return None

    @abstractmethod
    def write(self, run: RunResult, target: str, context: ExportContext) -> str | None:
        """Writes the output; returns what went wrong when it could not, or ``None``."""


class ReportExporter(Exporter):
    """A report file or folder: a failure to write it is told with the flag and the path."""

    @abstractmethod
    def write_report(self, run: RunResult, target: str, context: ExportContext) -> None:
        """Writes the report; raises ``OSError`` when it cannot."""

    def write(self, run: RunResult, target: str, context: ExportContext) -> str | None:
        try:
            self.write_report(run, target, context)
        except OSError as exc:
            return f"{self.flag} {target}: cannot write the report: {exc}"
        return None
