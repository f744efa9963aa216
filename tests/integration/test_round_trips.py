"""Browser round trips per step: how many calls cxmon's runner makes to the Playwright driver for
one step on a fixed page (issue: performance).

Each driver call is at least one round trip to the browser over the DevTools protocol. The count
is what cxmon controls; timing it would be noise on a shared machine, so nothing here is timed.
A journey of 2N identical steps minus one of N steps leaves N steps' calls, free of the
context's own set-up; a change that adds calls per step fails here. A trace
(``retain-on-failure``) adds one-way messages per step only, so both modes have the same step
budget; the default (``on-retry``) takes none on a first attempt.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from cxmon.runner import Runner, RunOptions
from cxmon.scenario import load_scenario
from tests.integration.loopback_servers import html, recording_server

pytestmark = pytest.mark.browser

PAGES = 8
STEP_ROUND_TRIPS = 4
"""Driver calls of one click-and-expect step that loads a new page, detectors on: probe the
target, which is there, and count its visible matches (1; waiting for one that is not yet there
costs 4), a mouse click at the point where the probe found it usable (1) and the read of what
the click did (1: reached the element, started a navigation), the step's page read (1), which
also shows the expected text: no call of its own. Playwright's own click was one driver call but
a dozen browser round trips and its helper scripts in a second script world of every page; the
click at the probed point costs two calls and three input events. Waiting for the page to be
usable or loaded costs none (page events are watched, not polled). Lower it when a change saves
calls."""
STEP_WAIT_MESSAGES = 0
"""One-way messages of Playwright's waits per such step (each wait sends three): none, the page's
own events say when it is parsed."""
SETUP_ROUND_TRIPS = {"on-retry": 15, "retain-on-failure": 21}
"""A journey's calls besides its click steps: the context (with one init script for all of cxmon's
page watches), its page, the first step (goto, read), closing; with tracing, its start and stop."""


def _site() -> dict[str, Any]:
    pages = {f"/p{i}": html(f'<h1>Page {i}</h1><p>Item {i}</p><a href="/p{i + 1}">Next</a>')
             for i in range(PAGES * 2 + 1)}
    return {"/": pages["/p0"], **pages}


def _scenario(path: Path, url: str, steps: int) -> Path:
    path.write_text(yaml.safe_dump({
        "name": f"rt{steps}", "base_url": url,
        "steps": [{"name": "home", "goto": "/p0", "expect": {"text": "Page 0"}}]
        + [{"name": f"next-{i}", "click": {"role": "link", "name": "Next"}, "expect": {"text": f"Page {i}"}}
           for i in range(1, steps + 1)],
    }))
    return path


async def _calls(monkeypatch: pytest.MonkeyPatch, path: Path, trace: str) -> tuple[Counter[str], int]:
    from playwright._impl.connection import Connection

    sent: Counter[str] = Counter()
    waits = 0
    original = Connection.send_message_to_server

    def counting(self: Connection, object: Any, method: str, params: Any, options: dict[str, Any]) -> Any:
        nonlocal waits
        # A wait's log lines and the trace's call stacks are one-way messages, not round trips.
        if method == "__waitInfo__":
            waits += 1
        elif not method.endswith("NoReply"):
            sent[f"{object._type}.{method}"] += 1
        return original(self, object, method, params, options)

    [journey] = load_scenario(path).journeys()
    async with Runner(RunOptions(trace=trace, step_timeout=15.0)) as runner:
        # The browser's launch is not a journey's: count from here.
        monkeypatch.setattr(Connection, "send_message_to_server", counting)
        [result] = await runner.run([journey])
        monkeypatch.setattr(Connection, "send_message_to_server", original)
    assert result.outcome.value == "pass", result.to_dict()
    return sent, waits


@pytest.mark.parametrize("trace", ["on-retry", "retain-on-failure"])
async def test_driver_calls_per_step(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, trace: str) -> None:
    with recording_server(_site()) as site:
        short, short_waits = await _calls(monkeypatch, _scenario(tmp_path / "a.yml", site.url, PAGES), trace)
        long, long_waits = await _calls(monkeypatch, _scenario(tmp_path / "b.yml", site.url, PAGES * 2), trace)
    per_step = (sum(long.values()) - sum(short.values())) / PAGES
    setup = sum(short.values()) - per_step * PAGES
    diff = {k: (long[k] - short[k]) / PAGES for k in long if long[k] != short[k]}
    print(f"trace={trace} per step {per_step:.2f}, journey set-up {setup:.1f}; per step by call: {diff}")
    assert per_step == int(per_step), diff  # the same calls for every identical step
    assert per_step <= STEP_ROUND_TRIPS, diff
    assert setup <= SETUP_ROUND_TRIPS[trace], short
    assert (long_waits - short_waits) / PAGES <= STEP_WAIT_MESSAGES


async def test_without_playwright_s_load_states_the_public_wait_answers(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The runner reads the main frame's load states where Playwright keeps them; a version that
    keeps them elsewhere still walks, with Playwright's own wait (and its messages)."""
    from cxmon.runner.settle import PageActivity

    monkeypatch.setattr(PageActivity, "load_states", lambda self: None)
    with recording_server(_site()) as site:
        _, waits = await _calls(monkeypatch, _scenario(tmp_path / "a.yml", site.url, 2), "off")
    assert waits >= 3 * 3  # a wait (before, log, after) at each of the three steps
