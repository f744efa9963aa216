"""``--junit``: parsed with a real JUnit parser, and compared with a checked-in golden file.

Rewrite the golden file on purpose with ``CXMON_UPDATE_GOLDEN=1 pytest tests/unit/test_junit.py``.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

from junitparser import Error, Failure, JUnitXml, Skipped

from cxmon.exporters.junit import junit_xml, write_junit
from cxmon.model import Outcome, RunResult
from tests.unit.ci_sample import CARD, NOT_RUN, T0, sample_run, steps

GOLDEN = Path(__file__).resolve().parent.parent / "golden" / "junit.xml"


def _parse(path: Path) -> dict[str, dict[str, object]]:
    xml = JUnitXml.fromfile(str(path))
    cases: dict[str, dict[str, object]] = {}
    for suite in xml:
        for case in suite:
            props = {p.get("name"): p.get("value") for p in case._elem.iter("property")}
            cases[case.name] = {"suite": suite, "case": case, "props": props}
    return cases


def test_junit_matches_golden_file() -> None:
    text = junit_xml(sample_run(), planned=[NOT_RUN])
    if os.environ.get("CXMON_UPDATE_GOLDEN"):
        GOLDEN.write_text(text, encoding="utf-8")
    assert text == GOLDEN.read_text(encoding="utf-8")


def test_junit_parses_and_matches_the_run(tmp_path: Path) -> None:
    path = tmp_path / "junit.xml"
    write_junit(sample_run(), path, planned=[NOT_RUN])
    xml = JUnitXml.fromfile(str(path))
    suites = {s.name: s for s in xml}
    assert set(suites) == {"shop-checkout", "shop-browse"}
    checkout = suites["shop-checkout"]
    assert (checkout.tests, checkout.failures, checkout.errors, checkout.skipped) == (4, 1, 1, 1)
    assert checkout.time == 2.5 + 2.0 + 0.5
    assert (suites["shop-browse"].tests, suites["shop-browse"].failures) == (1, 0)

    cases = _parse(path)
    card = cases["shop-checkout[card]"]
    assert card["case"].classname == "shop-checkout"
    failure = card["case"].result[0]
    assert isinstance(failure, Failure)
    assert failure.type == "payment_rejected"
    assert failure.message == 'payment_rejected at pay (payment): card payment was declined (HTTP 402): ' \
                              '"Card <declined> & refused"'
    assert "status=402" in failure.text
    assert card["props"]["cxmon.outcome"] == "fail"
    assert card["props"]["cxmon.artifact.screenshot"] == "artifacts/shop-checkout-card/screenshot.png"
    assert card["props"]["cxmon.artifact.trace"] == "artifacts/shop-checkout-card/trace.zip"
    assert "[[ATTACHMENT|artifacts/shop-checkout-card/screenshot.png]]" in card["case"].system_out

    # Flaky passes the testcase but says so, with the earlier failure.
    invoice = cases["shop-checkout[invoice]"]
    assert invoice["case"].is_passed
    assert invoice["props"]["cxmon.outcome"] == "flaky"
    assert invoice["props"]["cxmon.attempts"] == "2"
    assert "hidden_action at pay (payment)" in invoice["props"]["cxmon.flaky"]
    assert "FLAKY" in invoice["case"].system_out

    error = cases["shop-checkout[mobile_pay]"]["case"].result[0]
    assert isinstance(error, Error) and error.type == "infrastructure"
    assert error.message == "the browser crashed"

    skipped = cases["shop-checkout[instalments]"]["case"].result[0]
    assert isinstance(skipped, Skipped)
    assert cases["shop-browse"]["case"].is_passed


def test_repeated_runs_are_one_testcase_decided_by_the_worst_run(tmp_path: Path) -> None:
    run = sample_run()
    card_fail = run.journeys[0]
    card_pass = replace(card_fail, outcome=Outcome.PASS, duration_seconds=1.0, artifacts={},
                        steps=steps(T0 + 10, [0.25, 0.25, 0.25, 0.25]))
    card_pass2 = replace(card_pass, duration_seconds=1.5)
    rerun = RunResult([card_pass, card_fail, card_pass2], started_at=T0, duration_seconds=5.0)
    path = tmp_path / "junit.xml"
    write_junit(rerun, path)
    cases = _parse(path)
    assert list(cases) == [CARD.id]
    case = cases[CARD.id]
    assert isinstance(case["case"].result[0], Failure)
    assert case["case"].time == 1.5  # the median of 1.0, 2.5 and 1.5
    assert case["props"]["cxmon.runs"] == "3"
    assert case["props"]["cxmon.outcomes"] == "pass=2 fail=1"


def test_text_that_xml_cannot_hold_is_replaced(tmp_path: Path) -> None:
    run = sample_run()
    card = run.journeys[0]
    card.steps[2].findings[0] = replace(card.steps[2].findings[0], message="bad\x00byte\x1b[0m")
    path = tmp_path / "junit.xml"
    write_junit(run, path)
    failure = _parse(path)[CARD.id]["case"].result[0]
    assert failure.message == "payment_rejected at pay (payment): bad\ufffdbyte\ufffd[0m"
