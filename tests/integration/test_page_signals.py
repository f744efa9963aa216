"""What the page says and is, read in real Chromium on the third shop: its alert quoted as a decline,
and a missing element told apart from a changed page by the step's last passing run."""

from __future__ import annotations

from pathlib import Path

import pytest

from cxmon.model import Kind, Outcome, Severity
from cxmon.runner import Runner, RunOptions
from cxmon.scenario import load_scenario
from tests.integration.loopback_servers import recording_server
from tests.shop3.conftest import shop3, shop3_session  # noqa: F401  (the shop's fixtures)
from tests.shop3.server import Shop3

pytestmark = pytest.mark.browser

PLAIN = Path(__file__).resolve().parents[1] / "shop3" / "checkout-plain.yml"


@pytest.fixture(scope="module")
async def runner():
    async with Runner(RunOptions(trace="off")) as r:
        yield r


def _plain_until_pay(tmp_path: Path) -> Path:
    """The plain-action scenario, its pay step expecting the order page, with budgets that do not count."""
    text = PLAIN.read_text(encoding="utf-8")
    text = text.replace("budgets: {step: 2s, journey: 30s}", "budgets: {step: 60s, journey: 300s}")
    text = text.replace(
        "    click: {role: button, name: Zapłać}\n",
        "    click: {role: button, name: Zapłać}\n    expect: {url: /pl/order/}\n",
    )
    path = tmp_path / "plain.yml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("cause", ["fault", "declined card"])
async def test_an_alert_raised_on_the_payment_page_is_a_quoted_decline(
    cause: str,
    runner: Runner,
    shop3: Shop3,  # noqa: F811
    tmp_path: Path,
) -> None:
    env = {"SHOP3_URL": shop3.url}
    if cause == "fault":
        shop3.faults.add("payment_rejected")
    else:
        env["CARD_NUMBER"] = "4000000000000002"
    [journey] = load_scenario(_plain_until_pay(tmp_path), env=env).journeys()

    result = await runner.run_journey(journey)

    assert result.outcome is Outcome.FAIL
    failures = [f for s in result.steps for f in s.findings if f.severity is Severity.FAILURE]
    assert [(f.kind, f.step) for f in failures] == [(Kind.PAYMENT_REJECTED, "pay")], failures
    [found] = failures
    assert found.evidence["source"] == "page_alert"
    # The shop's own words, quoted: no phrase list needed to know it was a decline.
    assert "bank nie autoryzował" in found.evidence["decline_text"] or "odrzucon" in found.evidence["decline_text"]
    assert found.evidence["decline_text"] in found.message


async def test_element_missing_says_it_is_the_same_page_as_the_last_passing_run(
    runner: Runner,
    shop3: Shop3,  # noqa: F811
    tmp_path: Path,
) -> None:
    scenario = tmp_path / "buy.yml"
    scenario.write_text(
        "name: shop3-buy-button\n"
        "base_url: ${SHOP3_URL}\n"
        "timeouts: {step: 4s}\n"
        "steps:\n"
        "  - {name: product, stage: browse, goto: /pl/p/tatra-30, expect: {text: Plecak Tatra 30 l}}\n"
        "  - {name: add-to-cart, stage: cart, click: {role: button, name: '${BUY}'}, expect: {text: Twój koszyk}}\n",
        encoding="utf-8",
    )

    def journey(buy: str):
        [j] = load_scenario(scenario, env={"SHOP3_URL": shop3.url, "BUY": buy}).journeys()
        return j

    first = await runner.run_journey(journey("Dodaj do koszyka"))
    assert first.outcome is Outcome.PASS, [f.message for s in first.steps for f in s.findings]

    # The shop renamed its button: the page is the one the step passed on, the element is gone.
    second = await runner.run_journey(journey("Kup teraz"))

    failures = [f for s in second.steps for f in s.findings if f.severity is Severity.FAILURE]
    assert [(f.kind, f.step) for f in failures] == [(Kind.ELEMENT_MISSING, "add-to-cart")], failures
    [found] = failures
    assert "the same page as in the last passing run, the element gone" in found.message
    assert found.evidence["last_good_title"] == found.evidence["page_title"] == "Plecak Tatra 30 l – Borówka"


def _late_title_page(button: str) -> bytes:
    """A product page whose script sets the title and draws the buy button 400 ms after load, the
    way a script-rendered shop finishes its page after the first paint."""
    return (
        "<!doctype html><html lang='fi'><head><title>Kauppa</title></head><body>"
        "<h1>Reppu 30 l</h1><div id='app'></div><script>"
        "setTimeout(() => { document.title = 'Reppu 30 l – Kauppa';"
        f" document.getElementById('app').innerHTML = '<button>{button}</button>'; }}, 400);"
        "</script></body></html>"
    ).encode()


async def test_the_remembered_page_is_the_one_the_element_was_found_on(runner: Runner, tmp_path: Path) -> None:
    # The goto step's expectation holds before the script finishes the title: the page the next step
    # worked on is the finished one, read with its element, not the goto step's early reading.
    button = {"label": "Osta"}
    pages = lambda path: (200, "text/html; charset=utf-8", _late_title_page(button["label"]), {})  # noqa: E731
    scenario = tmp_path / "late.yml"
    scenario.write_text(
        "name: late-title\n"
        "base_url: ${URL}\n"
        "timeouts: {step: 4s}\n"
        "steps:\n"
        "  - {name: product, stage: browse, goto: /p/reppu, expect: {text: Reppu 30 l}}\n"
        "  - {name: add-to-cart, stage: cart, click: {role: button, name: Osta}}\n",
        encoding="utf-8",
    )
    with recording_server(pages) as server:
        [journey] = load_scenario(scenario, env={"URL": server.url}).journeys()
        first = await runner.run_journey(journey)
        assert first.outcome is Outcome.PASS, [f.message for s in first.steps for f in s.findings]

        button["label"] = "Lisää koriin"
        second = await runner.run_journey(journey)

    failures = [f for s in second.steps for f in s.findings if f.severity is Severity.FAILURE]
    assert [(f.kind, f.step) for f in failures] == [(Kind.ELEMENT_MISSING, "add-to-cart")], failures
    [found] = failures
    assert "the same page as in the last passing run, the element gone" in found.message
    assert found.evidence["last_good_title"] == found.evidence["page_title"] == "Reppu 30 l – Kauppa"
