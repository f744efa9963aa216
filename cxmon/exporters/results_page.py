"""The results page of ``cxmon serve`` (``/``): the latest run of every journey and its evidence.

An alert links here so whoever is paged sees what the customer saw: the outcome, the findings
(kind, step, stage, message) and links to the screenshot and trace of recent failures. Plain
server-rendered HTML with no scripts, so it works from any browser and behind any proxy.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from html import escape

from cxmon import __version__
from cxmon.durations import format_duration
from cxmon.model import JourneyKey, JourneyResult, Outcome

EVIDENCE_ROLES: tuple[str, ...] = ("screenshot", "trace", "html", "console", "requests", "result")
"""Evidence files linked from the page, in this order."""

_COLOURS = {"pass": "#1a7f37", "flaky": "#9a6700", "fail": "#cf222e", "error": "#6e7781"}

_STYLE = """
body{font-family:system-ui,sans-serif;margin:1.5rem;color:#1f2328}
table{border-collapse:collapse;width:100%;margin-bottom:1.5rem}
th,td{border-bottom:1px solid #d0d7de;padding:.35rem .5rem;text-align:left;vertical-align:top}
.badge{color:#fff;border-radius:.3rem;padding:.05rem .4rem;font-weight:600}
.muted{color:#6e7781}
code{font-size:.9em}
"""


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


def _when(ts: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(ts))


def _badge(outcome: Outcome) -> str:
    return f'<span class="badge" style="background:{_COLOURS[outcome.value]}">{escape(outcome.value)}</span>'


def _evidence_links(result: JourneyResult, artifact_url: Callable[[str], str | None]) -> str:
    links = []
    for role in EVIDENCE_ROLES:
        path = result.artifacts.get(role)
        url = artifact_url(path) if path else None
        if url is not None:
            links.append(f'<a href="{escape(url, quote=True)}">{escape(role)}</a>')
    return " · ".join(links)


def _findings(result: JourneyResult) -> str:
    items = result.all_findings()
    if not items:
        return '<span class="muted">none</span>'
    rows = [
        f"<li><b>{escape(f.kind.value)}</b> at <code>{escape(f.step or '-')}</code> ({escape(f.stage.value)})"
        f"{'' if f.severity.value == 'failure' else ' <i>warning</i>'}: {escape(f.message)}</li>"
        for f in items
    ]
    return "<ul>" + "".join(rows) + "</ul>"


def _email(result: JourneyResult) -> str:
    """The confirmation e-mail line: pending (checked in the background), or what came of it."""
    e = result.email
    if e is None:
        return ""
    text = f"confirmation e-mail: {e.status}"
    if e.seconds is not None:
        text += f" after {format_duration(e.seconds)}"
    if e.status == "pending":
        text += f" (waiting up to {format_duration(e.limit_seconds)})"
    return f'<p class="muted email" data-email="{escape(e.status)}">{escape(text)}</p>'


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
    parts = [
        "<!doctype html><html lang=en><head><meta charset=utf-8>",
        f'<meta http-equiv="refresh" content="{int(refresh_seconds)}">',
        f"<title>cxmon results</title><style>{_STYLE}</style></head><body>",
        "<h1>cxmon: latest journey results</h1>",
        f'<p class="muted">cxmon {escape(__version__)} · {_when(now)} · '
        f"{'ready' if ready else 'not ready'} · <a href=\"/metrics\">metrics</a></p>",
    ]
    for problem in problems:
        parts.append(f'<p style="color:#cf222e">{escape(problem)}</p>')
    parts.append(
        "<table><tr><th>journey</th><th>result</th><th>when</th><th>duration</th><th>findings</th>"
        "<th>evidence</th></tr>"
    )
    for status in journeys:
        latest = status.latest
        name = f"<code>{escape(status.key.id)}</code>"
        if status.key.location != "default":
            name += f' <span class="muted">@{escape(status.key.location)}</span>'
        name += f'<br><span class="muted">every {escape(format_duration(status.interval_seconds))}'
        name += " · running now" if status.running else ""
        name += "</span>"
        if latest is None:
            parts.append(f'<tr><td>{name}</td><td colspan=5 class="muted">not run yet</td></tr>')
            continue
        detail = _findings(latest)
        if latest.error:
            detail += f'<p class="muted">{escape(latest.error)}</p>'
        if latest.order_number:
            detail += f'<p class="muted">order {escape(latest.order_number)}</p>'
        detail += _email(latest)
        parts.append(
            f"<tr><td>{name}</td><td>{_badge(latest.outcome)}</td><td>{_when(latest.started_at)}</td>"
            f"<td>{escape(format_duration(latest.duration_seconds))}</td><td>{detail}</td>"
            f"<td>{_evidence_links(latest, artifact_url)}</td></tr>"
        )
    parts.append("</table>")

    failures = [
        (status.key, r)
        for status in journeys
        for r in status.history
        if r.outcome is Outcome.FAIL and r.artifacts
    ]
    failures.sort(key=lambda kr: kr[1].started_at, reverse=True)
    parts.append("<h2>Recent failures with evidence</h2>")
    if not failures:
        parts.append('<p class="muted">none kept</p>')
    else:
        parts.append("<table><tr><th>journey</th><th>when</th><th>findings</th><th>evidence</th></tr>")
        for key, result in failures:
            links = _evidence_links(result, artifact_url) or '<span class="muted">deleted (disk cap)</span>'
            parts.append(
                f"<tr><td><code>{escape(key.id)}</code></td><td>{_when(result.started_at)}</td>"
                f"<td>{_findings(result)}</td><td>{links}</td></tr>"
            )
        parts.append("</table>")
    parts.append("</body></html>")
    return "\n".join(parts)
