"""``--textfile PATH``: a run's metrics for node_exporter's textfile collector.

node_exporter reads every ``*.prom`` file of its ``--collector.textfile.directory`` on each scrape,
so a half-written file would be scraped as broken metrics. ``prometheus_client.write_to_textfile``
writes a temporary file beside the target (its name does not end in ``.prom``, so the collector
skips it) and renames it into place, which is atomic on one file system: no separate
``write_atomic`` is needed.

In ``cxmon serve`` the file holds the process's live metrics, the very series ``/metrics`` serves,
rewritten after every finished journey: its counters and histograms grow for the life of the
process, as ``rate()`` and ``increase()`` expect. Counting only the latest result of each journey
would pin every counter at one run and hide each new failure from alerts.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from cxmon.errors import InfrastructureError
from cxmon.exporters.base import ExportContext, Exporter
from cxmon.model import JourneyResult, RunResult

if TYPE_CHECKING:
    from cxmon.exporters.metrics import CxmonMetrics


def write_textfile(results: Iterable[JourneyResult], path: Path) -> CxmonMetrics:
    """Writes the metrics of ``results`` to ``path`` atomically; returns the metrics written.

    Raises ``InfrastructureError`` when the file cannot be written.
    """
    # prometheus_client loads when metrics are written, not with the exporter registry.
    from cxmon.exporters.metrics import CxmonMetrics

    metrics = CxmonMetrics()
    metrics.observe_all(results)
    write_registry(metrics, path)
    return metrics


def write_registry(metrics: CxmonMetrics, path: Path) -> None:
    """Writes every series of ``metrics`` to ``path`` atomically; raises ``InfrastructureError``."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        from prometheus_client import write_to_textfile

        write_to_textfile(str(path), metrics.registry)
    except OSError as exc:
        raise InfrastructureError(f"cannot write the metrics textfile {path}: {exc}") from exc


class TextfileExporter(Exporter):
    """``--textfile PATH``. Not written for a cancelled run: the file replaces the previous one, so
    the journeys the run did not reach would vanish from it. In ``cxmon serve`` it writes the live
    metrics of the process (``context.live_metrics``), not the run handed to it."""

    name = "textfile"
    flag = "--textfile"
    partial = False
    serve = True

    def write(self, run: RunResult, target: str, context: ExportContext) -> str | None:
        try:
            if context.live_metrics is not None:
                write_registry(context.live_metrics, Path(target))
            else:
                write_textfile(run.journeys, Path(target))
        except InfrastructureError as exc:
            return str(exc)
        return None
