"""The results page of ``cxmon serve`` (``/``): the latest run of every journey and its evidence.

An alert links here so whoever is paged sees what the customer saw: the outcome, the findings
(kind, step, stage, message) and links to the screenshot and trace of recent failures. Plain
server-rendered HTML with no scripts, so it works from any browser and behind any proxy.

Rendered by Jinja2 from ``templates/results.html.j2`` with autoescaping on, like the HTML report:
scenario names, labels, messages and errors come from files and pages, never trusted as markup.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from jinja2 import Environment, PackageLoader, select_autoescape

from cxmon import __version__
from cxmon.durations import format_duration
from cxmon.model import JourneyKey, JourneyResult, Outcome

EVIDENCE_ROLES: tuple[str, ...] = ("screenshot", "trace", "html", "console", "requests", "network", "result")
"""Evidence files linked from the page, in this order."""

_COLOURS = {"pass": "#1a7f37", "flaky": "#9a6700", "fail": "#cf222e", "error": "#6e7781", "maintenance": "#0969da"}

_env = Environment(
    loader=PackageLoader("cxmon.exporters", "templates"),
    autoescape=select_autoescape(["html", "j2"], default=True),
    trim_blocks=True,
    lstrip_blocks=True,
)
_env.filters["duration"] = format_duration
_env.filters["when"] = lambda ts: time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(ts))


@dataclass
class JourneyStatus:
    """What the page shows for one journey; ``history`` holds its recent results, oldest first."""

    key: JourneyKey
    interval_seconds: float
    running: bool = False
    next_run_at: float | None = None
    history: list[JourneyResult] = field(default_factory=list)

    @property
    def latest(self) -> JourneyResult | None:
        return self.history[-1] if self.history else None


def _evidence(result: JourneyResult, artifact_url: Callable[[str], str | None]) -> list[tuple[str, str]]:
    """(role, URL) of the evidence files still there, in :data:`EVIDENCE_ROLES` order."""
    links = []
    for role in EVIDENCE_ROLES:
        path = result.artifacts.get(role)
        url = artifact_url(path) if path else None
        if url is not None:
            links.append((role, url))
    return links


def render_results_page(
    journeys: Sequence[JourneyStatus],
    artifact_url: Callable[[str], str | None],
    ready: bool = True,
    problems: Sequence[str] = (),
    now: float | None = None,
    refresh_seconds: int = 15,
) -> str:
    """The page as HTML. ``artifact_url`` maps an evidence path to its URL, or ``None`` when it is
    gone (pruned under the disk cap) or outside the evidence folder."""
    now = time.time() if now is None else now
    failures = [
        (status.key, r)
        for status in journeys
        for r in status.history
        if r.outcome is Outcome.FAIL and r.artifacts
    ]
    failures.sort(key=lambda kr: kr[1].started_at, reverse=True)
    return _env.get_template("results.html.j2").render(
        journeys=journeys,
        failures=failures,
        evidence=lambda result: _evidence(result, artifact_url),
        colours=_COLOURS,
        ready=ready,
        problems=problems,
        now=now,
        refresh_seconds=int(refresh_seconds),
        version=__version__,
    )
