"""timeout: a step did not complete within its time limit, for no reason another detector found.

Evidence: the step, its limit and the action that was under way.
"""

from __future__ import annotations

from typing import ClassVar

from cxmon.detectors.base import DetectorConfig, FailureReason, StepObservation
from cxmon.model import Finding, Kind


class TimeoutDetector:
    """Reports a step that ran out of time, or an action or wait that did."""

    name: ClassVar[str] = "timeout"

    def detect(self, obs: StepObservation, config: DetectorConfig) -> list[Finding]:
        fail = obs.action_failure
        if obs.timed_out or (fail is not None and fail.reason is FailureReason.TIMEOUT):
            action = f"{fail.action} {fail.target}".strip() if fail else "the step"
            detail = fail.message if fail else "the step's time limit ran out"
            return [
                obs.finding(
                    Kind.TIMEOUT,
                    f"{action} did not complete: {detail}",
                    action=fail.action.value if fail else "",
                    target=fail.target if fail else "",
                )
            ]
        return []
