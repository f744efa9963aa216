"""A second, differently built test shop: static pages with other markup, texts (Finnish) and ids.

The detectors must catch its faults without knowing it. ``mode`` picks the fault: clean, error
(the cart answers 503), covered (a cookie banner covers Pay), declined, unconfirmed.
"""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

from aiohttp import web

PAGES = Path(__file__).parent / "pages"


class StaticShop:
    """Serves the pages in a background thread on a free loopback port."""

    def __init__(self) -> None:
        self.mode = "clean"
        self.url = ""
        self._loop = asyncio.new_event_loop()
        self._runner: web.AppRunner | None = None
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)

    def _page(self, name: str, status: int = 200) -> web.Response:
        return web.Response(text=(PAGES / name).read_text(), status=status, content_type="text/html")

    async def _get(self, request: web.Request) -> web.StreamResponse:
        name = request.match_info.get("name") or "index"
        if name == "cart" and self.mode == "error":
            return self._page("error.html", 503)
        if name == "pay" and self.mode == "covered":
            return self._page("pay-covered.html")
        if name == "thanks" and self.mode == "unconfirmed":
            return self._page("thanks-pending.html")
        if not (PAGES / f"{name}.html").exists():
            raise web.HTTPNotFound()
        return self._page(f"{name}.html")

    async def _charge(self, request: web.Request) -> web.StreamResponse:
        form = await request.post()
        if form.get("pm") != "visa" or self.mode == "declined":
            raise web.HTTPSeeOther("/declined")
        raise web.HTTPSeeOther("/thanks")

    async def _start(self) -> None:
        app = web.Application()
        app.router.add_get("/", self._get)
        app.router.add_get("/{name}", self._get)
        app.router.add_post("/charge", self._charge)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"

    def __enter__(self) -> StaticShop:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(10)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._runner is not None:
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
