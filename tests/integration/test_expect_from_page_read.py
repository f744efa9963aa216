"""Expectations met from the step's page read (issue: performance).

The step reads the page once before its checks (for the detectors); a URL, title, text or order
number that this read shows holds without a Playwright assertion, and anything it does not show
is still waited for by Playwright's own: text that comes later, text the customer cannot see (the
assertion reads the whole document), and every ``not_text``. Counted, not timed.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from cxmon.model import JourneyResult
from cxmon.runner import Runner, RunOptions
from cxmon.scenario import load_scenario
from tests.integration.loopback_servers import html, recording_server

pytestmark = pytest.mark.browser

SITE = {
    "/": html("<title>Kassa — Butik</title><h1>Din   varukorg</h1>\n<p>Summa:\n 89,00&nbsp;kr</p>"),
    "/late": html("<h1>Vänta</h1><script>setTimeout(() => { document.body.insertAdjacentHTML("
                  "'beforeend', '<p>Klar nu</p>'); }, 600)</script>"),
    "/hidden": html('<h1>Lager</h1><div style="display:none">Endast webbutik</div>'),
    "/order": html("<h1>Tack för din beställning</h1><p>Ordernummer: <b>SE-40213</b></p>"),
}


@pytest.fixture(scope="module")
async def runner():
    async with Runner(RunOptions(trace="off", step_timeout=10.0)) as r:
        yield r


@pytest.fixture(scope="module")
def site():
    with recording_server(SITE) as server:
        yield server


async def _walk(runner: Runner, tmp_path: Path, url: str, steps: list[dict[str, Any]],
                monkeypatch: pytest.MonkeyPatch) -> tuple[JourneyResult, Counter[str]]:
    from playwright._impl.connection import Connection

    path = tmp_path / "s.yml"
    path.write_text(yaml.safe_dump({"name": "read", "base_url": url, "steps": steps}))
    [journey] = load_scenario(path).journeys()
    calls: Counter[str] = Counter()
    original = Connection.send_message_to_server

    def counting(self: Connection, object: Any, method: str, params: Any, options: dict[str, Any]) -> Any:
        calls[f"{object._type}.{method}"] += 1
        return original(self, object, method, params, options)

    monkeypatch.setattr(Connection, "send_message_to_server", counting)
    try:
        result = await runner.run_journey(journey)
    finally:
        monkeypatch.setattr(Connection, "send_message_to_server", original)
    return result, calls


async def test_what_the_read_shows_needs_no_assertion(
    runner: Runner, site: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Whitespace as Playwright compares it: "Din   varukorg" and "89,00 kr" across a line break
    # and a no-break space.
    steps = [{"name": "cart", "goto": "/", "expect": {"url": "/$", "title": "Kassa", "text": "Din varukorg"}},
             {"name": "sum", "expect": {"text": "Summa: 89,00 kr"}}]
    result, calls = await _walk(runner, tmp_path, site.url, steps, monkeypatch)
    assert result.outcome.value == "pass", result.to_dict()
    assert calls["Frame.expect"] == 0, calls


async def test_text_that_comes_later_is_waited_for(
    runner: Runner, site: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    steps = [{"name": "late", "goto": "/late", "expect": {"text": "Klar nu"}}]
    result, calls = await _walk(runner, tmp_path, site.url, steps, monkeypatch)
    assert result.outcome.value == "pass", result.to_dict()
    assert calls["Frame.expect"] >= 1, calls


async def test_hidden_text_still_counts_as_playwright_counts_it(
    runner: Runner, site: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The read holds the visible text only; Playwright's assertion reads the document's text,
    hidden parts included, and decides as it always did: ``text`` holds, ``not_text`` does not."""
    shown = [{"name": "stock", "goto": "/hidden", "expect": {"text": "Endast webbutik"}}]
    result, calls = await _walk(runner, tmp_path, site.url, shown, monkeypatch)
    assert result.outcome.value == "pass", result.to_dict()
    assert calls["Frame.expect"] == 1, calls

    absent = [{"name": "stock", "goto": "/hidden", "expect": {"not_text": "Endast webbutik"}}]
    result, _ = await _walk(runner, tmp_path, site.url, absent, monkeypatch)
    assert result.outcome.value == "fail", result.to_dict()
    assert "Endast webbutik" in result.steps[0].findings[0].message, result.steps[0].findings


async def test_order_number_is_taken_from_the_read(
    runner: Runner, site: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    steps = [{"name": "confirmation", "stage": "confirmation", "goto": "/order",
              "confirm": {"url": "/order", "text": "Tack för din", "order_number": r"Ordernummer:\s*([A-Z]{2}-\d+)"}}]
    result, calls = await _walk(runner, tmp_path, site.url, steps, monkeypatch)
    assert result.outcome.value == "pass", result.to_dict()
    assert result.order_number == "SE-40213"
    assert calls["Frame.expect"] == 0 and calls["Frame.innerText"] == 0, calls
