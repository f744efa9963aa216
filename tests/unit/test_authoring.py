"""The conversion rules of ``cxmon import`` on plain data: steps, stages, secrets, confirmations."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from cxmon.authoring.convert import LastPage, import_script, order_number_pattern
from cxmon.errors import InputError


def _convert(tmp_path: Path, body: str, suffix: str = ".py", **kwargs):  # type: ignore[no-untyped-def]
    path = tmp_path / f"script{suffix}"
    path.write_text(body)
    conversion = import_script(path, **kwargs)
    return conversion, yaml.safe_load(conversion.text)


@pytest.mark.parametrize(
    ("text", "pattern"),
    [
        ("Thank you\nOrder #DEMO-1234\nBack", r"Order #\s*([A-Z0-9-]+)"),
        ("Total 89.00 EUR\nOrder #DS-ABCDEF", r"Order #\s*([A-Z0-9-]+)"),
        ("Deliver to Test Customer, Testikatu 1\nPayment method: Card", None),
        ("Kiitos tilauksestasi!\nTilausnumero: NO48213", r"Tilausnumero:\s*([A-Z0-9-]+)"),
        ("Thank you for shopping", None),
    ],
)
def test_order_number_pattern(text: str, pattern: str | None) -> None:
    assert order_number_pattern(text) == pattern


def test_focus_click_before_fill_is_dropped_and_fills_join_the_click_that_sends_them(tmp_path: Path) -> None:
    _, data = _convert(tmp_path, (
        'page.goto("https://shop.example/checkout")\n'
        'page.get_by_label("Email").click()\n'
        'page.get_by_label("Email").fill("a@b.c")\n'
        'page.get_by_label("Shipping address").fill("Street 1")\n'
        'page.get_by_role("button", name="Continue").click()\n'
    ))
    assert data["base_url"] == "https://shop.example"
    assert data["steps"] == [
        {"name": "checkout", "stage": "checkout", "goto": "/checkout"},
        {"name": "continue", "stage": "checkout", "fill": {"Email": "a@b.c", "Shipping address": "Street 1"},
         "click": {"role": "button", "name": "Continue"}},
    ]


def test_stages_never_go_back_and_a_value_with_a_dollar_brace_stays_literal(tmp_path: Path) -> None:
    conversion, data = _convert(tmp_path, (
        "await page.goto('https://shop.example/');\n"
        "await page.getByRole('button', { name: 'Add to basket' }).click();\n"
        "await page.getByRole('link', { name: 'Home' }).click();\n"
        "await page.getByPlaceholder('Coupon').fill('${X}');\n"
    ), suffix=".js")
    assert [s["stage"] for s in data["steps"]] == ["browse", "cart", "cart", "cart"]
    assert data["steps"][3]["fill"] == [{"placeholder": "Coupon", "value": "$${X}"}]
    assert "stage: cart  # review: guessed (from 'Add to basket')" in conversion.text


def test_last_page_proposes_the_confirmation(tmp_path: Path) -> None:
    _, data = _convert(tmp_path, (
        'page.goto("https://shop.example/pay")\n'
        'page.get_by_label("Card number").fill("4111111111111111")\n'
        'page.get_by_role("button", name="Pay").click()\n'
    ), last_page=LastPage("https://shop.example/done", "Thanks!", "Thanks!\nOrder no. A-77812"))
    assert data["secrets"] == ["CARD_NUMBER"]
    assert data["steps"][-1] == {"name": "confirmation", "stage": "confirmation",
                                 "confirm": {"text": "Thanks!", "order_number": r"Order no\.\s*([A-Z0-9-]+)"}}


@pytest.mark.parametrize(
    ("suffix", "body", "message"),
    [
        (".py", "page.goto(\n", "script.py:1: not a Python script: '(' was never closed"),
        (".ts", "test('t', async ({ page }: { page: Page }) => {});\n", "script.ts:1: not a JavaScript script: "
         "Unexpected token : (TypeScript type annotations are not supported; remove them)"),
        (".py", "page.get_by_role('link', name='X').click()\n", "script.py: no page.goto(URL) in the script: cxmon "
         "needs the shop's address"),
        (".rb", "x", "script.rb: expected a Playwright script ending in .py, .js, .mjs, .cjs, .ts, .mts, .cts"),
    ],
)
def test_scripts_that_cannot_be_read_are_bad_input(tmp_path: Path, suffix: str, body: str, message: str) -> None:
    with pytest.raises(InputError) as info:
        _convert(tmp_path, body, suffix=suffix)
    assert str(info.value) == f"{tmp_path}/{message}"


def test_opening_a_dropdown_and_clicking_an_option_is_one_select_and_chains_become_within(tmp_path: Path) -> None:
    _, data = _convert(tmp_path, (
        'page.goto("https://shop.example/delivery")\n'
        'page.get_by_label("Country").click()\n'
        'page.get_by_role("option", name="Sweden").click()\n'
        'page.get_by_role("row").filter(has_text="Standard").get_by_role("button", name="Select").nth(0).click()\n'
    ))
    assert data["steps"][1]["select"] == {"Country": "Sweden"}
    assert data["steps"][1]["click"] == {"role": "button", "name": "Select", "nth": 0,
                                         "within": {"role": "row", "has_text": "Standard"}}
