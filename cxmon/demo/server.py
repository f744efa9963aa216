"""Start and stop the demo shop and its payment provider: in a loop, blocking, or in a thread."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import threading
from collections.abc import Callable, Iterable
from types import TracebackType

from aiohttp import web

from cxmon.demo.faults import FaultSet
from cxmon.demo.mailer import Mailer, parse_smtp_address
from cxmon.demo.provider import PaymentProvider, create_provider_app
from cxmon.demo.shop import create_shop_app

__all__ = ["DemoShop", "DemoShopThread", "run_demo_shop", "start_demo_shop"]

# In-flight requests (a slow page, say) get this long to finish when the shop stops.
SHUTDOWN_TIMEOUT_SECONDS = 0.5
_WILDCARD_HOSTS = {"", "0.0.0.0", "::"}


class DemoShop:
    """A running demo shop: its origin, its payment provider's origin and its live faults."""

    def __init__(
        self,
        url: str,
        provider_url: str,
        faults: FaultSet,
        runners: list[web.AppRunner],
        mailer: Mailer | None = None,
    ) -> None:
        self.url = url
        self.provider_url = provider_url
        self.faults = faults
        self.mailer = mailer
        """Sends the order confirmation e-mails, when the shop was given an SMTP server."""
        self._runners = runners

    async def stop(self) -> None:
        """Stop serving both origins; safe to call twice."""
        runners, self._runners = self._runners, []
        for runner in runners:
            await runner.cleanup()

    def __repr__(self) -> str:
        return f"DemoShop(url={self.url!r}, provider_url={self.provider_url!r})"


def _origin(host: str, port: int) -> str:
    # A wildcard address is where the shop listens, not an address a browser can open.
    shown = "127.0.0.1" if host in _WILDCARD_HOSTS else host
    if ":" in shown:
        shown = f"[{shown}]"
    return f"http://{shown}:{port}"


async def _serve(app: web.Application, host: str, port: int) -> tuple[web.AppRunner, int]:
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=SHUTDOWN_TIMEOUT_SECONDS)
    await runner.setup()
    try:
        site = web.TCPSite(runner, host, port, backlog=1024)
        await site.start()
    except BaseException:
        await runner.cleanup()
        raise
    return runner, runner.addresses[0][1]


async def start_demo_shop(
    host: str = "127.0.0.1",
    port: int = 0,
    provider_port: int = 0,
    faults: list[str] | None = None,
    smtp: str | None = None,
) -> DemoShop:
    """Start the shop and its payment provider on ``host``; port 0 picks a free port.

    ``smtp`` (``HOST:PORT``) is the server the order confirmation e-mails go to; without it none
    is sent. Raises :class:`cxmon.demo.faults.FaultSpecError` for a bad fault spec and
    ``ValueError`` for a bad SMTP address, before listening.
    """
    fault_set = FaultSet(faults or ())
    mailer = Mailer(*parse_smtp_address(smtp)) if smtp else None
    provider = PaymentProvider(fault_set)
    provider_runner, provider_port = await _serve(create_provider_app(provider), host, provider_port)
    try:
        shop_runner, port = await _serve(create_shop_app(fault_set, provider, provider_port, mailer), host, port)
    except BaseException:
        await provider_runner.cleanup()
        raise
    # The shop stops first so no page points at a provider that is already gone.
    return DemoShop(
        url=_origin(host, port),
        provider_url=_origin(host, provider_port),
        faults=fault_set,
        runners=[shop_runner, provider_runner],
        mailer=mailer,
    )


def run_demo_shop(
    host: str = "127.0.0.1",
    port: int = 8400,
    provider_port: int = 8401,
    faults: Iterable[str] | None = None,
    on_ready: Callable[[DemoShop], None] | None = None,
    smtp: str | None = None,
) -> None:
    """Serve the demo shop until SIGINT or SIGTERM, then stop cleanly; prints nothing itself.

    ``on_ready`` is called once both origins listen (the CLI prints the URLs there).
    """
    asyncio.run(_run_until_signalled(host, port, provider_port, list(faults or ()), on_ready, smtp))


async def _run_until_signalled(
    host: str,
    port: int,
    provider_port: int,
    faults: list[str],
    on_ready: Callable[[DemoShop], None] | None,
    smtp: str | None = None,
) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    installed: list[signal.Signals] = []
    for signum in (signal.SIGINT, signal.SIGTERM):
        # Not available on Windows; there Ctrl+C still ends asyncio.run() with KeyboardInterrupt.
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signum, stop.set)
            installed.append(signum)
    try:
        shop = await start_demo_shop(host, port, provider_port, faults, smtp)
        try:
            if on_ready is not None:
                on_ready(shop)
            await stop.wait()
        finally:
            await shop.stop()
    finally:
        for signum in installed:
            loop.remove_signal_handler(signum)


class DemoShopThread:
    """Run the demo shop in a background thread with its own event loop (tests, benchmarks).

    ``with DemoShopThread(faults=["slow@payment"]) as shop:`` yields the running :class:`DemoShop`;
    leaving the block stops it and joins the thread.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        provider_port: int = 0,
        faults: list[str] | None = None,
        smtp: str | None = None,
    ) -> None:
        self._args = (host, port, provider_port, list(faults or ()), smtp)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._shop: DemoShop | None = None

    def __enter__(self) -> DemoShop:
        loop = asyncio.new_event_loop()
        ready = threading.Event()
        failure: list[BaseException] = []

        def serve() -> None:
            asyncio.set_event_loop(loop)
            try:
                self._shop = loop.run_until_complete(start_demo_shop(*self._args))
            except BaseException as error:  # handed to the caller's thread below
                failure.append(error)
                ready.set()
                loop.close()
                return
            ready.set()
            try:
                loop.run_forever()
            finally:
                loop.close()

        self._loop = loop
        self._thread = threading.Thread(target=serve, name="demo-shop", daemon=True)
        self._thread.start()
        ready.wait()
        if failure:
            self._thread.join()
            raise failure[0]
        assert self._shop is not None
        return self._shop

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        loop, thread, shop = self._loop, self._thread, self._shop
        if loop is None or thread is None or shop is None:
            return
        try:
            asyncio.run_coroutine_threadsafe(shop.stop(), loop).result(timeout=30)
        finally:
            loop.call_soon_threadsafe(loop.stop)
            thread.join(timeout=30)
            self._loop = self._thread = self._shop = None
