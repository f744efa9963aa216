"""unreachable: the shop could not be reached at all.

A navigation of the page that failed at the network level — DNS, connection refused or reset,
TLS — is ``unreachable``, with the network error as evidence. It is a shop (or network) fault,
not cxmon's own.
"""

from __future__ import annotations

from typing import ClassVar

from cxmon.detectors.base import DetectorConfig, FailureReason, StepObservation
from cxmon.model import Finding, Kind


class UnreachableDetector:
    """Reports a page that could not be loaded at all (a network error on its navigation)."""

    name: ClassVar[str] = "unreachable"

    def detect(self, obs: StepObservation, config: DetectorConfig) -> list[Finding]:
        for req in obs.failed_requests:
            if req.main_document:
                return [
                    obs.finding(Kind.UNREACHABLE, f"cannot reach {req.url}: {req.error}", url=req.url, error=req.error)
                ]
        fail = obs.action_failure
        if fail is not None and fail.reason is FailureReason.NAVIGATION:
            return [
                obs.finding(
                    Kind.UNREACHABLE, f"cannot reach {fail.target}: {fail.message}", url=fail.target, error=fail.message
                )
            ]
        return []
