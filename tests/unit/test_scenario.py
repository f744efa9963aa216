"""Scenario loading: variables, secrets, matrix expansion, stage inference, shorthands."""

from __future__ import annotations

from pathlib import Path

import pytest

from cxmon.durations import format_duration, parse_duration
from cxmon.model import JourneyKey, Stage
from cxmon.redact import Redactor
from cxmon.scenario import load_scenario, scenario_json_schema

SCENARIO = """\
name: shop
base_url: ${SHOP_URL:-http://127.0.0.1:9000}/
variables: {EMAIL: "synthetic@example.com", PRICE: 12}
secrets: [CARD]
matrix: {payment_method: [card, invoice], device: ["Desktop Chrome", "iPhone 13"]}
steps:
  - {name: home, goto: /, expect: {text: Shop}}
  - name: details
    stage: checkout
    fill: {Email: "${EMAIL}", Price: "${PRICE}"}
    click: Continue
  - name: pay
    pay: {method: "${payment_method}", fill: {Card number: "${CARD}"}}
    when: {payment_method: card}
    click: {role: button, name: "Pay ${payment_method}"}
  - {name: done, confirm: {text: Thanks, order_number: "#(\\\\d+)"}}
  - {name: survey, optional: true, click: {text: "No thanks"}}
"""


@pytest.fixture
def path(tmp_path: Path) -> Path:
    p = tmp_path / "shop.yml"
    p.write_text(SCENARIO)
    return p


def test_matrix_expands_into_labelled_journeys(path: Path) -> None:
    sf = load_scenario(path, env={"CARD": "4000123412341234"})
    journeys = sf.journeys(location="helsinki")
    assert [j.key for j in journeys] == [
        JourneyKey("shop", "card", "Desktop Chrome", "helsinki"),
        JourneyKey("shop", "card", "iPhone 13", "helsinki"),
        JourneyKey("shop", "invoice", "Desktop Chrome", "helsinki"),
        JourneyKey("shop", "invoice", "iPhone 13", "helsinki"),
    ]
    card, invoice = journeys[0], journeys[2]
    assert [s.name for s in card.steps] == ["home", "details", "pay", "done", "survey"]
    assert [s.name for s in invoice.steps] == ["home", "details", "done", "survey"]
    assert card.steps[2].pay.method == "card"
    assert card.steps[2].click.name == "Pay card"
    assert card.key.id == "shop[card,Desktop Chrome]"


def test_stages_are_stated_or_inferred(path: Path) -> None:
    journey = load_scenario(path, env={"CARD": "4000123412341234"}).journeys()[0]
    assert journey.stages == (Stage.BROWSE, Stage.CHECKOUT, Stage.PAYMENT, Stage.CONFIRMATION, Stage.CONFIRMATION)


def test_variables_environment_and_defaults(path: Path) -> None:
    sf = load_scenario(path, env={"CARD": "4000123412341234", "SHOP_URL": "https://preview.example"})
    s = sf.scenario
    assert s.base_url == "https://preview.example"
    step = s.steps[1]
    assert [(f.label, f.value) for f in step.fill] == [("Email", "synthetic@example.com"), ("Price", "12")]
    assert step.click.selector == "Continue"
    # The environment overrides a scenario variable of the same name.
    sf2 = load_scenario(path, env={"CARD": "4000123412341234", "EMAIL": "ci@example.com"})
    assert sf2.scenario.steps[1].fill[0].value == "ci@example.com"


def test_secret_values_are_collected_for_masking(path: Path) -> None:
    sf = load_scenario(path, env={"CARD": "4000123412341234"})
    assert sf.redactor.values == {"4000123412341234"}
    assert sf.redactor.text("paid with 4000123412341234.") == "paid with ***."


def test_escaped_placeholder_is_literal(tmp_path: Path) -> None:
    p = tmp_path / "e.yml"
    p.write_text("name: e\nbase_url: http://x\nsteps:\n  - {name: s, goto: /, expect: {text: '$${NOT_A_VAR}'}}\n")
    assert load_scenario(p, env={}).scenario.steps[0].expect.text == "${NOT_A_VAR}"


def test_yes_no_on_are_words_as_keys_and_booleans_as_values(tmp_path: Path) -> None:
    p = tmp_path / "k.yml"
    p.write_text(
        "name: k\nbase_url: http://x\nsteps:\n"
        "  - {name: go, press: {key: Enter, on: {role: link, name: Go}}}\n"
        "  - {name: survey, optional: yes, fill: {No: x, Yes: y}}\n"
    )
    first, second = load_scenario(p, env={}).scenario.steps
    assert first.press is not None and first.press.on is not None and first.press.on.name == "Go"
    assert second.optional is True
    assert [f.label for f in second.fill] == ["No", "Yes"]  # was "False", "True"


def test_schema_is_json_schema_of_the_model() -> None:
    schema = scenario_json_schema()
    assert schema["$schema"].startswith("https://json-schema.org/")
    assert set(schema["required"]) == {"name", "base_url", "steps"}
    assert "Step" in schema["$defs"] and schema["$defs"]["Step"]["additionalProperties"] is False


@pytest.mark.parametrize(
    ("text", "seconds"), [("500ms", 0.5), ("2s", 2.0), ("1.5m", 90.0), ("1h", 3600.0), (3, 3.0), ("4", 4.0)]
)
def test_durations(text: object, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("bad", ["fast", "-1s", "2 minutes", True, None])
def test_bad_durations(bad: object) -> None:
    with pytest.raises(ValueError, match="expected a duration like 500ms"):
        parse_duration(bad)


def test_format_duration() -> None:
    assert [format_duration(x) for x in (0.25, 2.314, 65)] == ["250ms", "2.31s", "1m05s"]


def test_redactor_masks_longest_first_and_every_form() -> None:
    r = Redactor(["secret", "secret-token", "ab", "p@ss word"])
    assert r.text("a secret-token and a secret") == "a *** and a ***"
    assert r.text("ab stays: too short to mask") == "ab stays: too short to mask"
    assert r.data({"k": ["secret", 1]}) == {"k": ["***", 1]}
    assert r.bytes(b"pw=p%40ss+word&q=p%40ss%20word&x=secret-token") == b"pw=***&q=***&x=***"
