"""confirmation_missing: the order was placed but the customer got no confirmation.

A ``confirm`` step waits (within its time limit) for the confirmation text and captures the order
number with its regex. No confirmation page, no order number, or an error where the confirmation
should be is ``confirmation_missing``. The order number goes into the result, never into a
metric label.

Why it matters: a paid but unconfirmed order means a customer who was charged and does not know
it, a support call, and often a second, duplicate purchase.
"""

from __future__ import annotations

from typing import Any, ClassVar

from cxmon.detectors.base import ConfirmationPart, DetectorConfig, StepObservation
from cxmon.model import Finding, Kind


class ConfirmationMissingDetector:
    """Reports a ``confirm`` step whose text, order number or URL did not appear."""

    name: ClassVar[str] = "confirmation_missing"

    def detect(self, obs: StepObservation, config: DetectorConfig) -> list[Finding]:
        miss = obs.confirm_failure
        if miss is None:
            return []
        excerpt = (obs.snapshot.text if obs.snapshot else "")[:300]
        # The evidence key names what was expected: expected_url, expected_text or order_number_pattern.
        key = {
            ConfirmationPart.URL: "expected_url",
            ConfirmationPart.TEXT: "expected_text",
            ConfirmationPart.ORDER_NUMBER: "order_number_pattern",
        }[miss.part]
        evidence: dict[str, Any] = {"page_excerpt": excerpt, "missing": miss.missing, "actual": miss.actual}
        evidence[key] = miss.expected
        return [obs.finding(Kind.CONFIRMATION_MISSING, f"no order confirmation: {miss.missing}", **evidence)]
