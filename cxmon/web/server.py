"""Serving the web app of ``cxmon serve`` beside its scheduler until SIGTERM or SIGINT.

SIGHUP reloads the scenario files (an invalid file keeps the old set); SIGTERM and SIGINT stop
scheduling, let running journeys finish within the grace period, close the browser and return.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import ssl
import sys
from typing import Any

from aiohttp import web

from cxmon.errors import InfrastructureError

log = logging.getLogger("cxmon.serve")


async def serve_app(
    app: web.Application,
    scheduler: Any,
    runner: Any,
    host: str,
    port: int,
    grace: float,
    ssl_context: ssl.SSLContext | None = None,
) -> None:
    """Listens on ``host:port``, starts the browser and the schedules, and serves until SIGTERM or
    SIGINT; then stops the scheduler within ``grace`` seconds and closes everything. Raises
    ``InfrastructureError`` when it cannot listen."""
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
