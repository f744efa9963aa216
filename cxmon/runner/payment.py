"""A step's ``pay``: choosing the journey's payment method and filling its form.

Payment fields often sit in the provider's iframe, and a payment often ends on the provider's
page or with a message in that iframe; both are handled here.
"""

from __future__ import annotations

import asyncio
import contextlib
import time

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Frame, Page
from playwright.async_api import Locator as PWLocator
from playwright.async_api import TimeoutError as PlaywrightTimeout

from cxmon.detectors.base import Action, FailureReason
from cxmon.detectors.scripts import METHOD_CHOOSER
from cxmon.runner.actions import PROBE_INTERVAL, USABLE_GRACE_SECONDS, ActionDriver, StepStop, fill_with, ms
from cxmon.runner.locators import resolve
from cxmon.scenario import FillField, Locator, Pay

_ALERT_POLL = """() => !!document.querySelector('[aria-invalid="true"], [role="alert"]:not(:empty)')"""


def humanize(method: str) -> str:
    """``mobile_pay`` → ``Mobile pay``: how a payment page labels a method."""
    return method.replace("_", " ").capitalize()


async def pay(driver: ActionDriver, spec: Pay, deadline: float) -> None:
    """Chooses the payment method as a customer would and fills its fields.

    A page without a chooser of payment methods (a shop with one method) needs no choice: cxmon
    fills the fields and goes on. The method is "not offered" only when a chooser is there
    without it (or, with ``select``, when that element is missing).
    """
    page = driver.page
    method = spec.method
    fields = (*spec.fill, *spec.method_fields.get(method, ()))
    found: bool | None
    if spec.select is not None:
        chooser = resolve(page, spec.select)
        target = spec.select.describe()
        try:
            await driver.race(chooser.wait_for(state="attached", timeout=ms(deadline)))
        except PlaywrightTimeout:
            message = f"payment method {method} is not offered"
            raise driver.fail(Action.SELECT_METHOD, target, FailureReason.MISSING, message) from None
        found = True
    else:
        chooser = (
            page.locator(f'input[type="radio"][value="{method}"], option[value="{method}"]')
            .or_(page.get_by_label(humanize(method), exact=True))
            .first
        )
        target = f"payment method {method}"
        found = await _method_offered(driver, chooser, fields, deadline)
        if found is False:
            message = f"payment method {method} is not offered"
            raise driver.fail(Action.SELECT_METHOD, target, FailureReason.MISSING, message)
    if driver.recorder.fatal.is_set():
        raise StepStop
    if found is True:
        await _choose(driver, spec, chooser, deadline)
    for f in fields:
        frame = await _frame_of(driver, f, deadline)
        await driver.act(frame, f, Action.FILL, deadline, fill_with(f.value))


async def _choose(driver: ActionDriver, spec: Pay, chooser: PWLocator, deadline: float) -> None:
    """Picks the method in its chooser: an option of a select, else a radio button (or a tab)."""
    page = driver.page
    method = spec.method
    tag = await chooser.evaluate("(el) => el.tagName.toLowerCase()")
    if tag == "option":
        select = page.locator(f'select:has(option[value="{method}"])').first
        await select.select_option(method, timeout=ms(deadline))
    else:
        radio = spec.select or Locator(css=f'input[value="{method}"]')
        await driver.act(page, radio, Action.CHECK, deadline, lambda el, t: el.check(timeout=t), loc=chooser)


async def _method_offered(
    driver: ActionDriver, chooser: PWLocator, fields: tuple[FillField, ...], deadline: float
) -> bool | None:
    """Whether the page offers the method (``True``), has a chooser without it (``False``), or has no
    chooser at all (``None``: a shop with one method), as soon as the page shows which.

    No chooser is known once the first payment field is on the page, or, for a payment without
    fields, once the page has loaded and stayed without a chooser for a short grace.
    """
    page = driver.page
    grace_end: float | None = None
    while True:
        with contextlib.suppress(PlaywrightError):
            if await chooser.count():
                return True
            if await page.evaluate(METHOD_CHOOSER):
                return False
            if fields and await _in_any_frame(page, fields[0]):
                return None
            if not fields:
                loaded = await page.evaluate("() => document.readyState === 'complete'")
                if loaded and grace_end is None:
                    grace_end = time.monotonic() + USABLE_GRACE_SECONDS
                if grace_end is not None and time.monotonic() >= grace_end:
                    return None
        if driver.recorder.fatal.is_set():
            raise StepStop
        if time.monotonic() >= deadline:
            return False
        await asyncio.sleep(PROBE_INTERVAL)


async def _in_any_frame(page: Page, spec: FillField) -> bool:
    for frame in page.frames:
        with contextlib.suppress(PlaywrightError):
            if await resolve(frame, spec).count():
                return True
    return False


async def _frame_of(driver: ActionDriver, spec: FillField, deadline: float) -> Page | Frame:
    """Payment fields often live in the provider's iframe: look in every frame until found."""
    page = driver.page
    since = time.monotonic()
    while True:
        for frame in page.frames:
            with contextlib.suppress(PlaywrightError):
                if await resolve(frame, spec).count():
                    return frame
        if time.monotonic() >= deadline or driver.recorder.fatal.is_set():
            return page
        if driver.activity is not None and await driver.activity.is_settled(since):
            return page
        await asyncio.sleep(PROBE_INTERVAL)


async def settle_payment(driver: ActionDriver, before: str, deadline: float) -> None:
    """A payment ends on another page, or shows why not: wait for either, whichever first.

    Payment forms often submit from script after a provider round trip, so the click itself
    returns before the browser leaves the page.
    """
    page = driver.page
    # The page it leads to counts once usable: settle() waits for that.
    leave = page.wait_for_url(lambda url: url != before, timeout=ms(deadline), wait_until="commit")

    async def shows_problem() -> None:
        while True:
            await asyncio.sleep(0.25)
            for frame in page.frames:
                with contextlib.suppress(PlaywrightError):
                    if await frame.evaluate(_ALERT_POLL):
                        return

    with contextlib.suppress(PlaywrightError):
        await driver.race(leave, shows_problem())
