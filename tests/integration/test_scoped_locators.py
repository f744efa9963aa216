"""Scoped locators, action lists and custom dropdowns on the demo shop's delivery page, where both
rows' buttons read "Select option" and the country dropdown is a listbox, not a <select>."""

from __future__ import annotations

from pathlib import Path

import pytest

from cxmon.model import Outcome
from cxmon.runner import Runner, RunOptions
from cxmon.scenario import load_scenario

pytestmark = pytest.mark.browser

SCENARIO = """\
name: delivery
base_url: {url}
steps:
  - name: standard
    goto: /shipping{query}
    select: {{Country: Finland}}
    click: {{role: button, name: Select option, within: {{text: Standard delivery}}}}
    expect: {{text: "Delivery: Standard delivery to Finland"}}
  - name: express
    goto: /shipping{query}
    actions:
      - click: {{label: Country}}
      - click: {{role: option, name: Sweden}}
      - click: {{role: button, name: Select option, within: {{role: listitem, has_text: Express delivery}}}}
    expect: {{text: "Delivery: Express delivery to Sweden"}}
  - name: filtered
    goto: /shipping{query}
    select: {{Country: Estonia}}
    click: {{role: button, name: Select option, within: {{css: li, has_text: Standard}}}}
    expect: {{text: "Delivery: Standard delivery to Estonia"}}
"""


@pytest.fixture(scope="module")
async def runner():
    async with Runner(RunOptions(trace="off", step_timeout=8.0)) as r:
        yield r


@pytest.mark.parametrize("query", ["", "?order=reversed"])
async def test_the_button_in_a_named_row_whatever_the_order(query: str, demo_shop, runner: Runner,
                                                            tmp_path: Path) -> None:
    path = tmp_path / "delivery.yml"
    path.write_text(SCENARIO.format(url=demo_shop.url, query=query))
    [journey] = load_scenario(path, env={}).journeys()
    result = await runner.run_journey(journey)
    assert result.outcome is Outcome.PASS, result.to_dict()
    assert [s.name for s in result.steps] == ["standard", "express", "filtered"]


async def test_a_missing_row_is_element_missing_naming_the_scope(demo_shop, runner: Runner, tmp_path: Path) -> None:
    path = tmp_path / "missing.yml"
    path.write_text(
        f"name: missing\nbase_url: {demo_shop.url}\nsteps:\n  - name: pick\n    goto: /shipping\n"
        "    click: {role: button, name: Select option, within: {text: Pickup point}}\n"
    )
    [journey] = load_scenario(path, env={}).journeys()
    result = await runner.run_journey(journey)
    assert result.outcome is Outcome.FAIL
    [finding] = result.failures()
    assert (finding.kind.value, finding.step) == ("element_missing", "pick")
    assert "button \"Select option\" in text 'Pickup point'" in finding.message
