"""The floor: the demo shop's purchase path as a user would write it by hand in Playwright.

    python benchmarks/floor.py URL JOURNEYS CONCURRENCY [--static]

With --static, the six steps of benchmarks/static_shop.py instead of the demo shop's path.
One browser, one context per journey, the same launch flags as cxmon. Prints nothing on success;
exits 1 when a journey did not reach the confirmation.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sys

from playwright.async_api import async_playwright, expect

FLAGS = ["--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"]


async def journey(browser, url: str) -> None:
    context = await browser.new_context(viewport={"width": 1280, "height": 720})
    try:
        page = await context.new_page()
        await page.goto(url + "/")
        await expect(page.locator("body")).to_contain_text("Demo Shop")
        await page.get_by_role("link", name="Trail Runner").click()
        await expect(page.locator("body")).to_contain_text("89.00")
        await page.get_by_role("button", name="Add to cart").click()
        await expect(page.locator("body")).to_contain_text("Your cart")
        await page.get_by_role("button", name="Go to checkout").click()
        await expect(page.locator("body")).to_contain_text("Checkout")
        await page.get_by_label("Email").fill("synthetic-order@example.com")
        await page.get_by_label("Name").fill("Test Customer")
        await page.get_by_label("Address").fill("Testikatu 1")
        await page.get_by_role("button", name="Continue to payment").click()
        await expect(page).to_have_url(url + "/payment")
        await page.locator('input[value="invoice"]').check()
        await page.get_by_role("button", name="Pay now").click()
        await page.wait_for_url("**/order/**")
        await expect(page.locator("body")).to_contain_text("Thank you")
    finally:
        await context.close()


async def static_journey(browser, url: str) -> None:
    context = await browser.new_context(viewport={"width": 1280, "height": 720})
    try:
        page = await context.new_page()
        await page.goto(url + "/")
        await expect(page.locator("body")).to_contain_text("Static Shop")
        await page.get_by_role("link", name="Trail Runner").click()
        await expect(page.locator("body")).to_contain_text("89.00")
        await page.get_by_role("button", name="Add to cart").click()
        await expect(page.locator("body")).to_contain_text("Your cart")
        await page.get_by_label("Email").fill("synthetic-order@example.com")
        await page.get_by_label("Name").fill("Test Customer")
        await page.get_by_label("Address").fill("Testikatu 1")
        await page.get_by_role("button", name="Continue to payment").click()
        await expect(page).to_have_url(url + "/payment")
        await page.locator('input[value="invoice"]').check()
        await page.get_by_role("button", name="Pay now").click()
        await page.wait_for_url("**/order/**")
        await expect(page.locator("body")).to_contain_text("Thank you")
    finally:
        await context.close()


async def main(url: str, journeys: int, concurrency: int, walk=journey) -> int:
    gate = asyncio.Semaphore(concurrency)
    failures = 0

    async def one(browser) -> None:
        nonlocal failures
        async with gate:
            try:
                await walk(browser, url)
            except Exception as exc:  # counted, like a monitor would
                failures += 1
                print(f"journey failed: {exc}", file=sys.stderr)

    async with async_playwright() as p:
        executable = os.environ.get("CXMON_BROWSER") or shutil.which("chromium") or "/usr/bin/chromium"
        args = [*FLAGS, "--no-sandbox"] if os.geteuid() == 0 else FLAGS
        browser = await p.chromium.launch(executable_path=executable, headless=True, args=args)
        await asyncio.gather(*(one(browser) for _ in range(journeys)))
        await browser.close()
    return 1 if failures else 0


if __name__ == "__main__":
    walk = static_journey if "--static" in sys.argv else journey
    sys.exit(asyncio.run(main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), walk)))
