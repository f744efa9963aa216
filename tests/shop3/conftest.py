"""Fixtures of the third test shop: the shop on free loopback ports, HTTP customers and a browser."""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator, Iterator

import aiohttp
import pytest
from playwright.async_api import Browser, async_playwright

from tests.shop3.server import Settings, Shop3, Shop3Thread


@pytest.fixture(scope="session")
def shop3_session() -> Iterator[Shop3]:
    with Shop3Thread() as shop:
        yield shop


@pytest.fixture
def shop3(shop3_session: Shop3) -> Iterator[Shop3]:
    """The session's shop with no faults, no pixel delay and no noise, before and after the test."""
    shop3_session.faults.clear()
    shop3_session.settings.__dict__.update(vars(Settings()))
    yield shop3_session
    shop3_session.faults.clear()
    shop3_session.settings.__dict__.update(vars(Settings()))


@pytest.fixture
async def customer() -> AsyncIterator[aiohttp.ClientSession]:
    """An HTTP customer with its own cookie jar (accepts the loopback origin's cookies)."""
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
        yield session


def _chromium() -> str | None:
    """The system Chromium (CXMON_BROWSER first); None lets Playwright use its own build."""
    for candidate in (os.environ.get("CXMON_BROWSER"), shutil.which("chromium"), shutil.which("chromium-browser")):
        if candidate:
            return candidate
    return None


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as p:
        launched = await p.chromium.launch(executable_path=_chromium())
        try:
            yield launched
        finally:
            await launched.close()
