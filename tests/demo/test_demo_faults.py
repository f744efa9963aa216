"""The fault grammar and the live fault set, without any server."""

from __future__ import annotations

import threading

import pytest

from cxmon.demo.faults import FAULT_KINDS, STAGES, Fault, FaultSet, FaultSpecError, parse_fault

VALID = [
    # spec, parsed fault, canonical spec
    ("error_page", Fault("error_page", None, "checkout", None), "error_page@checkout"),
    ("error_page@cart*2", Fault("error_page", None, "cart", 2), "error_page@cart*2"),
    ("error_page@cart#sv", Fault("error_page", None, "cart", market="sv"), "error_page@cart#sv"),
    ("error_text#fi*1", Fault("error_text", None, "checkout", 1, "fi"), "error_text@checkout#fi*1"),
    (
        "payment_rejected:invoice#sv",
        Fault("payment_rejected", "invoice", "payment", market="sv"),
        "payment_rejected:invoice@payment#sv",
    ),
    ("error_text@browse", Fault("error_text", None, "browse", None), "error_text@browse"),
    ("js_error", Fault("js_error", None, "checkout", None), "js_error@checkout"),
    ("js_error@confirmation", Fault("js_error", None, "confirmation", None), "js_error@confirmation"),
    ("slow", Fault("slow", "4000", "payment", None), "slow:4000@payment"),
    ("slow:250@checkout*3", Fault("slow", "250", "checkout", 3), "slow:250@checkout*3"),
    ("slow:0250", Fault("slow", "250", "payment", None), "slow:250@payment"),
    ("hidden_action", Fault("hidden_action", "covered", "payment", None), "hidden_action:covered@payment"),
    (
        "hidden_action:offscreen_mobile@cart",
        Fault("hidden_action", "offscreen_mobile", "cart", None),
        "hidden_action:offscreen_mobile@cart",
    ),
    ("payment_rejected", Fault("payment_rejected", "card", "payment", None), "payment_rejected:card@payment"),
    (
        "payment_rejected:mobile_pay*1",
        Fault("payment_rejected", "mobile_pay", "payment", 1),
        "payment_rejected:mobile_pay@payment*1",
    ),
    (
        "payment_not_offered:invoice",
        Fault("payment_not_offered", "invoice", "payment", None),
        "payment_not_offered:invoice@payment",
    ),
    (
        "confirmation_missing",
        Fault("confirmation_missing", None, "confirmation", None),
        "confirmation_missing@confirmation",
    ),
    ("validation_error@payment", Fault("validation_error", None, "payment", None), "validation_error@payment"),
    ("  error_page@cart  ", Fault("error_page", None, "cart", None), "error_page@cart"),
    ("price_mismatch", Fault("price_mismatch", None, "cart", None), "price_mismatch@cart"),
    ("total_mismatch", Fault("total_mismatch", None, "checkout", None), "total_mismatch@checkout"),
    ("currency_mismatch@payment", Fault("currency_mismatch", None, "payment", None), "currency_mismatch@payment"),
    ("email_missing", Fault("email_missing", None, "confirmation", None), "email_missing@confirmation"),
    ("email_late", Fault("email_late", "10000", "confirmation", None), "email_late:10000@confirmation"),
    ("email_late:1500*1", Fault("email_late", "1500", "confirmation", 1), "email_late:1500@confirmation*1"),
    ("email_wrong_order", Fault("email_wrong_order", None, "confirmation", None), "email_wrong_order@confirmation"),
]

KNOWN = (
    "error_page, error_text, js_error, slow, hidden_action, payment_rejected, payment_not_offered, "
    "confirmation_missing, validation_error, price_mismatch, total_mismatch, currency_mismatch, email_missing, "
    "email_late, email_wrong_order"
)
ALL_STAGES = "browse, cart, checkout, payment, confirmation"
FORMAT = "FAULT[:VARIANT][@STAGE][#MARKET][*N]"

