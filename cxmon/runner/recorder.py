"""Playwright's recorder (codegen) on the browser cxmon drives.

``playwright codegen`` cannot be pointed at a browser binary, and cxmon usually runs Debian's
Chromium, so the recorder is started the way codegen starts it: a headed browser chosen by
:func:`cxmon.runner.browser.find_browser`, a context with the recorder enabled, writing its script
to a file as the user clicks. Recording ends when the user closes the browser (or its last page),
or on SIGINT/SIGTERM; the script file then holds everything recorded.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Page, async_playwright

from cxmon.errors import InfrastructureError
from cxmon.runner.browser import find_browser, launch_args

# Read from the last page for the proposed confirm: its main heading and visible text.
_LAST_PAGE = """() => {
  const h = document.querySelector('h1') || document.querySelector('h2') || document.querySelector('[role=heading]');
  return {heading: h ? h.innerText.trim() : '', text: (document.body ? document.body.innerText : '').slice(0, 20000)};
}"""


@dataclass(frozen=True)
class RecordedPage:
    """The last page the recording showed: its URL, main heading and visible text."""

    url: str
    heading: str
    text: str


def display_available(env: Mapping[str, str] | None = None) -> bool:
    """Whether a headed browser can open a window: an X display or a Wayland socket."""
    env = os.environ if env is None else env
    return bool(env.get("DISPLAY") or env.get("WAYLAND_DISPLAY"))


class _Pages:
    """The recording's open pages: remembers the last page loaded, and says when the last one closed."""

    def __init__(self, stop: asyncio.Event) -> None:
        self.stop = stop
        self.open: set[Page] = set()
        self.last: RecordedPage | None = None

    async def remember(self, page: Page) -> None:
        with contextlib.suppress(PlaywrightError):
            seen = await page.evaluate(_LAST_PAGE)
            self.last = RecordedPage(page.url, seen["heading"], seen["text"])

    def track(self, page: Page) -> None:
        if page in self.open:
            return
        self.open.add(page)
        page.on("load", lambda pg: asyncio.ensure_future(self.remember(pg)))
        page.on("close", self._closed)

    def _closed(self, page: Page) -> None:
        self.open.discard(page)
        if not self.open:
            self.stop.set()


async def record(
    url: str, script: Path, browser_args: Sequence[str] = (), language: str = "python-async"
) -> RecordedPage | None:
    """Opens ``url`` in a headed browser with the recorder writing a script to ``script``
    (``language``: one of codegen's targets, e.g. python-async, python, javascript, playwright-test).

    Returns the last page seen (``None`` when no page ever loaded) once the user closes the browser.
    """
    choice = find_browser()
    stop = asyncio.Event()
    pages = _Pages(stop)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        async with async_playwright() as p:
            try:
                browser = await p.chromium.launch(
                    executable_path=choice.executable,
                    headless=False,
                    args=launch_args(browser_args),
                    chromium_sandbox=False,
                )
            except PlaywrightError as exc:
                raise InfrastructureError(f"the recorder's browser did not start: {str(exc).splitlines()[0]}") from None
            browser.on("disconnected", lambda _: stop.set())
            context = await browser.new_context()
            # The recorder of `playwright codegen`, pinned with Playwright's version (pyproject).
            await context._impl_obj._show_recorder(
                {"language": language, "mode": "recording", "outputFile": str(script), "handleSIGINT": False}
            )
            context.on("page", pages.track)
            page = await context.new_page()
            pages.track(page)
            try:
                await page.goto(url)
            except PlaywrightError as exc:
                raise InfrastructureError(f"could not open {url}: {str(exc).splitlines()[0]}") from None
            await stop.wait()
            with contextlib.suppress(PlaywrightError):
                await browser.close()
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
    return pages.last
