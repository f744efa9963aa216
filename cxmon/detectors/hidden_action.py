"""hidden_action and element_missing: the customer could not use the action element.

Before every action (click, check, press on an element, choosing a payment method) the runner
probes the element the way a customer meets it: present, visible, non-zero size, inside the
viewport after scrolling, enabled, and not covered — the element at the point a click lands must
be the target or inside it. A covered element's finding names the cover (tag, id, classes, text).
cxmon never force-clicks past a problem.

``element_missing`` means the element is not on the page at all: more often a changed page (the
scenario needs updating) than a customer-facing fault, so it is reported as its own kind.

Why it matters: a Pay button hidden behind a cookie banner on phones blocks every mobile sale,
while every server-side check stays green.
"""

from __future__ import annotations

from typing import ClassVar

from cxmon.detectors.base import DetectorConfig, StepObservation
from cxmon.model import Finding, Kind

REASONS = {
    "hidden": "is not visible",
    "zero_size": "has zero size",
    "offscreen": "is outside the screen and cannot be scrolled into view",
    "disabled": "is disabled",
    "covered": "is covered by another element",
}


class HiddenActionDetector:
    name: ClassVar[str] = "hidden_action"

    def detect(self, obs: StepObservation, config: DetectorConfig) -> list[Finding]:
        fail = obs.action_failure
        if fail is None or fail.action == "select_method":
            return []
        if fail.reason == "missing":
            return [
                obs.finding(
                    Kind.ELEMENT_MISSING, f"{fail.target} is not on the page", target=fail.target, action=fail.action
                )
            ]
        if fail.reason != "not_usable" or not fail.probe:
            return []
        reason = fail.probe.get("reason") or "unusable"
        message = f"{fail.target} {REASONS.get(reason, 'cannot be used')}"
        evidence = {
            "target": fail.target,
            "action": fail.action,
            "reason": reason,
            "element": fail.probe.get("element", ""),
        }
        if reason == "covered":
            message += f": {fail.probe.get('covered_by')}"
            evidence["covered_by"] = fail.probe.get("covered_by", "")
        if "viewport" in fail.probe:
            evidence["viewport"] = fail.probe["viewport"]
        return [obs.finding(Kind.HIDDEN_ACTION, message, **evidence)]