INVALID = [
    ("", f"invalid fault spec '': empty; expected {FORMAT}"),
    ("   ", f"invalid fault spec '   ': empty; expected {FORMAT}"),
    ("nope", f"invalid fault spec 'nope': unknown fault 'nope' (known faults: {KNOWN})"),
    ("Error_Page", f"invalid fault spec 'Error_Page': unknown fault 'Error_Page' (known faults: {KNOWN})"),
    ("error_page:x", "invalid fault spec 'error_page:x': error_page takes no variant, got 'x'"),
    (
        "hidden_action:foo",
        "invalid fault spec 'hidden_action:foo': unknown variant 'foo' for hidden_action "
        "(allowed: hidden, covered, offscreen, disabled, covered_mobile, offscreen_mobile)",
    ),
    (
        "payment_rejected:paypal",
        "invalid fault spec 'payment_rejected:paypal': unknown variant 'paypal' for payment_rejected "
        "(allowed: card, invoice, instalments, mobile_pay)",
    ),
    (
        "email_late:soon",
        "invalid fault spec 'email_late:soon': email_late:MS needs a whole number of milliseconds from 1 to 600000, "
        "got 'soon'",
    ),
    (
        "price_mismatch@browse",
        "invalid fault spec 'price_mismatch@browse': stage 'browse' is not allowed for price_mismatch "
        "(allowed: cart, checkout, payment, confirmation)",
    ),
    ("email_missing:x", "invalid fault spec 'email_missing:x': email_missing takes no variant, got 'x'"),
    (
        "slow:abc",
        "invalid fault spec 'slow:abc': slow:MS needs a whole number of milliseconds from 1 to 600000, got 'abc'",
    ),
    (
        "slow:0",
        "invalid fault spec 'slow:0': slow:MS needs a whole number of milliseconds from 1 to 600000, got '0'",
    ),
    (
        "slow:²",
        "invalid fault spec 'slow:²': slow:MS needs a whole number of milliseconds from 1 to 600000, got '²'",
    ),
    (
        "error_page@paymentx",
        f"invalid fault spec 'error_page@paymentx': stage 'paymentx' is not allowed for error_page "
        f"(allowed: {ALL_STAGES})",
    ),
    (
        "payment_rejected@checkout",
        "invalid fault spec 'payment_rejected@checkout': stage 'checkout' is not allowed for "
        "payment_rejected (allowed: payment)",
    ),
    (
        "validation_error@cart",
        "invalid fault spec 'validation_error@cart': stage 'cart' is not allowed for validation_error "
        "(allowed: checkout, payment)",
    ),
    (
        "confirmation_missing@payment",
        "invalid fault spec 'confirmation_missing@payment': stage 'payment' is not allowed for "
        "confirmation_missing (allowed: confirmation)",
    ),
    ("error_page*0", "invalid fault spec 'error_page*0': *N needs a whole number of hits of at least 1, got '0'"),
    ("error_page*x", "invalid fault spec 'error_page*x': *N needs a whole number of hits of at least 1, got 'x'"),
    (
        "error_page@checkout:x",
        f"invalid fault spec 'error_page@checkout:x': expected {FORMAT}, in that order, each part at most once",
    ),
    (
        "error_page*2@cart",
        f"invalid fault spec 'error_page*2@cart': expected {FORMAT}, in that order, each part at most once",
    ),
    ("error_page:", f"invalid fault spec 'error_page:': empty variant; expected {FORMAT}"),
    ("error_page@", f"invalid fault spec 'error_page@': empty stage; expected {FORMAT}"),
    ("error_page*", f"invalid fault spec 'error_page*': empty *N; expected {FORMAT}"),
    (":covered", f"invalid fault spec ':covered': empty fault; expected {FORMAT}"),
    ("error_page#se", "invalid fault spec 'error_page#se': unknown market 'se' (markets: en, fi, sv)"),
    ("error_page#", f"invalid fault spec 'error_page#': empty market; expected {FORMAT}"),
    (
        "error_page#sv@cart",
        f"invalid fault spec 'error_page#sv@cart': expected {FORMAT}, in that order, each part at most once",
    ),
]


@pytest.mark.parametrize(("spec", "expected", "canonical"), VALID, ids=[case[0] for case in VALID])
def test_valid_specs_parse_with_defaults_and_round_trip(spec: str, expected: Fault, canonical: str) -> None:
    fault = parse_fault(spec)
    assert fault == expected
    assert str(fault) == canonical == fault.spec
    assert parse_fault(str(fault)) == fault


@pytest.mark.parametrize(("spec", "message"), INVALID, ids=[case[0] or "empty" for case in INVALID])
def test_invalid_specs_name_the_spec_and_what_is_allowed(spec: str, message: str) -> None:
    with pytest.raises(FaultSpecError) as caught:
        parse_fault(spec)
    assert str(caught.value) == message
    assert isinstance(caught.value, ValueError)


