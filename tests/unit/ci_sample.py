"""A fixed, plain-data run for the report tests: every outcome, findings with evidence, artifacts.

Nothing here runs a browser; the golden files under tests/golden/ are rendered from it.
"""

from __future__ import annotations

from cxmon.model import (
    Finding,
    JourneyKey,
    JourneyResult,
    Kind,
    Outcome,
    RunResult,
    Severity,
    Stage,
    StepResult,
    StepStatus,
)

T0 = 1_764_000_000.0
STEPS = [("home", Stage.BROWSE), ("add-to-cart", Stage.CART), ("pay", Stage.PAYMENT),
         ("confirmation", Stage.CONFIRMATION)]

CARD = JourneyKey("shop-checkout", "card")
INVOICE = JourneyKey("shop-checkout", "invoice")
MOBILE = JourneyKey("shop-checkout", "mobile_pay")
BROWSE = JourneyKey("shop-browse")
NOT_RUN = JourneyKey("shop-checkout", "instalments")


def steps(start: float, durations: list[float], failed_at: int | None = None,
          findings: list[Finding] | None = None) -> list[StepResult]:
    """Steps one after another from ``start``; after ``failed_at`` they are skipped."""
    out, t = [], start
    for i, ((name, stage), took) in enumerate(zip(STEPS, durations, strict=True)):
        if failed_at is not None and i > failed_at:
            out.append(StepResult(name, stage, StepStatus.SKIPPED, budget_seconds=2.0))
            continue
        failed = i == failed_at
        out.append(StepResult(name, stage, StepStatus.FAILED if failed else StepStatus.PASSED, t, took,
                              budget_seconds=2.0, url=f"http://shop.test/{name}",
                              findings=list(findings or []) if failed else [],
                              timings={"ttfb": round(took / 4, 3), "load": round(took / 2, 3)}))
        t += took
    return out


DECLINED = Finding(Kind.PAYMENT_REJECTED, 'card payment was declined (HTTP 402): "Card <declined> & refused"',
                   "pay", Stage.PAYMENT, Severity.FAILURE,
                   {"method": "card", "reason": "declined", "status": 402})


def sample_run() -> RunResult:
    card = JourneyResult(CARD, Outcome.FAIL, T0, 2.5, steps(T0, [0.5, 0.75, 1.25, 0.1], failed_at=2,
                                                            findings=[DECLINED]),
                         budget_seconds=30.0,
                         artifacts={"screenshot": "artifacts/shop-checkout-card/screenshot.png",
                                    "trace": "artifacts/shop-checkout-card/trace.zip"})
    invoice = JourneyResult(INVOICE, Outcome.FLAKY, T0 + 3, 2.0, steps(T0 + 3, [0.5, 0.5, 0.75, 0.25]),
                            findings=[Finding(Kind.HIDDEN_ACTION, "failed on attempt 1, passed on retry: button "
                                              '"Pay now" is covered by div#promo', "pay", Stage.PAYMENT,
                                              Severity.WARNING, {"reason": "covered", "attempt": 1})],
                            attempts=2, order_number="DS-1234", budget_seconds=30.0)
    mobile = JourneyResult(MOBILE, Outcome.ERROR, T0 + 6, 0.5, [],
                           findings=[Finding(Kind.INFRASTRUCTURE, "the browser crashed", "", Stage.BROWSE,
                                             Severity.FAILURE, {"error": "the browser crashed"})],
                           error="the browser crashed")
    browse = JourneyResult(BROWSE, Outcome.PASS, T0 + 7, 1.5, steps(T0 + 7, [0.25, 0.5, 0.5, 0.25]),
                           order_number="DS-5678")
    return RunResult([card, invoice, mobile, browse], started_at=T0, duration_seconds=8.5)
