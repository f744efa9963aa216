"""``cxmon serve``: run the scenarios on their schedules and serve ``/metrics`` for Prometheus.

One process, one event loop: the scheduler (:mod:`cxmon.scheduler`) runs journeys in one
long-lived browser, and a small aiohttp server (:mod:`cxmon.web`) answers

- ``/metrics``  the metrics of docs/metrics.md (Prometheus text format),
- ``/healthz``  200 while the process is up,
- ``/readyz``   200 when the browser is up and scenarios are loaded, else 503 with the reason,
- ``/``         the results page: latest run per journey, findings, links to evidence,
- ``/artifacts/...`` the evidence folder, read-only,
- ``/api/maintenance`` ad-hoc maintenance windows (``cxmon maintenance``), always authenticated.

Outputs (``--json``, ``--html``, ``--textfile``, the exporters of :mod:`cxmon.exporters` marked
``serve``) are rewritten after every finished journey from the latest result of each journey;
one that cannot be written is logged and counted, and serve goes on.

Signals: SIGHUP reloads the scenario files (an invalid file keeps the old set); SIGTERM and
SIGINT stop scheduling, let running journeys finish within ``--stop-grace``, close the browser and
exit 0.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import typer

from cxmon.cli.common import (
    BaseUrlOpt,
    LocationOpt,
    MaintenanceFileOpt,
    PathsArg,
    TraceOpt,
    check_base_url,
    check_trace,
    output_targets,
)
from cxmon.cli.shard_option import ShardOpt, shard_option
from cxmon.cli.status import ExitStatus
from cxmon.durations import parse_duration
from cxmon.errors import InputError

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


def serve(
    ctx: typer.Context,
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
                                   "failed runs (screenshot, HTML, network and console logs, a trace where "
                                   "--trace takes one), served under /artifacts/."),
    trace: str = TraceOpt,
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
    # Read by flag through the exporter registry (cxmon.exporters, those marked `serve`).
    json_out: Path | None = typer.Option(None, "--json", help="Keep this file holding the latest result of "
                                         "every journey as JSON (the --json report of cxmon run), rewritten "
                                         "atomically after each finished journey."),
    html: Path | None = typer.Option(None, "--html", help="Keep an HTML report of the latest result of every "
                                     "journey in this folder (index.html), rewritten after each finished "
                                     "journey."),
    textfile: Path | None = typer.Option(None, "--textfile", help="Keep this file holding the metrics of "
                                         "/metrics for node_exporter's textfile collector (name it *.prom), "
                                         "rewritten atomically after each finished journey."),
    tls_cert: Path | None = typer.Option(None, "--tls-cert", help="Serve HTTPS with this PEM certificate (chain); "
                                         "needs --tls-key. See docs/security.md."),
    tls_key: Path | None = typer.Option(None, "--tls-key", help="The PEM private key of --tls-cert."),
    basic_auth_user: str | None = typer.Option(None, "--basic-auth-user", help="Ask for this user and a password "
                                               "on every path but /healthz."),
    basic_auth_password_file: Path | None = typer.Option(None, "--basic-auth-password-file", help="File holding "
                                                         "the password of --basic-auth-user (default: the "
                                                         "CXMON_BASIC_AUTH_PASSWORD variable)."),
    maintenance_file: Path | None = MaintenanceFileOpt,
    maintenance_token_file: Path | None = typer.Option(None, "--maintenance-token-file", help="File holding the "
                                                       "bearer token that /api/maintenance (cxmon maintenance) "
                                                       "asks for (default: the CXMON_MAINTENANCE_TOKEN variable; "
                                                       "basic auth credentials work too). Without either the API "
                                                       "refuses every call."),
) -> int:
    """Run the scenarios on their schedules and serve Prometheus metrics and a results page.

    --json, --html and --textfile files are rewritten after every finished journey; one that cannot
    be written is logged and counted (cxmon_output_write_failures_total), and serving goes on.
    SIGHUP reloads the scenario files (an invalid file keeps the old ones running and sets
    cxmon_config_last_reload_successful to 0). SIGTERM/SIGINT stop gracefully and exit 0.
    """
    from cxmon.cli.run import check_concurrency, default_concurrency
    from cxmon.exporters.latest import LatestOutputs
    from cxmon.exporters.metrics import CxmonMetrics
    from cxmon.maintenance import load_shared_windows
    from cxmon.runner import Runner, RunOptions
    from cxmon.scheduler import ScheduleOptions, Scheduler
    from cxmon.web.app import build_app
    from cxmon.web.security import (
        api_authorizer,
        basic_auth_middleware,
        basic_auth_password,
        maintenance_token,
        tls_context,
    )
    from cxmon.web.server import serve_app

    check_base_url(base_url)
    check_concurrency(concurrency)
    check_trace(trace)
    targets = output_targets(ctx)
    host, port = parse_listen(listen)
    ssl_context = tls_context(tls_cert, tls_key)
    password = basic_auth_password(basic_auth_user, basic_auth_password_file, os.environ)
    middlewares = [basic_auth_middleware(basic_auth_user, password)] if basic_auth_user and password else []
    api_authorize = api_authorizer(basic_auth_user, password, maintenance_token(maintenance_token_file, os.environ))
    options = ScheduleOptions(
        default_interval_seconds=_duration("--interval", interval),
        location=location,
        concurrency=concurrency or default_concurrency(),
        journey_timeout_seconds=_duration("--journey-timeout", journey_timeout) if journey_timeout else None,
        artifacts_dir=artifacts if keep_failures > 0 else None,
        keep_failures=keep_failures,
        artifacts_max_bytes=artifacts_max_mb * 1024 * 1024,
        shard=shard_option(shard),
        maintenance_windows=tuple(load_shared_windows(maintenance_file)) if maintenance_file else (),
    )
    try:
        grace = parse_duration(stop_grace)
    except ValueError as exc:
        raise InputError(f"--stop-grace: {exc}") from None
    if not quiet:
        logging.getLogger("cxmon").setLevel(logging.INFO)
    metrics = CxmonMetrics(serve=True)
    runner = Runner(RunOptions(base_url=base_url, artifacts_dir=options.artifacts_dir, trace=trace,
                               recycle_browser_after=recycle_browser or None))
    scheduler = Scheduler(runner, metrics, paths, options, outputs=LatestOutputs(targets, metrics))
    scheduler.load()  # invalid files: InputError, exit 2, before anything starts
    app = build_app(scheduler, metrics, options.artifacts_dir, middlewares, api_authorize)
    import asyncio  # here, not at the top: every other command would load it at start

    asyncio.run(serve_app(app, scheduler, runner, host, port, grace, ssl_context))
    return ExitStatus.OK


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
