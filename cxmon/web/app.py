"""The routes of ``cxmon serve``:

- ``/metrics``  the metrics of docs/metrics.md (Prometheus text format),
- ``/healthz``  200 while the process is up,
- ``/readyz``   200 when the browser is up and scenarios are loaded, else 503 with the reason,
- ``/``         the results page: latest run per journey, findings, links to evidence,
- ``/artifacts/...`` the evidence folder, read-only.
"""

from __future__ import annotations

import logging
import urllib.parse
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from aiohttp import web

from cxmon.exporters.results_page import render_results_page

log = logging.getLogger("cxmon.serve")


def artifact_url(artifacts_dir: Path, path: str) -> str | None:
    """The ``/artifacts/...`` URL of an evidence file, or ``None`` if it is gone or outside the folder."""
    root = artifacts_dir.resolve()
    target = Path(path).resolve()
    if not target.is_relative_to(root) or not target.is_file():
        return None
    return "/artifacts/" + urllib.parse.quote(target.relative_to(root).as_posix())


def build_app(
    scheduler: Any, metrics: Any, artifacts_dir: Path | None, middlewares: Sequence[Any] = ()
) -> web.Application:
    """The web application of ``cxmon serve`` (a function of its own so tests can drive it)."""

    async def metrics_handler(_: web.Request) -> web.Response:
        body, content_type = metrics.exposition()
        return web.Response(body=body, headers={"Content-Type": content_type})

    async def healthz(_: web.Request) -> web.Response:
        return web.Response(text="ok\n")

    async def readyz(_: web.Request) -> web.Response:
        if scheduler.ready:
            return web.Response(text="ready\n")
        return web.Response(status=503, text="not ready: " + "; ".join(scheduler.problems()) + "\n")

    async def results(_: web.Request) -> web.Response:
        page = render_results_page(
            scheduler.statuses(),
            (lambda p: artifact_url(artifacts_dir, p)) if artifacts_dir is not None else (lambda p: None),
            ready=scheduler.ready,
            problems=scheduler.problems(),
        )
        return web.Response(text=page, content_type="text/html")

    app = web.Application(middlewares=list(middlewares))
    app.router.add_get("/metrics", metrics_handler)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/", results)
    if artifacts_dir is not None:
        try:
            artifacts_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            # Monitoring matters more than evidence: keep running, say so now and at every failure.
            log.error("cannot create the evidence folder %s: %s; failed runs will have no evidence", artifacts_dir,
                      exc.strerror or exc)
            return app
        # aiohttp's static route refuses paths that resolve outside the folder and, without
        # follow_symlinks, links that point out of it; no listing of the folder.
        app.router.add_static("/artifacts/", artifacts_dir, show_index=False, follow_symlinks=False)
    return app
