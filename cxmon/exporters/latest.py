"""The outputs of ``cxmon serve``: files kept up to date with the latest result of every journey.

The formats are those of :data:`cxmon.exporters.EXPORTERS` whose exporter says ``serve = True``;
``cxmon serve`` takes their targets by the same flags as ``cxmon run``. After every finished
journey the scheduler hands :meth:`LatestOutputs.submit` a :class:`~cxmon.model.RunResult` of the
latest result per journey. Writing happens in a worker thread, one write at a time, so journey
slots and the web server never wait for a disk or for evidence being copied; results that arrive
while a write is under way are folded into one next write (the newest state wins).

A target that cannot be written never stops serve: the failure is counted
(``cxmon_output_write_failures_total{output}``) every time, and logged when an output starts
failing, when the reason changes and when it works again, not once per journey.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping

from cxmon.exporters import EXPORTERS
from cxmon.exporters.base import ExportContext
from cxmon.exporters.metrics import CxmonMetrics
from cxmon.model import RunResult

log = logging.getLogger("cxmon.outputs")


def serve_exporters() -> list[str]:
    """Registry names of the outputs ``cxmon serve`` offers, in the order they are written."""
    return [name for name, exporter in EXPORTERS.items() if exporter.serve]


class LatestOutputs:
    """Rewrites the outputs asked for (registry name → target) from the latest results, off the
    event loop, one write at a time."""

    def __init__(self, targets: Mapping[str, str], metrics: CxmonMetrics) -> None:
        offered = serve_exporters()
        unknown = [name for name in targets if name not in offered]
        if unknown:
            raise ValueError(f"not an output of cxmon serve: {', '.join(unknown)}")
        # Registry order, like cxmon run.
        self.targets = {name: targets[name] for name in offered if name in targets}
        self.metrics = metrics
        self.metrics.declare_outputs(self.targets)
        self.problems: dict[str, str | None] = dict.fromkeys(self.targets)
        """Registry name → why its last write failed, ``None`` while it works."""
        self.writes = 0
        """Completed write rounds (every output tried once each)."""
        self._pending: tuple[RunResult, ExportContext] | None = None
        self._task: asyncio.Task[None] | None = None

    def __bool__(self) -> bool:
        return bool(self.targets)

    def submit(self, run: RunResult, context: ExportContext) -> None:
        """Asks for the outputs to be rewritten from ``run``; returns at once (call in the event loop)."""
        if not self.targets:
            return
        self._pending = (run, context)
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._drain(), name="cxmon-outputs")

    async def close(self) -> None:
        """Waits for the write under way and the one pending, so the files end with the last results."""
        if self._task is not None:
            await asyncio.shield(self._task)

    async def _drain(self) -> None:
        while self._pending is not None:
            run, context = self._pending
            self._pending = None
            await asyncio.to_thread(self.write, run, context)

    def write(self, run: RunResult, context: ExportContext) -> None:
        """Writes every output once (blocking); failures are counted and logged, never raised."""
        for name, target in self.targets.items():
            try:
                problem = EXPORTERS[name].write(run, target, context)
            except Exception as exc:  # an output's bug must not end the monitor
                log.debug("%s %s: cannot write the output", EXPORTERS[name].flag, target, exc_info=True)
                problem = f"{EXPORTERS[name].flag} {target}: {type(exc).__name__}: {exc}"
            self._note(name, problem)
        self.writes += 1

    def _note(self, name: str, problem: str | None) -> None:
        before = self.problems[name]
        self.problems[name] = problem
        if problem is not None:
            self.metrics.count_output_failure(name)
            if problem != before:
                log.error("%s (counted in cxmon_output_write_failures_total; serve keeps running)", problem)
        elif before is not None:
            log.info("%s %s: written again", EXPORTERS[name].flag, self.targets[name])
