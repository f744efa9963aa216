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
from playwright.async_api import TimeoutError as PlaywrightTimeout

from cxmon.detectors.base import Action, FailureReason
from cxmon.runner.actions import PROBE_INTERVAL, ActionDriver, StepStop, fill_with, ms
from cxmon.runner.locators import resolve
from cxmon.scenario import FillField, Locator, Pay

_ALERT_POLL = """() => !!document.querySelector('[aria-invalid="true"], [role="alert"]:not(:empty)')"""


def humanize(method: str) -> str:
    """``mobile_pay`` → ``Mobile pay``: how a payment page labels a method."""
    return method.replace("_", " ").capitalize()


async def pay(driver: ActionDriver, spec: Pay, deadline: float) -> None:
    """Chooses the payment method as a customer would and fills its fields."""
    page = driver.page
    method = spec.method
    if spec.select is not None:
        chooser = resolve(page, spec.select)
        target = spec.select.describe()
    else:
        chooser = (
            page.locator(f'input[type="radio"][value="{method}"], option[value="{method}"]')
            .or_(page.get_by_label(humanize(method), exact=True))
            .first
        )
        target = f"payment method {method}"
    try:
        await driver.race(chooser.wait_for(state="attached", timeout=ms(deadline)), driver.until_settled(target))
    except PlaywrightTimeout:
        message = f"payment method {method} is not offered"
        raise driver.fail(Action.SELECT_METHOD, target, FailureReason.MISSING, message) from None
    if driver.recorder.fatal.is_set():
        raise StepStop
    tag = await chooser.evaluate("(el) => el.tagName.toLowerCase()")
    if tag == "option":
        select = page.locator(f'select:has(option[value="{method}"])').first
        await select.select_option(method, timeout=ms(deadline))
    else:
        radio = spec.select or Locator(css=f'input[value="{method}"]')
        await driver.act(page, radio, Action.CHECK, deadline, lambda el, t: el.check(timeout=t), loc=chooser)
    for f in (*spec.fill, *spec.method_fields.get(method, ())):
        frame = await _frame_of(driver, f, deadline)
        await driver.act(frame, f, Action.FILL, deadline, fill_with(f.value))


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
