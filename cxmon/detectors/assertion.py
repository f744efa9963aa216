"""assertion: an ``expect`` of the scenario did not hold.

Reported only when no more specific kind explains the step (an error page makes the expected text
missing too; the error page is what the customer saw). Evidence: expected and actual.
"""

from __future__ import annotations

from typing import ClassVar

from cxmon.detectors.base import DetectorConfig, StepObservation
from cxmon.model import Finding, Kind


class AssertionDetector:
    """Reports the ``expect`` that did not hold, with what the page showed instead."""

    name: ClassVar[str] = "assertion"

    def detect(self, obs: StepObservation, config: DetectorConfig) -> list[Finding]:
        miss = obs.assertion_failure
        if miss is None:
            return []
        return [obs.finding(Kind.ASSERTION, f"expected {miss.expected}", expected=miss.expected, actual=miss.actual)]
