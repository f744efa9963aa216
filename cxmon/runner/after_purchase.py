"""The runner's after-purchase hooks: ``${run_id}``, ``capture:``, ``prices:`` and ``email:``.

Kept apart from the step runner so the engine only calls in at four points:

- :func:`with_run_id` fills a step's ``${run_id}`` before it runs (a per-run e-mail address);
- :func:`capture_values` reads a passed step's ``capture:`` values from its page;
- :func:`check_prices` judges the captured values by the scenario's ``prices:`` rules, putting each
  ``price_mismatch`` on the step where the value diverged;
- :func:`email_check` says what confirmation e-mail the journey waits for, and
  :func:`cxmon.mailcheck.finish_email_check` waits for it (``cxmon run``) or is run in the
  background (``cxmon serve``) and updates the result.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import replace

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Page
from playwright.async_api import TimeoutError as PlaywrightTimeout

from cxmon.mailcheck import EmailCheck, fill_run_id
from cxmon.model import (
    CapturedValue,
    Finding,
    JourneyResult,
    Kind,
    Outcome,
    Stage,
    StepResult,
    StepStatus,
)
from cxmon.money import MoneyError, parse_money
from cxmon.pricing import evaluate_prices
from cxmon.runner.locators import resolve
from cxmon.scenario import Journey, Step

__all__ = [
    "capture_values",
    "check_prices",
    "email_check",
    "new_run_id",
    "record_captures",
    "uses_run_id",
    "with_run_id",
]

CAPTURE_TIMEOUT_SECONDS = 5.0
_RUN_ID = "${run_id}"


def new_run_id() -> str:
    """A short token new for every journey run, safe in an e-mail address: ``r`` + 10 hex digits."""
    return "r" + secrets.token_hex(5)


def uses_run_id(journey: Journey) -> bool:
    """Whether the journey's steps or its ``email:`` use ``${run_id}``."""
    email = journey.scenario.email
    if email is not None and email.match.to is not None and _RUN_ID in email.match.to:
        return True
    return any(_RUN_ID in step.model_dump_json(exclude_none=True) for step in journey.steps)


def with_run_id(step: Step, run_id: str) -> Step:
    """``step`` with every ``${run_id}`` filled in (the same step when it has none)."""
    text = step.model_dump_json(exclude_none=True)
    if _RUN_ID not in text:
        return step
    return Step.model_validate_json(text.replace(_RUN_ID, run_id))


async def record_captures(page: Page, step: Step, stage: Stage, step_result: StepResult, result: JourneyResult) -> None:
    """Capture a passed step's values into ``result``; a value not there fails the step."""
    if not step.capture or step_result.failed:
        return
    values, findings = await capture_values(page, step, stage)
    result.captures.extend(values)
    if findings:
        step_result.findings.extend(findings)
        step_result.status = StepStatus.FAILED


async def capture_values(page: Page, step: Step, stage: Stage) -> tuple[list[CapturedValue], list[Finding]]:
    """Read the step's ``capture:`` values from the page; a value not there is an ``assertion``."""
    values: list[CapturedValue] = []
    findings: list[Finding] = []
    for name, capture in (step.capture or {}).items():
        where = capture.describe()
        try:
            element = resolve(page, capture)
            timeout = CAPTURE_TIMEOUT_SECONDS * 1000
            if capture.attribute is not None:
                raw = await element.get_attribute(capture.attribute, timeout=timeout)
            else:
                raw = await element.inner_text(timeout=timeout)
        except (PlaywrightTimeout, PlaywrightError):
            raw = None
        text = " ".join(raw.split()) if raw is not None else None
        if text is not None and capture.regex is not None:
            m = re.search(capture.regex, text)
            text = (m.group(1) if m.groups() else m.group(0)) if m else None
        if text is None:
            findings.append(
                Finding(
                    Kind.ASSERTION,
                    f"capture {name}: no value at {where}" + (f" matching {capture.regex!r}" if capture.regex else ""),
                    step.name,
                    stage,
                    evidence={"expected": f"{where} to capture {name}", "actual": page.url, "capture": name},
                )
            )
            continue
        values.append(CapturedValue(name, text, step.name, stage))
    return values, findings


def check_prices(journey: Journey, result: JourneyResult) -> None:
    """Judge the captured values by ``prices:``; each finding goes on the step where the value diverged."""
    prices = journey.scenario.prices
    if prices is None or not result.captures:
        return
    values, findings = evaluate_prices(
        prices.parsed_rules(),
        result.captures,
        currency=prices.currency,
        tolerance=prices.tolerance,
        decimal_separator=prices.decimal_separator,
    )
    result.prices = {
        name: {"amount": str(m.amount), "currency": m.currency, "text": m.text} for name, m in values.items()
    }
    steps = {s.name: s for s in result.steps}
    for finding in findings:
        step = steps.get(finding.step)
        if step is None:
            result.findings.append(finding)
            continue
        # Like every finding, it names the page: the one the diverging value was read from.
        step.findings.append(replace(finding, evidence={**finding.evidence, "url": step.url}))
        step.status = StepStatus.FAILED


def email_check(journey: Journey, result: JourneyResult, run_id: str, placed_at: float | None) -> EmailCheck | None:
    """The confirmation e-mail this journey waits for, or ``None`` (no ``email:``, or no order placed)."""
    email = journey.scenario.email
    if email is None or placed_at is None or result.outcome is not Outcome.PASS:
        return None
    step = next((s.name for s in journey.steps if s.confirm is not None and s.confirm.order_number), None)
    if step is None:
        step = result.steps[-1].name if result.steps else ""
    total = None
    if email.total is not None:
        captured = next((c for c in result.captures if c.name == email.total), None)
        if captured is not None:
            currency = journey.scenario.prices.currency if journey.scenario.prices else None
            try:
                total = parse_money(captured.text, currency)
            except MoneyError:
                total = None
    return EmailCheck(
        email=email,
        placed_at=placed_at,
        step=step,
        order_number=result.order_number,
        to=fill_run_id(email.match.to, run_id) if email.match.to else None,
        to_is_per_run=email.match.to is not None and _RUN_ID in email.match.to,
        total=total,
        secrets=tuple(journey.redactor.values),
    )
