"""Outputs of a run: one module per format, and the registry below.

:data:`EXPORTERS` is the only list of output formats: ``cxmon run`` finds the target of each by the
flag it names, checks targets before anything runs and writes them, in the registry's order, when
the run is over. ``cxmon serve`` offers those whose exporter says ``serve = True`` under the same
flags and rewrites them after every finished journey from the latest result of each
(:mod:`cxmon.exporters.latest`). Each format implements :class:`~cxmon.exporters.base.Exporter`.

A new output format is one new module (an ``Exporter`` subclass with its ``name``, ``flag`` and
``write``, and ``serve = True`` if a long-running monitor should keep it up to date) plus one line
in :data:`EXPORTERS`; its option is declared on ``cxmon run`` (``cxmon/cli/run.py``) and, for a
serve output, on ``cxmon serve`` (``cxmon/cli/serve.py``), where tests check that the flags agree.

Not registered, because they are not files written from a finished run: the terminal summary
(``console``), the live ``/metrics`` of ``cxmon serve`` (``metrics``) and its results page
(``results_page``), which show the scheduler's current state.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from cxmon.exporters.base import ExportContext, Exporter
from cxmon.exporters.html import HtmlExporter
from cxmon.exporters.json import JsonExporter
from cxmon.exporters.junit import JUnitExporter
from cxmon.exporters.pushgateway import PushgatewayExporter
from cxmon.exporters.textfile import TextfileExporter
from cxmon.model import RunResult

EXPORTERS: dict[str, Exporter] = {
    "json": JsonExporter(),
    "junit": JUnitExporter(),
    "html": HtmlExporter(),
    "textfile": TextfileExporter(),
    "pushgateway": PushgatewayExporter(),
}
"""Registry name → exporter, in the order outputs are written."""


def check_targets(targets: Mapping[str, str]) -> list[str]:
    """The problems of the targets asked for (registry name → target), found before the run."""
    problems = []
    for name, target in targets.items():
        problem = EXPORTERS[name].check(target)
        if problem is not None:
            problems.append(problem)
    return problems


def write_outputs(
    run: RunResult,
    targets: Mapping[str, str],
    context: ExportContext,
    on_problem: Callable[[str], None] | None = None,
) -> list[str]:
    """Writes every output asked for (registry name → target), in registry order; returns the problems
    of those that could not be written, each also handed to ``on_problem`` as soon as it happens.

    Each runs even when another failed: a CI job should get every output it can. For a cancelled
    run (``run.interrupted``) only the exporters that are ``partial`` are written.
    """
    problems: list[str] = []
    for name, exporter in EXPORTERS.items():
        target = targets.get(name)
        if target is None or (run.interrupted and not exporter.partial):
            continue
        problem = exporter.write(run, target, context)
        if problem is not None:
            problems.append(problem)
            if on_problem is not None:
                on_problem(problem)
    return problems


__all__ = ["EXPORTERS", "ExportContext", "Exporter", "check_targets", "write_outputs"]
