"""confirmation_missing: the order was placed but the customer got no confirmation.

A ``confirm`` step waits (within its time limit) for the confirmation text and captures the order
number with its regex, or from an element (``order_number: {locator: ...}``). No confirmation
page, no order number, or an error where the confirmation should be is ``confirmation_missing``.
The message says what the customer saw instead: a thank-you text without the expected part (the
``thank_you`` phrases of the page's language, see docs/phrases.md), else the page they ended on
(title and path). The order number goes into the result, never into a metric label.

Why it matters: a paid but unconfirmed order means a customer who was charged and does not know
it, a support call, and often a second, duplicate purchase.
"""

from __future__ import annotations

from typing import Any, ClassVar
from urllib.parse import urlsplit

from cxmon.detectors.base import ConfirmationFailure, ConfirmationPart, DetectorConfig, StepObservation
from cxmon.model import Finding, Kind
from cxmon.phrases import match, phrases_for


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
        seen, more = _what_the_customer_saw(obs, miss)
        evidence.update(more)
        return [obs.finding(Kind.CONFIRMATION_MISSING, f"no order confirmation: {miss.missing}; {seen}", **evidence)]


def _thank_you_line(text: str, lang: str | None) -> str | None:
    """The first line of the page that thanks the customer for the order, in the page's language."""
    phrases = phrases_for(lang or None, "thank_you")
    for line in text.splitlines():
        if line.strip() and match(line, phrases) is not None:
            return line.strip()[:160]
    return None


def _what_the_customer_saw(obs: StepObservation, miss: ConfirmationFailure) -> tuple[str, dict[str, str]]:
    """In words and as evidence: a thank-you without the expected part, or the page the customer ended on."""
    snap = obs.snapshot
    thanks = None
    if snap is not None and miss.part is not ConfirmationPart.TEXT:
        thanks = _thank_you_line(snap.text, miss.lang)
    if thanks is not None:
        return f'the page thanks the customer ("{thanks}") without it', {"thank_you_text": thanks}
    url = (snap.url if snap is not None and snap.url else "") or miss.actual
    title = (snap.title if snap is not None and snap.title else "") or miss.title
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "") if url else ""
    where = f'"{title}" ({path})' if title else (path or "an unknown page")
    return f"the customer ended on {where}", {"title": title, "path": path}
