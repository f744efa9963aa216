"""``--html``: the report of a real failed journey, opened in headless Chromium.

It must render without a console error or any request beyond the page itself (self-contained),
and show the failing step, the failure kind and the screenshot of what the customer saw.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.async_api import async_playwright

from cxmon.exporters.html import write_html
from cxmon.model import Outcome, RunResult
from cxmon.runner import Runner, RunOptions
from cxmon.runner.browser import launch_browser
from tests.helpers import demo_journeys

pytestmark = pytest.mark.browser


async def test_html_report_of_a_failed_run_renders_with_step_kind_and_screenshot(demo_shop, tmp_path: Path) -> None:
    demo_shop.faults.add("payment_rejected:invoice")
    journeys = demo_journeys(demo_shop, tmp_path, methods=["invoice"], budgets={"step": "10s", "journey": "60s"})
    async with Runner(RunOptions(artifacts_dir=tmp_path / "artifacts")) as runner:
        results = await runner.run(journeys)
    (result,) = results
    assert result.outcome is Outcome.FAIL and "screenshot" in result.artifacts and "network" in result.artifacts
    report_dir = tmp_path / "report"
    page_path = write_html(RunResult(results, started_at=result.started_at, duration_seconds=result.duration_seconds),
                           report_dir)

    problems: list[str] = []
    requests: list[str] = []
    async with async_playwright() as pw:
        browser = await launch_browser(pw)
        page = await browser.new_page(viewport={"width": 1280, "height": 900})
        page.on("console", lambda m: problems.append(f"{m.type}: {m.text}") if m.type in ("error", "warning") else None)
        page.on("pageerror", lambda e: problems.append(f"pageerror: {e}"))
        page.on("requestfailed", lambda r: problems.append(f"requestfailed: {r.url}"))
        page.on("request", lambda r: requests.append(r.url))
        await page.goto(page_path.as_uri())
        await page.wait_for_load_state("load")

        journey = page.locator("section.journey[data-outcome='fail']")
        assert await journey.count() == 1
        failure = journey.locator(".failing")
        assert await failure.locator(".kind").inner_text() == "payment_rejected"
        assert await failure.locator(".step").inner_text() == "pay"
        failed_row = journey.locator("tr[data-status='failed']")
        assert await failed_row.get_attribute("data-step") == "pay"
        assert await journey.locator(".findings code").first.inner_text() == "payment_rejected"
        assert await page.locator("b[data-outcome='fail']").inner_text() == "1"

        image = journey.locator("img.screenshot")
        assert (await image.get_attribute("src") or "").startswith("data:image/png;base64,")
        assert await image.evaluate("img => img.complete && img.naturalWidth > 100") is True
        assert await image.is_visible()

        network_href = await journey.locator("a", has_text="network log").get_attribute("href")
        assert network_href and not network_href.startswith("/") and (report_dir / network_href).is_file()

        shot = Path(os.environ.get("CXMON_REPORT_PNG", tmp_path / "report.png"))
        await page.screenshot(path=str(shot), full_page=True)
        await browser.close()
    assert problems == []
    assert requests == [page_path.as_uri()], "the report must not load anything beyond itself"
    assert "<script" not in page_path.read_text()


def test_html_report_escapes_page_text_and_marks_every_outcome(tmp_path: Path) -> None:
    from tests.unit.ci_sample import NOT_RUN, sample_run

    run = sample_run()
    run.interrupted = True
    html = write_html(run, tmp_path / "report", planned=[NOT_RUN]).read_text()
    assert "Card &lt;declined&gt; &amp; refused" in html and "<declined>" not in html
    for outcome in ("fail", "error", "flaky", "pass"):
        assert f'data-outcome="{outcome}"' in html
    assert "The run was interrupted" in html and NOT_RUN.id in html
