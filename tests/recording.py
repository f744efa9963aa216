"""Driving the recorder's browser from a test: a customer's clicks, sent over Chrome's DevTools port.

The recorder's headed browser runs under Xvfb with ``--remote-debugging-port``; a second Playwright
connects to it over CDP and clicks through the shop. The clicks are real input events to the page,
so the recorder writes them down as it would a person's.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Awaitable, Callable

from playwright.async_api import Page, async_playwright


def free_port() -> int:
    """A loopback port free at this moment (Chromium needs the number before it starts)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def ready_page(page: Page) -> None:
    """Waits until the page is loaded and the recorder listens on it (it adds an ``x-pw-glass``
    element), then gives its event handling a moment: a person is slower than a script, and an
    action sent while the recorder is not yet there is not written down."""
    await page.wait_for_load_state()
    await page.locator("x-pw-glass").wait_for(state="attached")
    await asyncio.sleep(0.4)


async def demo_purchase(page: Page) -> None:
    """The demo shop's purchase with the card, as a customer clicks it."""
    for act in (
        lambda: page.get_by_role("link", name="Trail Runner").click(),
        lambda: page.get_by_role("button", name="Add to cart").click(),
        lambda: page.get_by_role("button", name="Go to checkout").click(),
        lambda: page.get_by_label("Email").fill("synthetic-order@example.com"),
        lambda: page.get_by_label("Name").fill("Test Customer"),
        lambda: page.get_by_label("Address").fill("Testikatu 1"),
        lambda: page.get_by_role("button", name="Continue to payment").click(),
        lambda: page.get_by_label("Card", exact=True).check(),
        lambda: page.frame_locator("#card-frame").get_by_label("Card number").fill("4242424242424242"),
        lambda: page.frame_locator("#card-frame").get_by_label("Expiry").fill("12/34"),
        lambda: page.frame_locator("#card-frame").get_by_label("CVC").fill("123"),
        lambda: page.get_by_role("button", name="Pay now").click(),
    ):
        await ready_page(page)
        await act()
    await page.get_by_text("Thank you").first.wait_for()
    await ready_page(page)


async def second_shop_purchase(page: Page) -> None:
    """The second test shop's purchase (Finnish texts, a native select for the payment method)."""
    for act in (
        lambda: page.get_by_text("Lisää ostoskoriin").click(),
        lambda: page.get_by_role("link", name="Kassalle").click(),
        lambda: page.get_by_label("Maksutapa").select_option("visa"),
        lambda: page.get_by_role("button", name="Maksa").click(),
    ):
        await ready_page(page)
        await act()
    await page.get_by_text("Kiitos").first.wait_for()
    await ready_page(page)


async def drive(
    port: int, shop_url: str, purchase: Callable[[Page], Awaitable[None]], timeout: float = 120, close: bool = True
) -> None:
    """Waits for the recorder's browser on ``port``, walks ``purchase`` on its shop page, then closes
    the page as a person closes the window (unless ``close`` is false)."""
    async with async_playwright() as p:
        loop = asyncio.get_running_loop()
        until = loop.time() + timeout
        while True:
            try:
                browser = await p.chromium.connect_over_cdp(f"http://127.0.0.1:{port}")
                break
            except Exception:
                if loop.time() > until:
                    raise
                await asyncio.sleep(0.3)
        page = None
        while page is None:
            pages = [pg for c in browser.contexts for pg in c.pages if pg.url.startswith(shop_url)]
            if pages:
                page = pages[0]
            elif loop.time() > until:
                raise TimeoutError(f"no page of {shop_url} in the recorder's browser")
            else:
                await asyncio.sleep(0.2)
        await purchase(page)
        if close:
            await page.close()
