"""``cxmon serve``: run the scenarios on their schedules and serve ``/metrics`` for Prometheus.

One process, one event loop: the scheduler (:mod:`cxmon.scheduler`) runs journeys in one
long-lived browser, and a small aiohttp server answers

- ``/metrics``  the metrics of docs/metrics.md (Prometheus text format),
- ``/healthz``  200 while the process is up,
- ``/readyz``   200 when the browser is up and scenarios are loaded, else 503 with the reason,
- ``/``         the results page: latest run per journey, findings, links to evidence,
- ``/artifacts/...`` the evidence folder, read-only.

Signals: SIGHUP reloads the scenario files (an invalid file keeps the old set); SIGTERM and
SIGINT stop scheduling, let running journeys finish within ``--stop-grace``, close the browser and
exit 0.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import ssl
import sys
import urllib.parse
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import typer
from aiohttp import web

from cxmon.cli.common import BaseUrlOpt, LocationOpt, PathsArg, check_base_url
from cxmon.cli.shard_option import ShardOpt, shard_option
from cxmon.cli.status import ExitStatus
from cxmon.durations import parse_duration
from cxmon.errors import InfrastructureError, InputError

log = logging.getLogger("cxmon.serve")

DEFAULT_LISTEN = "127.0.0.1:9464"


def parse_listen(value: str) -> tuple[str, int]:
    """``HOST:PORT`` (``[::1]:PORT`` for IPv6) → host and port; raises ``InputError``."""
    host, sep, port_text = value.rpartition(":")
    if not sep or not host:
        raise InputError(f"--listen: expected HOST:PORT, e.g. {DEFAULT_LISTEN}, got {value!r}")
    host = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    try:
        port = int(port_text)
    except ValueError:
        raise InputError(f"--listen: expected a port number after the colon, got {port_text!r}") from None
    if not 0 <= port <= 65535:
        raise InputError(f"--listen: port {port} is out of range (0-65535)")
    return host, port


def _duration(flag: str, value: str, minimum: float = 0.0) -> float:
    try:
        seconds = parse_duration(value)
    except ValueError as exc:
        raise InputError(f"{flag}: {exc}") from None
    if seconds <= minimum:
        raise InputError(f"{flag}: expected more than {minimum:g}s, got {value!r}")
    return seconds


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
    from cxmon.exporters.results_page import render_results_page

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


def serve(
    paths: list[Path] = PathsArg,
    listen: str = typer.Option(DEFAULT_LISTEN, "--listen", help="HOST:PORT to serve /metrics, /healthz, "
                               "/readyz and the results page on; port 0 picks a free one. Loopback by "
                               "default: expose it on purpose."),
    interval: str = typer.Option("60s", "--interval", help="How often to run a scenario that has no "
                                 "'schedule:' of its own, e.g. 30s, 5m."),
    base_url: str | None = BaseUrlOpt,
    location: str = LocationOpt,
    shard: str | None = ShardOpt,
    concurrency: int | None = typer.Option(None, "--concurrency", "-j", help="Journeys running at once, 1 or "
                                           "more (default: one per CPU core, at most 4).", show_default=False),
    journey_timeout: str | None = typer.Option(None, "--journey-timeout", help="Hard limit of one journey "
                                               "run, after which it is cancelled and counted as an error "
                                               "(default: the journey's step limits summed, plus 30s)."),
    artifacts: Path = typer.Option(Path("cxmon-artifacts"), "--artifacts", help="Folder for the evidence of "
                                   "failed runs (screenshot, trace, HTML, logs), served under /artifacts/."),
    keep_failures: int = typer.Option(5, "--keep-failures", help="Evidence folders kept per journey, newest "
                                      "first (0: save no evidence).", min=0),
    artifacts_max_mb: int = typer.Option(200, "--artifacts-max-mb", help="Cap on the evidence folder in MB; "
                                         "the oldest evidence is deleted first.", min=1),
    stop_grace: str = typer.Option("30s", "--stop-grace", help="On SIGTERM/SIGINT, how long running "
                                   "journeys may take to finish before they are cancelled."),
    recycle_browser: int = typer.Option(100, "--recycle-browser", help="Replace the browser with a fresh one "
                                        "after this many journeys, which keeps memory flat (0: never).", min=0),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Log only warnings and errors (default: one "
                               "line per run)."),
    tls_cert: Path | None = typer.Option(None, "--tls-cert", help="Serve HTTPS with this PEM certificate (chain); "
                                         "needs --tls-key. See docs/security.md."),
    tls_key: Path | None = typer.Option(None, "--tls-key", help="The PEM private key of --tls-cert."),
    basic_auth_user: str | None = typer.Option(None, "--basic-auth-user", help="Ask for this user and a password "
                                               "on every path but /healthz."),
    basic_auth_password_file: Path | None = typer.Option(None, "--basic-auth-password-file", help="File holding "
                                                         "the password of --basic-auth-user (default: the "
                                                         "CXMON_BASIC_AUTH_PASSWORD variable)."),
) -> int:
    """Run the scenarios on their schedules and serve Prometheus metrics and a results page.

    SIGHUP reloads the scenario files (an invalid file keeps the old ones running and sets
    cxmon_config_last_reload_successful to 0). SIGTERM/SIGINT stop gracefully and exit 0.
    """
    from cxmon.cli.run import check_concurrency, default_concurrency
    from cxmon.cli.web_security import basic_auth_middleware, basic_auth_password, tls_context
    from cxmon.exporters.metrics import CxmonMetrics
    from cxmon.runner import Runner, RunOptions
    from cxmon.scheduler import ScheduleOptions, Scheduler

    check_base_url(base_url)
    check_concurrency(concurrency)
    host, port = parse_listen(listen)
    ssl_context = tls_context(tls_cert, tls_key)
    password = basic_auth_password(basic_auth_user, basic_auth_password_file, os.environ)
    middlewares = [basic_auth_middleware(basic_auth_user, password)] if basic_auth_user and password else []
    options = ScheduleOptions(
        default_interval_seconds=_duration("--interval", interval),
        location=location,
        concurrency=concurrency or default_concurrency(),
        journey_timeout_seconds=_duration("--journey-timeout", journey_timeout) if journey_timeout else None,
        artifacts_dir=artifacts if keep_failures > 0 else None,
        keep_failures=keep_failures,
        artifacts_max_bytes=artifacts_max_mb * 1024 * 1024,
        shard=shard_option(shard),
    )
    try:
        grace = parse_duration(stop_grace)
    except ValueError as exc:
        raise InputError(f"--stop-grace: {exc}") from None
    if not quiet:
        logging.getLogger("cxmon").setLevel(logging.INFO)
    metrics = CxmonMetrics(serve=True)
    runner = Runner(RunOptions(base_url=base_url, artifacts_dir=options.artifacts_dir,
                               recycle_browser_after=recycle_browser or None))
    scheduler = Scheduler(runner, metrics, paths, options)
    scheduler.load()  # invalid files: InputError, exit 2, before anything starts
    app = build_app(scheduler, metrics, options.artifacts_dir, middlewares)
    return asyncio.run(_serve(app, scheduler, runner, host, port, grace, ssl_context))


async def _serve(
    app: web.Application,
    scheduler: Any,
    runner: Any,
    host: str,
    port: int,
    grace: float,
    ssl_context: ssl.SSLContext | None = None,
) -> int:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    reloads: set[asyncio.Task[bool]] = set()

    def reload() -> None:
        log.info("SIGHUP: reloading the scenario files")
        task = asyncio.create_task(scheduler.reload())
        reloads.add(task)
        task.add_done_callback(reloads.discard)

    # Handlers first, so a SIGTERM while the browser starts still ends in an orderly stop.
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)
    loop.add_signal_handler(signal.SIGHUP, reload)
    site_runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await site_runner.setup()
    try:
        try:
            await web.TCPSite(site_runner, host, port, ssl_context=ssl_context).start()
        except OSError as exc:
            raise InfrastructureError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc
        bound = site_runner.addresses[0][1]
        shown = f"[{host}]" if ":" in host else host
        scheme = "https" if ssl_context is not None else "http"
        print(f"cxmon serve: listening on {scheme}://{shown}:{bound}/metrics", file=sys.stderr, flush=True)
        await runner.start()
        if not stop.is_set():
            scheduler.start()
            shard = scheduler.options.shard
            log.info("watching %d journeys%s", len(scheduler.journeys), f" (shard {shard})" if shard else "")
            await stop.wait()
        log.info("stopping: letting running journeys finish (up to %gs)", grace)
        await scheduler.stop(grace)
        for task in list(reloads):
            task.cancel()
    finally:
        await runner.close()
        await site_runner.cleanup()
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            with contextlib.suppress(Exception):
                loop.remove_signal_handler(sig)
    log.info("stopped")
    return ExitStatus.OK


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
