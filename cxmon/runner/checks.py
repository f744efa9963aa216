"""A step's ``expect`` and ``confirm``: waiting (within the step's time limit) for what must show.

An expectation that does not hold is recorded when it fails, with what was expected and what the
page showed instead; one that holds leaves nothing behind. A fatal page event (an error page, a
crash) ends the wait without a miss: the detectors name that cause instead.

The page is read once just before the checks (the step's snapshot, for the detectors). A URL,
title, text or order number that this read already shows holds without asking the browser again;
only what it does not show is waited for, with Playwright's own assertions. Texts compare as
Playwright's do: zero-width spaces dropped, each run of whitespace one space.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Awaitable, Callable
from typing import Any

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import TimeoutError as PlaywrightTimeout
from playwright.async_api import expect

from cxmon.detectors.base import AssertionFailure, ConfirmationFailure, ConfirmationPart, PageSnapshot
from cxmon.runner.actions import ActionDriver, StepStop, ms
from cxmon.runner.locators import resolve
from cxmon.scenario import Confirm, Expect, OrderNumber

Wait = Callable[[], Awaitable[Any]]
Held = Callable[[], bool]

_SPACES = re.compile(r"\s+")


def normal_text(text: str) -> str:
    """``text`` as Playwright's text assertions compare it."""
    return _SPACES.sub(" ", text.replace("\u200b", "")).strip()


def _read(driver: ActionDriver) -> PageSnapshot | None:
    """The page as read just before the checks, if it was (``None``: ask the browser)."""
    return driver.obs.snapshot


def _shows(text: str | None, wanted: str) -> bool:
    return text is not None and normal_text(wanted) in normal_text(text)


def _never() -> bool:
    return False


async def check_expect(driver: ActionDriver, e: Expect, deadline: float) -> None:
    """Waits for each expectation in turn; records the first that does not hold and stops."""
    page = driver.page
    body = page.locator("body")

    async def url() -> str:
        return page.url

    async def title() -> str:
        with contextlib.suppress(PlaywrightError):
            return await page.title()
        return ""

    snap = _read(driver)
    checks: list[tuple[str, Held, Wait, Callable[[], Awaitable[str]]]] = []
    if e.url is not None:
        pattern = re.compile(e.url)
        checks.append((
            f"URL matching {e.url}",
            lambda: bool(pattern.search(page.url)),
            lambda: expect(page).to_have_url(pattern, timeout=ms(deadline)),
            url,
        ))
    if e.title is not None:
        wanted_title = e.title
        wanted = re.compile(re.escape(wanted_title))
        checks.append((
            f"title containing {e.title!r}",
            lambda: snap is not None and _shows(snap.title, wanted_title),
            lambda: expect(page).to_have_title(wanted, timeout=ms(deadline)),
            title,
        ))
    if e.text is not None:
        text = e.text
        checks.append((
            f"text {text!r} on the page",
            lambda: snap is not None and _shows(snap.main_text, text),
            lambda: expect(body).to_contain_text(text, timeout=ms(deadline)),
            url,
        ))
    if e.not_text is not None:
        not_text = e.not_text
        # The read has the visible text only; a hidden one counts too: always the browser's check.
        checks.append((
            f"no text {not_text!r} on the page",
            _never,
            lambda: expect(body).not_to_contain_text(not_text, timeout=ms(deadline)),
            url,
        ))
    if e.visible is not None:
        element = resolve(page, e.visible)
        checks.append((
            f"{e.visible.describe()} visible",
            _never,
            lambda: expect(element).to_be_visible(timeout=ms(deadline)),
            url,
        ))
    for expected, held, wait, actual in checks:
        if held():
            continue
        try:
            await driver.race(wait(), driver.until_settled(expected))
        except (AssertionError, PlaywrightTimeout):
            driver.obs.assertion_failure = AssertionFailure(expected, await actual())
            raise StepStop from None
    if driver.recorder.fatal.is_set():
        raise StepStop


async def check_confirm(driver: ActionDriver, c: Confirm, deadline: float) -> str | None:
    """Waits for the confirmation URL, text and order number; returns the order number.

    Records the first part that does not appear and stops.
    """
    page = driver.page
    body = page.locator("body")
    snap = _read(driver)
    read = snap.main_text if snap is not None else None
    order_number = None
    part = ConfirmationPart.URL
    expected = ""
    try:
        if c.url is not None:
            part, expected = ConfirmationPart.URL, c.url
            if not re.search(c.url, page.url):
                await driver.race(
                    expect(page).to_have_url(re.compile(c.url), timeout=ms(deadline)), driver.until_settled()
                )
        if c.text is not None:
            part, expected = ConfirmationPart.TEXT, c.text
            if not _shows(read, c.text):
                await driver.race(expect(body).to_contain_text(c.text, timeout=ms(deadline)), driver.until_settled())
        if isinstance(c.order_number, OrderNumber):
            part, expected = ConfirmationPart.ORDER_NUMBER, c.order_number.locator.describe()
            order_number = await _order_number_at(driver, c.order_number, deadline)
        elif c.order_number is not None:
            part, expected = ConfirmationPart.ORDER_NUMBER, c.order_number
            pattern = re.compile(c.order_number)
            m = pattern.search(read) if read is not None else None
            if m is None:
                await driver.race(expect(body).to_contain_text(pattern, timeout=ms(deadline)), driver.until_settled())
                m = pattern.search(await body.inner_text(timeout=ms(deadline)))
            if m:
                order_number = m.group(1) if m.groups() else m.group(0)
    except (AssertionError, PlaywrightTimeout):
        driver.obs.confirm_failure = await _missed(driver, part, expected)
        raise StepStop from None
    return order_number


def _captured(pattern: str | None, text: str) -> str | None:
    """The order number in an element's text: the pattern's group 1 (else its match), or the whole text."""
    text = text.strip()
    if pattern is None:
        return text or None
    m = re.search(pattern, text)
    if m is None:
        return None
    return m.group(1) if m.groups() else m.group(0)


async def _order_number_at(driver: ActionDriver, spec: OrderNumber, deadline: float) -> str:
    """Waits until the element shows an order number (its text, or the pattern's capture in it)."""
    element = resolve(driver.page, spec.locator)
    wanted = re.compile(spec.pattern) if spec.pattern else re.compile(r"\S")
    await driver.race(expect(element).to_contain_text(wanted, timeout=ms(deadline)))
    if driver.recorder.fatal.is_set():
        raise StepStop
    number = _captured(spec.pattern, await element.inner_text(timeout=ms(deadline)))
    if number is None:
        raise PlaywrightTimeout("the element shows no order number")
    return number


async def _missed(driver: ActionDriver, part: ConfirmationPart, expected: str) -> ConfirmationFailure:
    """What the customer saw instead of the confirmation: the page's URL, title and language."""
    page = driver.page
    title = lang = ""
    with contextlib.suppress(PlaywrightError):
        title = await page.title()
        lang = await page.evaluate("() => document.documentElement.lang || ''")
    return ConfirmationFailure(part, expected, page.url, title=title, lang=lang)
