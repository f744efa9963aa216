"""Invalid scenario files: each mistake gives one exact message naming the file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from cxmon.errors import ScenarioError
from cxmon.scenario import MAX_FILE_BYTES, ScenarioErrors, load_scenario, load_scenarios

DATA = Path(__file__).parent / "testdata"

YAML_HINT = (
    "(common causes: a value containing ': ', ' #', '?', '{', '}', '[', ']' or ',' must be quoted, "
    'e.g. text: "Who are you?"; indent with spaces, not tabs)'
)

EXPECTED = {
    "invalid-unknown-key.yml": "6: steps[0].clik: unknown key 'clik', did you mean 'click'? (expected one of: "
    "name, stage, optional, timeout, budget, budget_count, when, goto, fill, select, check, actions, pay, click, "
    "press, wait_for, expect, confirm, capture)",
    "invalid-missing-name.yml": "1: missing required key 'name'",
    "invalid-step-without-name.yml": "5: steps[1]: missing required key 'name'",
    "invalid-bad-duration.yml": "4: budgets.step: expected a duration like 500ms, 2s, 1.5m or 1h, got 'fast'",
    "invalid-base-url.yml": "2: base_url: expected an http:// or https:// URL, got 'ftp://shop.example'",
    "invalid-missing-variable.yml": "6: steps[0].fill.Password: variable ${SHOP_PASSWORD} is not set (set it in "
    "the environment, under variables:, or write ${SHOP_PASSWORD:-default})",
    "invalid-yaml.yml": f"6: invalid YAML: expected ',' or ']', but got '<stream end>' {YAML_HINT}",
    "invalid-yaml-unquoted-question.yml": f"5: invalid YAML: expected ',' or '}}', but got '?' {YAML_HINT}",
    "invalid-misspelt-locator-key.yml": "6: steps[0].click.rol: unknown key 'rol', did you mean 'role'? (expected "
    "one of: role, name, exact, text, label, test_id, css, placeholder, alt, title, selector, nth, has_text, "
    "within, strict)",
    "invalid-misspelt-value.yml": "4: budgets.mode: expected 'fail' or 'warn', got 'wrn', did you mean 'warn'?",
    "invalid-misspelt-stage.yml": "5: steps[0].stage: expected one of 'browse', 'cart', 'checkout', 'payment' or "
    "'confirmation', got 'paymnet', did you mean 'payment'?",
    "invalid-actions-entry.yml": "6: steps[0].actions[0]: expected exactly one of click, fill, select, check, "
    "press, wait_for per entry, got click, select",
    "invalid-within-two-kinds.yml": "6: steps[0].click.within: expected exactly one of role, text, label, test_id, "
    "css, placeholder, alt, title, selector to address the element, got text, css",
    "invalid-zero-budget.yml": "4: budgets.step: expected a duration above zero, like 500ms or 2s, got 0",
    "invalid-negative-budget.yml": "4: steps[0].budget: expected a duration like 500ms, 2s, 1.5m or 1h, got a "
    "negative value -2",
    "invalid-duplicate-key.yml": "5: invalid YAML: duplicate key 'name' (first at line 1)",
    "invalid-wrong-type.yml": "6: steps[0].optional: expected true or false, got 'maybe'",
    "invalid-bad-stage.yml": "5: steps[0].stage: expected one of 'browse', 'cart', 'checkout', 'payment' or "
    "'confirmation', got 'shopping'",
    "invalid-locator-two-kinds.yml": "5: steps[0].click: expected exactly one of role, text, label, test_id, css, "
    "placeholder, alt, title, selector to address the element, got role, css",
    "invalid-no-action.yml": "4: steps[0]: expected at least one action: goto, fill, select, check, actions, pay, "
    "click, press, wait_for, expect, confirm, capture",
    "invalid-no-steps.yml": "3: steps: expected at least one item",
    "invalid-duplicate-step.yml": "5: steps[1].name: duplicate step name 'home' (also steps[0])",
    "invalid-matrix-method.yml": "4: matrix.payment_method[1]: expected a snake_case word (a-z, 0-9, _), "
    "got 'Mobile Pay'",
    "invalid-bad-regex.yml": "5: steps[0].confirm.order_number: not a valid regular expression: unterminated "
    "character set at position 8",
    "invalid-order-number-pattern.yml": "5: steps[0].confirm.order_number.pattern: not a valid regular expression: "
    "unterminated character set at position 1",
    "invalid-order-number-no-locator.yml": "5: steps[0].confirm.order_number: missing required key 'locator'",
    "invalid-strict.yml": "3: strict: expected true or false, got 'yes please'",
    "invalid-not-a-mapping.yml": "1: expected a mapping of scenario keys (name, base_url, steps, ...), got a list",
    "invalid-when-without-matrix.yml": "6: steps[0].when.payment_method: the scenario has no "
    "matrix.payment_method to select from",
    "invalid-market-unknown.yml": "7: matrix.market[1]: unknown market 'sve', did you mean 'sv'? (markets: fi, sv)",
    "invalid-market-method-offered-nowhere.yml": "7: matrix.payment_method[1]: 'mobilepay' is offered by no market "
    "of the matrix, did you mean 'mobile_pay'? (fi offers card, mobile_pay; sv offers card, swish)",
    "invalid-market-locale.yml": "4: markets.fi.locale: expected a BCP 47 locale like fi-FI, sv-SE or en-GB, "
    "got 'fi_FI', did you mean 'fi-FI'?",
    "invalid-market-timezone.yml": "6: markets.sv.timezone: expected an IANA time zone like Europe/Helsinki or UTC, "
    "got 'Europe/Stokholm', did you mean 'Europe/Stockholm'?",
    "invalid-market-variable-unset.yml": "7: steps[0].click.name: variable ${ADD_TO_CART} is not set for market sv "
    "(set it under markets.sv.variables or variables:, or write ${ADD_TO_CART:-default})",
    "invalid-market-base-url.yml": "4: markets.fi.base_url: expected an http:// or https:// URL or a path starting "
    "with /, got 'fi/'",
    "invalid-when-market.yml": "6: steps[0].when.market: unknown market 'se' (markets: fi, sv)",
    # Well-formed YAML that would exhaust the stack or the memory: stopped while composing.
    "invalid-too-deep.yml": "4: nested deeper than 50 levels (expected lists and mappings a few levels deep)",
    "invalid-alias-loop.yml": "7: alias *steps is used inside the value it names (expected no loop)",
    "invalid-alias-bomb.yml": "8: more than 50,000 values, an alias counted each time it is used (expected a "
    "scenario of a few hundred)",
}


def test_every_invalid_file_has_an_expectation() -> None:
    assert sorted(p.name for p in DATA.glob("invalid-*.yml")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_invalid_file_message(name: str) -> None:
    path = DATA / name
    with pytest.raises(ScenarioError) as info:
        load_scenario(path, env={})
    assert info.value.format_lines() == [f"{path}:{EXPECTED[name]}"]


def test_all_problems_of_a_file_are_reported_at_once(tmp_path: Path) -> None:
    path = tmp_path / "many.yml"
    path.write_text("name: shop\nbase_url: http://x\nsteps:\n  - name: a\n    clik: x\n  - name: b\n"
                    "    goto: /\n    timeout: soon\n")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path, env={})
    lines = [line for line, _ in info.value.problems]
    assert lines == [5, 8]


def test_duplicate_scenario_names_across_files(tmp_path: Path) -> None:
    for n in ("a", "b"):
        (tmp_path / f"{n}.yml").write_text("name: same\nbase_url: http://x\nsteps:\n  - {name: s, goto: /}\n")
    with pytest.raises(ScenarioErrors) as info:
        load_scenarios([tmp_path], env={})
    [line] = info.value.format_lines()
    assert line == f"{tmp_path / 'b.yml'}:1: duplicate scenario name 'same' (also in {tmp_path / 'a.yml'})"


def test_unknown_device_is_named(tmp_path: Path) -> None:
    path = tmp_path / "d.yml"
    path.write_text("name: d\nbase_url: http://x\nmatrix:\n  device: [iPhone 99]\nsteps:\n  - {name: s, goto: /}\n")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path, env={}, known_devices={"iPhone 13", "Pixel 7"})
    assert info.value.format_lines() == [f"{path}:4: matrix.device[0]: unknown device 'iPhone 99' "
                                         "(see `cxmon devices`)"]


@pytest.mark.parametrize("depth", [60, 999, 5000])
def test_any_depth_is_an_error_not_a_recursion(depth: int, tmp_path: Path) -> None:
    for opening, closing in (("[", "]"), ("{a: ", "}")):
        path = tmp_path / "deep.yml"
        path.write_text(f"name: deep\nbase_url: http://x\nsteps:\n  - {opening * depth}1{closing * depth}\n")
        with pytest.raises(ScenarioError) as info:
            load_scenario(path, env={})
        assert info.value.format_lines() == [
            f"{path}:4: nested deeper than 50 levels (expected lists and mappings a few levels deep)"
        ]


def test_a_file_too_big_to_be_a_scenario(tmp_path: Path) -> None:
    path = tmp_path / "big.yml"
    path.write_text("name: big\nbase_url: http://x\nsteps:\n" + "  - {name: s, goto: /}\n" * 11_000)
    size = path.stat().st_size
    assert size > MAX_FILE_BYTES
    with pytest.raises(ScenarioError) as info:
        load_scenario(path, env={})
    assert info.value.format_lines() == [
        f"{path}: the file has {size:,} bytes (expected a scenario of at most 250,000)"
    ]


def test_anchors_and_aliases_within_the_limits_still_load(tmp_path: Path) -> None:
    path = tmp_path / "aliases.yml"
    path.write_text(
        "name: aliases\nbase_url: http://x\nvariables:\n  ADDRESS: &street Testikatu 1\nsteps:\n"
        "  - &home {name: home, goto: /}\n  - {name: address, fill: {Address: *street}}\n"
        "  - {<<: *home, name: again}\n"
    )
    scenario = load_scenario(path, env={}).scenario
    assert [s.name for s in scenario.steps] == ["home", "address", "again"]


@pytest.mark.parametrize("key", ["on", "off", "yes", "no", "On", "NO"])
def test_yaml_1_1_boolean_words_are_keys_not_booleans(tmp_path: Path, key: str) -> None:
    path = tmp_path / "keys.yml"
    path.write_text(f"name: k\nbase_url: http://x\nvariables: {{{key}: v}}\nsteps:\n  - {{name: s, goto: /}}\n")
    assert load_scenario(path, env={}).scenario.variables == {key: "v"}


def test_press_on_validates_as_documented(tmp_path: Path) -> None:
    path = tmp_path / "press.yml"
    path.write_text("name: p\nbase_url: http://x\nsteps:\n  - name: search\n    goto: /\n"
                    "    press: {key: Enter, on: {label: Search}}\n")
    press = load_scenario(path, env={}).scenario.steps[0].press
    assert press is not None and press.key == "Enter" and press.on is not None and press.on.label == "Search"


def test_true_and_false_stay_booleans_as_values(tmp_path: Path) -> None:
    path = tmp_path / "b.yml"
    path.write_text("name: b\nbase_url: http://x\nsteps:\n  - {name: s, goto: /, optional: yes}\n")
    assert load_scenario(path, env={}).scenario.steps[0].optional is True


def test_default_is_a_device_name_beside_phones(tmp_path: Path) -> None:
    path = tmp_path / "d.yml"
    path.write_text("name: d\nbase_url: http://x\nmatrix:\n  device: [default, iPhone 13]\n"
                    "steps:\n  - {name: s, goto: /}\n")
    journeys = load_scenario(path, env={}, known_devices={"iPhone 13"}).journeys()
    assert [(j.key.id, j.device) for j in journeys] == [("d", None), ("d[iPhone 13]", "iPhone 13")]


def test_misspelt_device_gets_close_names(tmp_path: Path) -> None:
    path = tmp_path / "d.yml"
    path.write_text("name: d\nbase_url: http://x\nmatrix:\n  device: [iPhone13]\nsteps:\n  - {name: s, goto: /}\n")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path, env={}, known_devices={"iPhone 13", "iPhone 13 Pro", "Pixel 7"})
    assert info.value.format_lines() == [f"{path}:4: matrix.device[0]: unknown device 'iPhone13' "
                                         "(did you mean: iPhone 13)"]


def test_a_control_character_in_a_key_stays_on_the_message_s_line(tmp_path: Path) -> None:
    # "\x1e" (a record separator) ends a line for str.splitlines(): printed raw, it split the message.
    path = tmp_path / "s.yml"
    path.write_text('name: s\nbase_url: http://127.0.0.1:9\nsteps:\n  - {name: home, goto: /, expect: {"\\x1e": 0}}\n')
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    [line] = [line for line in caught.value.format_lines() if "unknown key" in line]
    assert line.splitlines() == [line]
    assert "steps[0].expect['\\x1e']: unknown key '\\x1e'" in line