def test_every_variant_and_stage_of_every_fault_parses() -> None:
    for name, kind in FAULT_KINDS.items():
        assert kind.default_stage in kind.stages
        assert set(kind.stages) <= set(STAGES)
        for stage in kind.stages:
            for variant in kind.variants or (None,):
                spec = name + (f":{variant}" if variant else "") + f"@{stage}*5"
                fault = parse_fault(spec)
                assert (fault.name, fault.stage, fault.limit) == (name, stage, 5)
                assert fault.variant == (variant or kind.default_variant)
                assert parse_fault(str(fault)) == fault


def test_slow_delay_is_read_from_the_variant() -> None:
    assert parse_fault("slow").delay_ms == 4000
    assert parse_fault("slow:125@cart").delay_ms == 125
    assert parse_fault("error_page").delay_ms == 0


def test_limited_fault_stops_matching_after_n_hits() -> None:
    faults = FaultSet(["error_page@cart*2"])
    assert [faults.hit("error_page", "cart") is not None for _ in range(3)] == [True, True, False]
    assert faults.list() == [
        {
            "spec": "error_page@cart*2",
            "name": "error_page",
            "variant": None,
            "stage": "cart",
            "market": None,
            "limit": 2,
            "hits": 2,
            "active": False,
        }
    ]


def test_unlimited_fault_keeps_matching_and_counts_hits() -> None:
    faults = FaultSet()
    faults.add("slow:10@browse")
    for _ in range(5):
        assert faults.hit("slow", "browse") == Fault("slow", "10", "browse", None)
    assert faults.list()[0]["hits"] == 5
    assert faults.list()[0]["active"] is True


def test_hit_matches_name_stage_and_optional_variant() -> None:
    faults = FaultSet(["payment_rejected:invoice", "hidden_action:disabled@cart"])
    assert faults.hit("payment_rejected", "payment", "card") is None
    assert faults.hit("payment_rejected", "payment", "invoice") == parse_fault("payment_rejected:invoice")
    assert faults.hit("hidden_action", "payment") is None
    hidden = faults.hit("hidden_action", "cart")
    assert hidden is not None and hidden.variant == "disabled"
    assert faults.hit("error_page", "cart") is None


def test_later_fault_takes_over_when_the_first_is_used_up() -> None:
    faults = FaultSet(["slow:100@cart*1", "slow:200@cart"])
    assert [faults.hit("slow", "cart").delay_ms for _ in range(3)] == [100, 200, 200]  # type: ignore[union-attr]


def test_active_does_not_count_a_hit() -> None:
    faults = FaultSet(["error_text@checkout*1"])
    assert faults.active("error_text", "checkout") is not None
    assert faults.active("error_text", "checkout") is not None
    assert faults.list()[0]["hits"] == 0
    assert faults.hit("error_text", "checkout") is not None
    assert faults.active("error_text", "checkout") is None


def test_bad_spec_leaves_the_set_unchanged() -> None:
    with pytest.raises(FaultSpecError, match="unknown fault 'bogus'"):
        FaultSet(["error_page", "bogus"])
    faults = FaultSet(["error_page"])
    with pytest.raises(FaultSpecError):
        faults.add("error_page@nowhere")
    assert [entry["spec"] for entry in faults.list()] == ["error_page@checkout"]
    assert len(faults) == 1


def test_clear_switches_everything_off() -> None:
    faults = FaultSet(["error_page", "slow"])
    faults.clear()
    assert faults.list() == []
    assert faults.hit("error_page", "checkout") is None


def test_limit_holds_under_concurrent_hits_from_many_threads() -> None:
    faults = FaultSet(["error_page@cart*500"])
    taken: list[int] = []
    start = threading.Barrier(8)

    def worker() -> None:
        start.wait()
        taken.append(sum(faults.hit("error_page", "cart") is not None for _ in range(200)))

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(taken) == 500
    assert faults.list()[0]["hits"] == 500


def test_a_market_fault_hits_that_market_only() -> None:
    faults = FaultSet(["error_page@cart#sv"])
    assert faults.hit("error_page", "cart", market="fi") is None
    assert faults.hit("error_page", "cart") is None  # a caller that knows no market
    assert faults.hit("error_page", "cart", market="sv") == parse_fault("error_page@cart#sv")
    everywhere = FaultSet(["error_page@cart"])
    assert everywhere.hit("error_page", "cart", market="fi") is not None
    assert everywhere.hit("error_page", "cart") is not None
