"""The detectors do not know the demo shop: a differently built shop's faults are caught the same way."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from cxmon.model import Kind, Outcome
from cxmon.runner import Runner, RunOptions
from cxmon.scenario import load_scenario
from tests.shop2.server import StaticShop

pytestmark = pytest.mark.browser

SCENARIO = """\
name: nordic
base_url: {url}
budgets: {{step: 5s}}
steps:
  - {{name: front, goto: /, expect: {{text: Nordic Outfitters}}}}
  - {{name: basket, stage: cart, click: {{text: Lisää ostoskoriin}}}}
  - {{name: to-pay, stage: checkout, click: {{role: link, name: Kassalle}}}}
  - {{name: pay, pay: {{method: visa}}, click: {{role: button, name: Maksa}}}}
  - {{name: thanks, confirm: {{text: Kiitos, order_number: "Tilausnumero:\\\\s*(\\\\w+)"}}}}
"""


@pytest.fixture(scope="module")
def shop() -> Iterator[StaticShop]:
    with StaticShop() as s:
        yield s


@pytest.fixture(scope="module")
async def runner():
    async with Runner(RunOptions(trace="off", step_timeout=4.0)) as r:
        yield r


@pytest.mark.parametrize(
    ("mode", "kind", "step", "evidence"),
    [
        ("clean", None, None, {}),
        ("error", Kind.ERROR_PAGE, "basket", {"status": 503}),
        ("covered", Kind.HIDDEN_ACTION, "pay", {"reason": "covered"}),
        ("declined", Kind.PAYMENT_REJECTED, "pay", {"method": "visa", "reason": "declined"}),
        ("unconfirmed", Kind.CONFIRMATION_MISSING, "thanks", {}),
    ],
)
async def test_second_shop(mode, kind, step, evidence, shop: StaticShop, runner: Runner, tmp_path: Path) -> None:
    shop.mode = mode
    path = tmp_path / "nordic.yml"
    path.write_text(SCENARIO.format(url=shop.url))
    [journey] = load_scenario(path, env={}).journeys()
    result = await runner.run_journey(journey)
    if kind is None:
        assert result.outcome is Outcome.PASS, result.to_dict()
        assert result.order_number == "NO48213"
        return
    assert result.outcome is Outcome.FAIL
    [finding] = result.failures()
    assert (finding.kind, finding.step) == (kind, step), finding.to_dict()
    for key, value in evidence.items():
        assert finding.evidence[key] == value, finding.to_dict()
    if kind is Kind.HIDDEN_ACTION:
        assert finding.evidence["covered_by"].startswith('section#cookie-consent.cc-window "Käytämme evästeitä')
    if kind is Kind.PAYMENT_REJECTED:
        assert "Maksu hylättiin" in finding.evidence["decline_text"]
