"""The third shop's fault grammar: good specs get their defaults, bad ones say what is allowed."""

from __future__ import annotations

import pytest

from tests.shop3.faults import FAULTS, FaultSet, FaultSpecError, parse_fault


@pytest.mark.parametrize(
    ("spec", "canonical"),
    [
        ("error_page", "error_page@checkout"),
        ("error_text:et@payment", "error_text:et@payment"),
        ("challenge", "challenge:page@browse"),
        ("challenge:http_429@cart*2", "challenge:http_429@cart*2"),
        ("slow", "slow:4000@payment"),
        ("slow:2500@browse", "slow:2500@browse"),
        ("out_of_stock:absent", "out_of_stock:absent@browse"),
        ("payment_rejected", "payment_rejected:alert@payment"),
        (" maintenance ", "maintenance@browse"),
    ],
)
def test_good_specs(spec: str, canonical: str) -> None:
    assert str(parse_fault(spec)) == canonical


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("", "expected FAULT"),
        ("boom", "unknown fault 'boom'"),
        ("challenge:captcha", "unknown variant 'captcha' (allowed: page, http_429)"),
        ("slow:fast", "slow:MS needs 1 to 600000 milliseconds"),
        ("slow:²", "slow:MS needs"),
        ("out_of_stock@cart", "stage 'cart' not allowed (browse)"),
        ("api_error@browse", "stage 'browse' not allowed (cart, checkout, payment)"),
        ("maintenance:x", "unknown variant 'x' (allowed: none)"),
        ("error_page*0", "*N needs a whole number of at least 1"),
        ("error_page@checkout:x", "expected FAULT"),
    ],
)
def test_bad_specs(spec: str, message: str) -> None:
    with pytest.raises(FaultSpecError, match=message.replace("(", r"\(").replace(")", r"\)").replace("*", r"\*")):
        parse_fault(spec)


def test_a_limited_fault_stops_after_n_hits() -> None:
    faults = FaultSet(["error_page@cart*2"])
    assert [faults.hit("error_page", "cart") is not None for _ in range(3)] == [True, True, False]
    assert faults.hit("error_page", "checkout") is None
    assert faults.list() == [{"spec": "error_page@cart*2", "hits": 2}]


def test_every_fault_names_a_default_stage_it_allows() -> None:
    for name, kind in FAULTS.items():
        assert kind.default_stage in kind.stages, name
