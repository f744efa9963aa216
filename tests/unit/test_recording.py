"""Recorded observations: a step's observation to YAML and back, secrets masked, bad files named."""

from __future__ import annotations

from pathlib import Path

import pytest

from cxmon.detectors import DetectorSet, make_config
from cxmon.detectors.base import (
    Action,
    ActionFailure,
    AmbiguousLocator,
    AssertionFailure,
    BudgetMode,
    ConfirmationFailure,
    ConfirmationPart,
    FailedRequest,
    FailureReason,
    InvalidField,
    Origin,
    PageSnapshot,
    Probe,
    Response,
    StepObservation,
    Unusable,
)
from cxmon.detectors.recording import RecordingError, load_recording, recording_path, write_recording
from cxmon.model import Stage
from cxmon.redact import Redactor
from cxmon.scenario import StepAction


def full_observation() -> StepObservation:
    """An observation with every field away from its default."""
    return StepObservation(
        step="pay",
        stage=Stage.PAYMENT,
        actions=(StepAction.PAY, StepAction.CLICK, StepAction.CONFIRM),
        pay_method="card",
        duration_seconds=4.25,
        budget_seconds=3.0,
        budget_mode=BudgetMode.WARN,
        responses=[Response("https://s.example/pay", 402, "POST", "document", True, Origin.OWN)],
        failed_requests=[FailedRequest("https://cdn.example/x.js", "net::ERR_FAILED", "GET", "script", False,
                                       Origin.THIRD_PARTY)],
        page_errors=["TypeError: x is undefined"],
        console_errors=["Failed to load resource"],
        snapshot=PageSnapshot(
            url="https://s.example/pay",
            title="Pay – Shop",
            text="Pay now\nCard declined\n  indented line \n",
            error_selector_hits=["body.error-page"],
            decline_selector_hits=[".declined"],
            invalid_fields=[InvalidField("Card number", "Invalid"), InvalidField(message="no field")],
            alerts=["Card declined"],
            timings={"ttfb": 0.25, "cls": 0.0},
        ),
        action_failure=ActionFailure(
            Action.CLICK,
            'button "Pay now"',
            FailureReason.NOT_USABLE,
            "covered",
            Probe('button#pay "Pay now"', Unusable.COVERED, 'div#promo "10% off"', {"width": 390, "height": 664}),
            url="https://s.example/pay",
        ),
        assertion_failure=AssertionFailure("text 'Paid' on the page", "https://s.example/pay"),
        confirm_failure=ConfirmationFailure(
            ConfirmationPart.ORDER_NUMBER, r"Order #(\w+)", "https://s.example/pay", title="Pay – Shop", lang="fi"
        ),
        timed_out=True,
        navigated=True,
        ambiguous_locators=[AmbiguousLocator(Action.CLICK, 'button "Pay now"', 2, strict=True)],
        journey_payment_method="card",
    )


def test_round_trip_keeps_every_field(tmp_path: Path) -> None:
    obs = full_observation()
    config = make_config(decline_texts=["hylätty"], third_party="fail")
    findings = DetectorSet().detect(obs, config)
    path = recording_path(tmp_path, "demo-checkout-card", 6, "pay")
    write_recording(path, obs, findings, config, "demo-checkout[card]")
    assert path == tmp_path / "demo-checkout-card" / "06-pay.yml"
    back = load_recording(path)
    assert back.observation == obs
    assert back.config == config
    assert back.journey == "demo-checkout[card]"
    assert back.findings == [f.to_dict() for f in findings]
    assert [f.to_dict() for f in DetectorSet().detect(back.observation, back.config)] == back.findings


def test_defaults_are_left_out_and_come_back(tmp_path: Path) -> None:
    obs = StepObservation("home", Stage.BROWSE, (StepAction.GOTO,))
    path = tmp_path / "01-home.yml"
    write_recording(path, obs, [], make_config(), "demo")
    text = path.read_text()
    assert "action_failure" not in text and "timed_out" not in text
    assert load_recording(path).observation == obs


def test_secrets_are_masked(tmp_path: Path) -> None:
    obs = full_observation()
    assert obs.snapshot is not None
    obs.snapshot.url = "https://s.example/pay?token=tok-5f1c9a77e2&back=tok%2B5f1c9a77e2"
    obs.snapshot.text = "Card 4242424242424242 declined"
    path = tmp_path / "06-pay.yml"
    write_recording(path, obs, [], make_config(), "demo", Redactor(["tok-5f1c9a77e2", "tok+5f1c9a77e2",
                                                                      "4242424242424242"]))
    text = path.read_text()
    assert "5f1c9a77e2" not in text and "4242424242424242" not in text
    snap = load_recording(path).observation.snapshot
    assert snap is not None
    assert (snap.url, snap.text) == ("https://s.example/pay?token=***&back=***", "Card *** declined")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("observation: {step: a, stage: nowhere}", "observation.stage: expected one of browse, cart"),
        ("observation: {step: a, stage: cart, colour: red}", "observation: unknown key(s) colour"),
        ("observation: {step: a, stage: cart, duration_seconds: soon}", "observation.duration_seconds: expected float"),
        ("observation: {stage: cart}", "observation: "),
        ("observation: {step: a, stage: cart, action_failure: {action: click, target: b, reason: other, message: m}}",
         "observation.action_failure.reason: expected one of missing, not_usable, timeout, navigation, got 'other'"),
        ("findings: []", "expected a mapping with an observation"),
        ("observation: {step: a, stage: cart}\nfindings: {kind: slow}", "findings: expected a list of mappings"),
        ("observation: [", "cannot read"),
    ],
)
def test_bad_files_say_where_and_what(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.yml"
    path.write_text(text)
    with pytest.raises(RecordingError) as err:
        load_recording(path)
    assert str(err.value).startswith(str(path))
    assert message in str(err.value)
