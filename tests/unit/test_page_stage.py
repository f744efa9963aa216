"""The stage is where the customer is: page findings move to the stage of the page (pure logic)."""

from __future__ import annotations

from cxmon.exporters.metrics import step_stages
from cxmon.model import Finding, Kind, Severity, Stage
from cxmon.runner.pagestage import landed_stage, place_findings
from cxmon.scenario import Step


def _step(**kw: object) -> Step:
    return Step.model_validate({"name": "s", **kw})


def test_a_page_the_step_does_not_read_is_the_next_steps() -> None:
    step = _step(click={"role": "button", "name": "Continue"}, expect={"url": "/payment"})
    assert landed_stage(step, Stage.CHECKOUT, Stage.PAYMENT) is Stage.PAYMENT


def test_a_page_the_step_reads_is_its_own() -> None:
    step = _step(click={"role": "button", "name": "Add"}, expect={"text": "Your cart"})
    assert landed_stage(step, Stage.CART, Stage.CHECKOUT) is Stage.CART


def test_the_last_steps_page_is_its_own() -> None:
    step = _step(click={"role": "button", "name": "Pay"})
    assert landed_stage(step, Stage.PAYMENT, None) is Stage.PAYMENT


def test_page_findings_move_and_name_the_path_others_stay() -> None:
    url = "http://shop.test/pl/payment?x=1"
    slow = Finding(Kind.SLOW, "step took 4s", "address", Stage.CHECKOUT, Severity.FAILURE, {"url": url})
    request = Finding(
        Kind.ERROR_PAGE, "POST /api 500", "address", Stage.CHECKOUT, Severity.FAILURE, {"reason": "request_status"}
    )
    invalid = Finding(Kind.VALIDATION_ERROR, "Email", "address", Stage.CHECKOUT)
    moved, kept, same = place_findings([slow, request, invalid], Stage.PAYMENT, url)
    assert (moved.step, moved.stage) == ("address", Stage.PAYMENT)
    assert moved.evidence["page"] == "/pl/payment" and "/pl/payment" in moved.message
    assert kept.stage is Stage.CHECKOUT and same.stage is Stage.CHECKOUT


def test_a_journey_budget_finding_stays_on_its_step() -> None:
    over = Finding(Kind.SLOW, "journey took 40s", "confirmation", Stage.CONFIRMATION, evidence={"scope": "journey"})
    [same] = place_findings([over], Stage.PAYMENT, "http://shop.test/")
    assert same.stage is Stage.CONFIRMATION


def test_the_next_steps_stage_is_declared_at_0_for_each_step() -> None:
    pairs = step_stages(["address", "pay", "confirmation"], ["checkout", "payment", "confirmation"])
    assert ("address", "payment") in pairs and ("pay", "confirmation") in pairs
    assert ("address", "checkout") in pairs and ("confirmation", "confirmation") in pairs
