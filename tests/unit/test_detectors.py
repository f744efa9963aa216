"""Detectors as pure functions of what the runner saw: plain data in, findings out."""

from __future__ import annotations

from cxmon.detectors import DetectorSet, make_config, prioritise
from cxmon.detectors.base import (
    OWN,
    THIRD_PARTY,
    Action,
    ActionFailure,
    AssertionFailure,
    BudgetMode,
    FailedRequest,
    FailureReason,
    InvalidField,
    PageSnapshot,
    Probe,
    Response,
    StepObservation,
    Unusable,
)
from cxmon.model import Finding, Kind, Severity, Stage
from cxmon.scenario import StepAction

CONFIG = make_config()


def obs(**kw) -> StepObservation:
    base = {"step": "pay", "stage": Stage.PAYMENT, "actions": (StepAction.PAY, StepAction.CLICK), "pay_method": "card"}
    base.update(kw)
    return StepObservation(**base)


def kinds(o: StepObservation, config=CONFIG) -> list[tuple[str, str]]:
    return [(f.kind.value, f.severity.value) for f in DetectorSet().detect(o, config)]


def test_402_is_a_declined_payment_not_an_error_page() -> None:
    o = obs(
        responses=[Response("http://s/payment", 402, "POST", "document", True, OWN)],
        snapshot=PageSnapshot(url="http://s/payment", text="Payment declined: your card was declined."),
    )
    [finding] = DetectorSet().detect(o, CONFIG)
    assert finding.kind is Kind.PAYMENT_REJECTED
    assert finding.evidence["status"] == 402
    assert finding.evidence["decline_text"] == "Payment declined: your card was declined."


def test_422_with_invalid_fields_is_validation_not_error_page_nor_decline() -> None:
    o = obs(
        responses=[Response("http://s/checkout", 422, "POST", "document", True, OWN)],
        snapshot=PageSnapshot(invalid_fields=[InvalidField("Email", "Enter a valid email.")]),
    )
    assert kinds(o) == [("validation_error", "failure")]


def test_500_page_hides_its_consequences() -> None:
    o = obs(
        stage=Stage.CHECKOUT,
        pay_method=None,
        actions=(StepAction.CLICK, StepAction.EXPECT),
        responses=[Response("http://s/checkout", 500, "GET", "document", True, OWN)],
        assertion_failure=AssertionFailure("text 'Checkout'", "http://s/checkout"),
        duration_seconds=9.0,
        budget_seconds=3.0,
    )
    assert kinds(o) == [("error_page", "failure")]


def test_third_party_failures_are_no_finding_unless_configured() -> None:
    failed = FailedRequest("https://cdn.example/x.js", "net::ERR_FAILED", "GET", "script", False, THIRD_PARTY)
    o = obs(stage=Stage.BROWSE, pay_method=None, failed_requests=[failed])
    assert kinds(o) == []
    assert kinds(o, make_config(third_party="report")) == [("error_page", "warning")]
    assert kinds(o, make_config(third_party="fail")) == [("error_page", "failure")]


def test_hidden_and_missing_are_told_apart() -> None:
    covered = ActionFailure(
        Action.CLICK,
        'button "Pay now"',
        FailureReason.NOT_USABLE,
        "covered",
        Probe(reason=Unusable.COVERED, covered_by='div#cookie "We use cookies"'),
    )
    [f] = DetectorSet().detect(obs(action_failure=covered), CONFIG)
    assert (f.kind, f.evidence["covered_by"]) == (Kind.HIDDEN_ACTION, 'div#cookie "We use cookies"')
    missing = ActionFailure(Action.CLICK, 'button "Pay now"', FailureReason.MISSING, "not on the page")
    assert kinds(obs(action_failure=missing)) == [("element_missing", "failure")]
    not_offered = ActionFailure(Action.SELECT_METHOD, "payment method card", FailureReason.MISSING, "not offered")
    [f] = DetectorSet().detect(obs(action_failure=not_offered), CONFIG)
    assert (f.kind, f.evidence["reason"]) == (Kind.PAYMENT_REJECTED, "not_offered")


def test_slow_is_a_warning_in_warn_mode() -> None:
    o = obs(stage=Stage.BROWSE, pay_method=None, duration_seconds=2.5, budget_seconds=2.0, budget_mode=BudgetMode.WARN)
    assert kinds(o) == [("slow", "warning")]


def test_prioritise_keeps_specific_causes() -> None:
    failure, warning = Severity.FAILURE, Severity.WARNING

    def f(kind: Kind, severity: Severity = failure) -> Finding:
        return Finding(kind, "m", "s", Stage.PAYMENT, severity)

    def kept(*findings: Finding) -> list[tuple[Kind, Severity]]:
        return [(x.kind, x.severity) for x in prioritise(list(findings))]

    # A specific cause hides the generic ones, and the time spent waiting for it is not slowness.
    assert kept(f(Kind.TIMEOUT), f(Kind.PAYMENT_REJECTED), f(Kind.SLOW)) == [(Kind.PAYMENT_REJECTED, failure)]
    assert kept(f(Kind.SLOW)) == [(Kind.SLOW, failure)]
    assert kept(f(Kind.UNREACHABLE), f(Kind.CONFIRMATION_MISSING)) == [(Kind.UNREACHABLE, failure)]
    # Only a failure explains others: a specific warning leaves the generic failure standing.
    assert kept(f(Kind.PAYMENT_REJECTED, warning), f(Kind.TIMEOUT)) == [
        (Kind.PAYMENT_REJECTED, warning),
        (Kind.TIMEOUT, failure),
    ]
    # An error page explains a missing confirmation; a warning about a form is still reported.
    assert kept(f(Kind.ERROR_PAGE), f(Kind.CONFIRMATION_MISSING), f(Kind.VALIDATION_ERROR, warning)) == [
        (Kind.ERROR_PAGE, failure),
        (Kind.VALIDATION_ERROR, warning),
    ]
