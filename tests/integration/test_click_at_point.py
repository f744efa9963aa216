"""Clicks at the point where the probe found the element usable (cxmon.runner.actions).

A click or check whose element the probe has just found usable in the main frame is a mouse click
at the element's centre, not Playwright's own click. These tests hold it to what Playwright's click
guaranteed: a navigation the click starts is waited for until its document commits (the step reads
the new page), a form is submitted once, a navigation that ends without a page does not hold the
step, a box the click did not check is checked by Playwright's own action, and the element clicked
is the one Playwright's locator names.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import yaml
from playwright.async_api import async_playwright

from cxmon.detectors.base import Origin
from cxmon.model import JourneyResult
from cxmon.runner import Runner, RunOptions
from cxmon.runner.browser import launch_browser
from cxmon.runner.settle import PageActivity
from cxmon.scenario import load_scenario
from tests.integration.loopback_servers import Page, RecordingServer, html, recording_server

pytestmark = pytest.mark.browser

SLOW_ANSWER_SECONDS = 1.5


def _title(title: str, body: str) -> Page:
    status, ctype, content, headers = html(body)
    return status, ctype, content.replace(b"<html>", f"<html><head><title>{title}</title></head>".encode()), headers


def _pages(path: str) -> Page:
    path = path.split("?", 1)[0]
    if path == "/order":
        time.sleep(SLOW_ANSWER_SECONDS)  # the shop takes its time to place the order
        return 303, "text/plain", b"", {"Location": "/thanks"}
    if path == "/slow-next":
        time.sleep(SLOW_ANSWER_SECONDS)
        return _title("Slow", "<h1>Slow page</h1>")
    if path == "/empty":
        return 204, "text/plain", b"", {}
    return {
        "/": _title("Start", '<h1>Start</h1><a href="/next">Next</a><a href="/empty">Nothing</a>'
                    '<form method="post" action="/order"><button>Place order</button></form>'),
        "/next": _title("Next", "<h1>Next page</h1>"),
        "/thanks": _title("Thanks", "<h1>Thank you</h1>"),
        "/terms": _title("Terms", """
            <h1>Terms</h1>
            <label><input type="checkbox" id="ok"> Accept the terms</label>
            <a href="/next">Continue</a>
            <script>
              // The first click on the box is swallowed (a slow widget): the box stays unchecked.
              let first = true;
              document.getElementById('ok').addEventListener('click', (e) => {
                if (first) { first = false; e.preventDefault(); }
              });
            </script>"""),
        "/twins": _title("Twins", """
            <h1>Twins</h1>
            <div aria-hidden="true"><form method="post" action="/decoy"><button>Buy</button></form></div>
            <form method="post" action="/real"><button>Buy</button></form>"""),
        "/decoy": _title("Decoy", "<h1>Decoy</h1>"),
        "/real": _title("Real", "<h1>Bought</h1>"),
    }.get(path, (404, "text/plain", b"not found", {}))


@contextmanager
def _shop() -> Iterator[RecordingServer]:
    with recording_server(_pages) as server:
        yield server


async def _walk(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, url: str, steps: list[dict[str, Any]]
) -> tuple[JourneyResult, Counter[str], Path]:
    from playwright._impl.connection import Connection

    path = tmp_path / "s.yml"
    path.write_text(yaml.safe_dump({"name": "at-point", "base_url": url, "timeouts": {"step": "20s"}, "steps": steps}))
    sent: Counter[str] = Counter()
    original = Connection.send_message_to_server

    def counting(self: Connection, object: Any, method: str, params: Any, options: dict[str, Any]) -> Any:
        sent[f"{object._type}.{method}"] += 1
        return original(self, object, method, params, options)

    observations = tmp_path / "obs"
    [journey] = load_scenario(path).journeys()
    async with Runner(RunOptions(record_observations=observations)) as runner:
        monkeypatch.setattr(Connection, "send_message_to_server", counting)
        [result] = await runner.run([journey])
        monkeypatch.setattr(Connection, "send_message_to_server", original)
    return result, sent, observations


def _snapshot_title(observations: Path, step_number: int) -> str:
    [file] = observations.rglob(f"{step_number:02d}-*.yml")
    data = yaml.safe_load(file.read_text())
    return str(data["observation"]["snapshot"]["title"])


async def test_a_usable_link_is_clicked_at_its_point(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    with _shop() as shop:
        result, sent, _ = await _walk(monkeypatch, tmp_path, shop.url, [
            {"name": "home", "goto": "/", "expect": {"text": "Start"}},
            {"name": "next", "click": {"role": "link", "name": "Next"}, "expect": {"text": "Next page"}},
        ])
    assert result.outcome.value == "pass", result.to_dict()
    assert sent["Page.mouseClick"] == 1
    assert sent["Frame.click"] == 0
    assert result.steps[-1].url.endswith("/next")


async def test_a_slow_form_post_is_sent_once_and_its_page_is_the_one_read(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    with _shop() as shop:
        result, _, observations = await _walk(monkeypatch, tmp_path, shop.url, [
            {"name": "home", "goto": "/", "expect": {"text": "Start"}},
            {"name": "order", "click": {"role": "button", "name": "Place order"}, "expect": {"text": "Thank you"}},
        ])
        posts = shop.paths("POST")
    assert result.outcome.value == "pass", result.to_dict()
    assert posts == ["/order"]
    # The click waited for the new document: the step's page read (taken before its checks) is the
    # thank-you page, and the time until it was usable includes the shop's answer.
    assert _snapshot_title(observations, 2) == "Thanks"
    assert result.steps[-1].timings["step_usable"] >= SLOW_ANSWER_SECONDS


async def test_a_navigation_that_ends_without_a_page_does_not_hold_the_step(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    with _shop() as shop:
        result, sent, _ = await _walk(monkeypatch, tmp_path, shop.url, [
            {"name": "home", "goto": "/", "expect": {"text": "Start"}},
            {"name": "nothing", "click": {"role": "link", "name": "Nothing"}, "expect": {"text": "Start"}},
        ])
        gets = shop.paths("GET")
    assert result.outcome.value == "pass", result.to_dict()
    assert "/empty" in gets  # the click did start the navigation (answered 204: no new page)
    assert sent["Page.mouseClick"] == 1
    assert result.steps[-1].duration_seconds < 10  # far from the 20 s step limit


async def test_a_box_the_click_did_not_check_is_checked_by_playwright(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    with _shop() as shop:
        result, sent, _ = await _walk(monkeypatch, tmp_path, shop.url, [
            {"name": "terms", "goto": "/terms", "check": [{"label": "Accept the terms"}],
             "click": {"role": "link", "name": "Continue"}, "expect": {"text": "Next page"}},
        ])
    assert result.outcome.value == "pass", result.to_dict()
    assert sent["Frame.check"] == 1  # the mouse click was swallowed; Playwright's check did it
    assert sent["Page.mouseClick"] == 2  # the box, then the link


async def test_the_element_clicked_is_the_one_the_role_locator_names(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A role locator skips a match hidden from assistive technology, even one drawn on screen: the
    click goes to the accessible "Buy", never to the hidden twin before it."""
    with _shop() as shop:
        result, _, _ = await _walk(monkeypatch, tmp_path, shop.url, [
            {"name": "twins", "goto": "/twins", "click": {"role": "button", "name": "Buy"},
             "expect": {"text": "Bought"}},
        ])
        posts = shop.paths("POST")
    assert result.outcome.value == "pass", result.to_dict()
    assert posts == ["/real"]


async def test_the_wait_after_a_click_ends_when_the_new_document_commits() -> None:
    """What the click at a point waits for once the page began a navigation: the new document (the
    shop answers slowly), not the old page that is still on screen meanwhile; and nothing long
    when no document request is on its way."""
    with _shop() as shop:
        async with async_playwright() as pw:
            browser = await launch_browser(pw)
            page = await browser.new_page()
            await page.goto(shop.url + "/")
            activity = PageActivity(page, lambda url: Origin.OWN, 2.0)
            navigations = 0

            def navigated(frame: Any) -> None:
                nonlocal navigations
                if frame == page.main_frame:
                    navigations += 1

            page.on("framenavigated", navigated)
            since = time.monotonic()
            await page.evaluate("location.href = '/slow-next'")
            await activity.wait_commit(lambda: navigations, 0, since, since + 20)
            committed = navigations, page.url
            since = time.monotonic()
            await activity.wait_commit(lambda: navigations, navigations, since, since + 20)
            idle = time.monotonic() - since
            await browser.close()
    assert committed == (1, shop.url + "/slow-next")
    assert idle < 5  # nothing on its way: the quiet window, not the 20 s limit
