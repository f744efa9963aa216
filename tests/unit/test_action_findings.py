"""Pure parts of the action diagnosis: merged identical findings, and the scenario keys behind
ambiguous locators and order numbers read from an element."""

from __future__ import annotations

from pathlib import Path

from cxmon.detectors import merge_identical
from cxmon.model import Finding, Kind, Severity, Stage
from cxmon.scenario import OrderNumber, load_scenario


def _finding(message: str, kind: Kind = Kind.ERROR_PAGE, severity: Severity = Severity.FAILURE) -> Finding:
    return Finding(kind, message, "reset", Stage.CART, severity, {"url": "https://shop.example/cart"})


def test_identical_findings_become_one_with_a_count() -> None:
    same = "request failed: POST https://shop.example/api/reset (net::ERR_CONNECTION_RESET)"
    merged = merge_identical([_finding(same), _finding(same), _finding("HTTP 500"), _finding(same)])
    assert [f.message for f in merged] == [f"{same} (×3)", "HTTP 500"]
    assert merged[0].evidence == {"url": "https://shop.example/cart", "count": 3}
    assert "count" not in merged[1].evidence


def test_same_message_of_another_kind_or_severity_is_not_merged() -> None:
    findings = [_finding("x"), _finding("x", Kind.VALIDATION_ERROR), _finding("x", severity=Severity.WARNING)]
    assert merge_identical(findings) == findings


def test_order_number_from_a_locator_and_strict_locators_load(tmp_path: Path) -> None:
    path = tmp_path / "s.yml"
    path.write_text(
        "name: shop\nbase_url: http://127.0.0.1:8400\nstrict: true\nsteps:\n"
        "  - {name: buy, click: {role: button, name: Buy, strict: false}}\n"
        "  - name: done\n"
        "    confirm: {order_number: {locator: {css: '[data-order]'}, pattern: '#(\\w+)'}}\n"
        "  - {name: again, confirm: {order_number: 'Order #(\\w+)'}}\n",
        encoding="utf-8",
    )
    scenario = load_scenario(path).scenario
    assert scenario.strict is True
    assert scenario.steps[0].click is not None and scenario.steps[0].click.strict is False
    number = scenario.steps[1].confirm.order_number if scenario.steps[1].confirm else None
    assert isinstance(number, OrderNumber)
    assert (number.locator.css, number.pattern) == ("[data-order]", "#(\\w+)")
    assert scenario.steps[2].confirm is not None and scenario.steps[2].confirm.order_number == "Order #(\\w+)"
