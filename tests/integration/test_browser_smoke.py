"""The browser cxmon finds on this machine launches and drives a page (catches a Playwright/Chromium drift)."""

from __future__ import annotations

import pytest
from playwright.async_api import async_playwright

from cxmon.runner.browser import find_browser, launch_browser

pytestmark = pytest.mark.browser


async def test_system_browser_launches_and_renders(demo_shop) -> None:
    choice = find_browser()
    assert choice.source in ("CXMON_BROWSER", "playwright", "system")
    async with async_playwright() as p:
        browser = await launch_browser(p)
        try:
            assert browser.version.split(".")[0].isdigit()
            page = await browser.new_page()
            response = await page.goto(demo_shop.url)
            assert response is not None and response.status == 200
            assert await page.title() == "Demo Shop"
            await page.get_by_role("link", name="Trail Runner").click()
            assert "/product/trail-runner" in page.url
        finally:
            await browser.close()
