"""assertion: an ``expect`` of the scenario did not hold.

Reported only when no more specific kind explains the step (an error page, a maintenance or
challenge page, a product out of stock make the expected text missing too; that page is what the
customer saw). Like ``element_missing``, the message names a login or consent wall and compares the
page with the step's last passing run. Evidence: expected and actual.
"""

from __future__ import annotations

from typing import ClassVar

from cxmon.detectors.base import DetectorConfig, StepObservation
from cxmon.detectors.hidden_action import page_context
from cxmon.model import Finding, Kind


class AssertionDetector:
    """Reports the ``expect`` that did not hold, with what the page showed instead."""

    name: ClassVar[str] = "assertion"

    def detect(self, obs: StepObservation, config: DetectorConfig) -> list[Finding]:
        miss = obs.assertion_failure
        if miss is None:
            return []
        message, evidence = page_context(obs, config)
        return [
            obs.finding(
                Kind.ASSERTION,
                f"expected {miss.expected}" + message,
                expected=miss.expected,
                actual=miss.actual,
                **evidence,
            )
        ]
