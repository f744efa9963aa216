"""Fail fast (issue 13, point 6): an element absent from a settled page is reported within a few
seconds, not after the step's time limit; an optional step skips just as fast.

Generous bounds only: the step must end well before half its 15 s limit."""

from __future__ import annotations

from pathlib import Path

import pytest

from cxmon.model import StepStatus
from cxmon.runner import Runner, RunOptions
from tests.helpers import demo_journeys

pytestmark = pytest.mark.browser

LIMIT = 15.0


@pytest.fixture(scope="module")
async def runner():
    async with Runner(RunOptions(trace="off")) as r:
        yield r

MISSING_BUTTON = [
    {"name": "home", "stage": "browse", "goto": "/", "expect": {"text": "Demo Shop"}},
    {"name": "buy", "stage": "cart", "click": {"role": "button", "name": "No such button"}},
]


async def _walk(runner: Runner, demo_shop: object, tmp_path: Path, steps: list[dict[str, object]]):
    journey = demo_journeys(demo_shop, tmp_path, steps=steps, timeouts={"step": f"{LIMIT:g}s"})[0]
    return await runner.run_journey(journey)


async def test_a_missing_button_is_reported_well_before_the_step_limit(
    runner: Runner, demo_shop: object, tmp_path: Path
) -> None:
    result = await _walk(runner, demo_shop, tmp_path, MISSING_BUTTON)
    buy = result.steps[1]
    assert buy.status is StepStatus.FAILED, buy
    assert buy.findings and "No such button" in buy.findings[0].message, buy.findings
    assert buy.duration_seconds < LIMIT / 2, buy.duration_seconds


async def test_a_missing_expected_text_is_reported_well_before_the_step_limit(
    runner: Runner, demo_shop: object, tmp_path: Path
) -> None:
    steps = [{"name": "home", "stage": "browse", "goto": "/", "expect": {"text": "No such text anywhere"}}]
    result = await _walk(runner, demo_shop, tmp_path, steps)
    home = result.steps[0]
    assert home.status is StepStatus.FAILED, home
    assert home.duration_seconds < LIMIT / 2, home.duration_seconds


async def test_an_optional_step_skips_as_fast(runner: Runner, demo_shop: object, tmp_path: Path) -> None:
    steps = [
        MISSING_BUTTON[0],
        {"name": "cookie-banner", "optional": True, "click": {"role": "button", "name": "Accept cookies"}},
        {"name": "product", "click": {"role": "link", "name": "Trail Runner"}, "expect": {"text": "89.00"}},
    ]
    result = await _walk(runner, demo_shop, tmp_path, steps)
    banner = result.steps[1]
    assert banner.status is StepStatus.SKIPPED, banner
    assert banner.duration_seconds < LIMIT / 2, banner.duration_seconds
    assert result.steps[2].status is StepStatus.PASSED, result.steps[2]


async def test_a_settle_window_of_0_waits_the_whole_limit(runner: Runner, demo_shop: object, tmp_path: Path) -> None:
    journey = demo_journeys(demo_shop, tmp_path, steps=MISSING_BUTTON, timeouts={"step": "3s", "settle": 0})[0]
    result = await runner.run_journey(journey)
    assert result.steps[1].duration_seconds >= 3.0, result.steps[1]
