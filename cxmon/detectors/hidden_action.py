"""hidden_action and element_missing: the customer could not use the action element.

Before every action (click, check, press on an element, choosing a payment method) the runner
probes the element the way a customer meets it: present, visible, non-zero size, inside the
viewport after scrolling, enabled, and not covered — the element at the point a click lands must
be the target or inside it. A covered element's finding names the cover (tag, id, classes, text).
cxmon never force-clicks past a problem.

``element_missing`` means the element is not on the page at all: more often a changed page (the
scenario needs updating) than a customer-facing fault, so it is reported as its own kind. Before
it is reported the page is read: an error or maintenance page (``error_page``), a product that
cannot be bought (``out_of_stock``) or a bot challenge (``blocked``) is reported instead; a login
wall or a cookie consent wall is named in the message. The message also compares the page with
the one the step worked on in its last passing run (kept while the process lives, so ``cxmon
serve`` knows it after the first good run): "the same page ..., the element gone", or "a
different page ...: <title>".

A styled control is not a hidden one: when the native radio, checkbox or button is invisible or
under a cover, the runner clicks what a customer sees there (the cover, or the control's label)
and judges by the effect; only when that click does not check the box or reach the control is it
``hidden_action``.

An action locator that matches several visible elements is an ``element_missing`` *warning*: the
locator no longer singles out one element — like a missing one, a sign that the page changed
under the scenario — and cxmon used the first (or ``nth``) match. With ``strict: true`` (on the
scenario or the locator) it is a failure and the action is not done.

Why it matters: a Pay button hidden behind a cookie banner on phones blocks every mobile sale,
while every server-side check stays green.
"""

from __future__ import annotations

from typing import Any, ClassVar

from cxmon.detectors.base import Action, DetectorConfig, FailureReason, StepObservation, Unusable
from cxmon.detectors.pages import wall, where
from cxmon.model import Finding, Kind, Severity

REASONS = {
    Unusable.HIDDEN: "is not visible",
    Unusable.ZERO_SIZE: "has zero size",
    Unusable.OFFSCREEN: "is outside the screen and cannot be scrolled into view",
    Unusable.DISABLED: "is disabled",
    Unusable.COVERED: "is covered by another element",
    Unusable.UNUSABLE: "cannot be used",
}


WALLS = {
    "login": "the page asks the customer to log in (a login wall)",
    "consent": "a cookie consent wall covers the page",
}


def page_context(obs: StepObservation, config: DetectorConfig) -> tuple[str, dict[str, Any]]:
    """What the page is, for a message about something missing from it: a wall, and the page
    compared with the step's last passing run. Returns the message tail and the evidence."""
    snap = obs.snapshot
    if snap is None:
        return "", {}
    said = []
    evidence: dict[str, Any] = {}
    found = wall(snap, config)
    if found is not None:
        said.append(WALLS[found])
        evidence["wall"] = found
    compared = where(obs)
    if compared:
        said.append(compared)
    if snap.identity is not None:
        evidence["page_title"] = snap.identity.describe()
    if obs.last_good_page is not None:
        evidence["last_good_title"] = obs.last_good_page.describe()
    return (": " + "; ".join(said) if said else ""), evidence


class HiddenActionDetector:
    """Reports an action element a customer could not use (``hidden_action``) or could not find at
    all (``element_missing``)."""

    name: ClassVar[str] = "hidden_action"

    def detect(self, obs: StepObservation, config: DetectorConfig) -> list[Finding]:
        return [*_ambiguous(obs), *self._unusable(obs, config)]

    def _unusable(self, obs: StepObservation, config: DetectorConfig) -> list[Finding]:
        fail = obs.action_failure
        # A payment method that is not there is payment_rejected's (not offered).
        if fail is None or fail.action is Action.SELECT_METHOD:
            return []
        if fail.reason is FailureReason.MISSING:
            where, about_page = page_context(obs, config)
            return [
                obs.finding(
                    Kind.ELEMENT_MISSING,
                    f"{fail.target} is not on the page" + where,
                    target=fail.target,
                    action=fail.action.value,
                    **about_page,
                )
            ]
        probe = fail.probe
        if fail.reason is not FailureReason.NOT_USABLE or probe is None or probe.reason is None:
            return []
        message = f"{fail.target} {REASONS[probe.reason]}"
        evidence: dict[str, Any] = {
            "target": fail.target,
            "action": fail.action.value,
            "reason": probe.reason.value,
            "element": probe.element,
        }
        if probe.reason is Unusable.COVERED:
            message += f": {probe.covered_by}"
            evidence["covered_by"] = probe.covered_by or ""
        if probe.viewport is not None:
            evidence["viewport"] = dict(probe.viewport)
        return [obs.finding(Kind.HIDDEN_ACTION, message, **evidence)]


def _ambiguous(obs: StepObservation) -> list[Finding]:
    """A warning (with ``strict``: a failure) for each action locator that matched several elements."""
    return [
        obs.finding(
            Kind.ELEMENT_MISSING,
            f"{a.target} matches {a.count} visible elements"
            + ("; strict: not done" if a.strict else "; cxmon used the first")
            + ": add nth, within, or a narrower locator",
            Severity.FAILURE if a.strict else Severity.WARNING,
            target=a.target,
            action=a.action.value,
            reason="ambiguous",
            matches=a.count,
            strict=a.strict,
        )
        for a in obs.ambiguous_locators
    ]
