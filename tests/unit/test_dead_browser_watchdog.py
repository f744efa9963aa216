"""A journey whose browser died is abandoned after a short grace, never left waiting for ever.

A Playwright call that was on its way when the browser was killed can stay unanswered; the
runner's watchdog must end such a journey as cxmon's own failure and cancel what was left.
"""

from __future__ import annotations

import asyncio
import logging

import pytest

from cxmon.errors import InfrastructureError
from cxmon.runner import engine
from cxmon.runner.engine import _unless_gone


@pytest.fixture(autouse=True)
def short_grace(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine, "DEAD_BROWSER_GRACE_SECONDS", 0.2)


def blame() -> InfrastructureError:
    return InfrastructureError("the browser crashed or was closed: it died during step cart")


async def test_a_walk_that_ends_is_awaited_as_it_is() -> None:
    async def walk() -> None:
        await asyncio.sleep(0.01)

    task = asyncio.ensure_future(walk())
    await _unless_gone(task, asyncio.Event(), blame)
    assert task.done() and task.exception() is None


async def test_the_walks_own_error_comes_through() -> None:
    async def walk() -> None:
        raise InfrastructureError("cannot launch the browser")

    with pytest.raises(InfrastructureError, match="cannot launch"):
        await _unless_gone(asyncio.ensure_future(walk()), asyncio.Event(), blame)


async def test_a_walk_stuck_after_the_browser_died_is_cancelled_and_blamed() -> None:
    stuck = asyncio.get_running_loop().create_future()  # a call nobody will ever answer

    async def walk() -> None:
        await stuck

    task = asyncio.ensure_future(walk())
    gone = asyncio.Event()
    asyncio.get_running_loop().call_later(0.05, gone.set)
    with pytest.raises(InfrastructureError, match="died during step cart"):
        await asyncio.wait_for(_unless_gone(task, gone, blame), 5)
    assert task.cancelled()


async def test_a_walk_that_fails_by_itself_within_the_grace_keeps_its_error() -> None:
    gone = asyncio.Event()

    async def walk() -> None:
        await gone.wait()
        await asyncio.sleep(0.05)
        raise InfrastructureError("Page.goto: Target page, context or browser has been closed")

    asyncio.get_running_loop().call_later(0.05, gone.set)
    with pytest.raises(InfrastructureError, match=r"Page\.goto"):
        await asyncio.wait_for(_unless_gone(asyncio.ensure_future(walk()), gone, blame), 5)


async def test_cancelling_the_journey_cancels_the_walk() -> None:
    task = asyncio.ensure_future(asyncio.sleep(60))
    outer = asyncio.ensure_future(_unless_gone(task, asyncio.Event(), blame))
    await asyncio.sleep(0.05)
    outer.cancel()
    with pytest.raises(asyncio.CancelledError):
        await outer
    await asyncio.sleep(0)
    assert task.cancelled()


def test_playwrights_traceback_about_an_object_of_a_dead_browser_becomes_one_warning_line() -> None:
    error = engine.PlaywrightError("Object with guid response@d044 was not bound in the connection")
    record = logging.LogRecord("playwright", logging.ERROR, __file__, 1, "Error occurred in event listener",
                               None, (type(error), error, None))
    assert engine.DeadBrowserNoise().filter(record)
    text = logging.Formatter("%(levelname)s %(message)s").format(record)
    assert text == ("WARNING ignored a message about an object of a closed browser: "
                    "Object with guid response@d044 was not bound in the connection")
    assert "Traceback" not in text


def test_other_playwright_errors_keep_their_traceback() -> None:
    error = RuntimeError("something else")
    record = logging.LogRecord("playwright", logging.ERROR, __file__, 1, "Error occurred in event listener",
                               None, (type(error), error, None))
    assert engine.DeadBrowserNoise().filter(record)
    assert record.levelno == logging.ERROR and record.exc_info is not None
