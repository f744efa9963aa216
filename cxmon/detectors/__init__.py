"""The detectors: one module per failure kind, and this registry, the only list of their names.

Each detector is a pure function of what the runner saw around a step (a ``StepObservation``); it
returns findings and never raises for a shop fault. Adding a detector is one new module and one
line in ``DETECTORS``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from cxmon.detectors.assertion import AssertionDetector
from cxmon.detectors.base import Detector, DetectorConfig, StepObservation
from cxmon.detectors.blocked import BlockedDetector
from cxmon.detectors.confirmation_missing import ConfirmationMissingDetector
from cxmon.detectors.error_page import DEFAULT_ERROR_SELECTORS, ErrorPageDetector
from cxmon.detectors.hidden_action import HiddenActionDetector
from cxmon.detectors.out_of_stock import OutOfStockDetector
from cxmon.detectors.payment_rejected import PaymentRejectedDetector
from cxmon.detectors.slow import SlowDetector
from cxmon.detectors.timeout import TimeoutDetector
from cxmon.detectors.unreachable import UnreachableDetector
from cxmon.detectors.validation_error import ValidationErrorDetector
from cxmon.model import Finding, Kind, Severity

DETECTORS: dict[str, type[Detector]] = {
    "unreachable": UnreachableDetector,
    "blocked": BlockedDetector,
    "error_page": ErrorPageDetector,
    "payment_rejected": PaymentRejectedDetector,
    "validation_error": ValidationErrorDetector,
    "confirmation_missing": ConfirmationMissingDetector,
    "out_of_stock": OutOfStockDetector,
    "hidden_action": HiddenActionDetector,
    "slow": SlowDetector,
    "assertion": AssertionDetector,
    "timeout": TimeoutDetector,
}

# Kinds that only say "something did not happen"; a specific kind found in the same step is the
# cause the customer saw, so these consequences are dropped.
GENERIC_KINDS = frozenset({Kind.ASSERTION, Kind.TIMEOUT, Kind.ELEMENT_MISSING})
# A page that did not load, or an error page, explains a missing confirmation or form problem too.
ROOT_CAUSES = (Kind.UNREACHABLE, Kind.ERROR_PAGE)
# What a challenge page makes the other detectors say about the page itself.
BLOCKED_HIDES = frozenset({Kind.HIDDEN_ACTION, Kind.OUT_OF_STOCK, Kind.PAYMENT_REJECTED, Kind.VALIDATION_ERROR})
PAGE_REASONS = frozenset({"http_status", "error_text", "maintenance", "error_selector"})


def make_config(
    error_texts: Iterable[str] = (),
    error_selectors: Iterable[str] = (),
    decline_texts: Iterable[str] = (),
    decline_selectors: Iterable[str] = (),
    payment_failure_urls: Iterable[str] = (),
    validation_selectors: Iterable[str] = (),
    third_party: str = "ignore",
    out_of_stock_texts: Iterable[str] = (),
    maintenance_texts: Iterable[str] = (),
    challenge_texts: Iterable[str] = (),
) -> DetectorConfig:
    """The detector settings: the defaults plus a scenario's ``detect:`` additions."""
    return DetectorConfig(
        error_texts=tuple(error_texts),
        error_selectors=(*DEFAULT_ERROR_SELECTORS, *error_selectors),
        decline_texts=tuple(decline_texts),
        decline_selectors=tuple(decline_selectors),
        payment_failure_urls=tuple(payment_failure_urls),
        validation_selectors=tuple(validation_selectors),
        third_party=third_party,
        out_of_stock_texts=tuple(out_of_stock_texts),
        maintenance_texts=tuple(maintenance_texts),
        challenge_texts=tuple(challenge_texts),
    )


class DetectorSet:
    """The enabled detectors, run in registry order over each step's observation."""

    def __init__(self, names: Iterable[str] | None = None) -> None:
        chosen = list(DETECTORS) if names is None else list(names)
        unknown = [n for n in chosen if n not in DETECTORS]
        if unknown:
            raise ValueError(f"unknown detector(s): {', '.join(unknown)} (known: {', '.join(DETECTORS)})")
        self.detectors = [DETECTORS[n]() for n in chosen]

    def detect(self, obs: StepObservation, config: DetectorConfig) -> list[Finding]:
        findings = [f for d in self.detectors for f in d.detect(obs, config)]
        return merge_identical(prioritise(findings))


def prioritise(findings: list[Finding]) -> list[Finding]:
    """Drops findings that are consequences of a more specific one in the same step."""
    failing = {f.kind for f in findings if f.severity is Severity.FAILURE}
    if failing - {Kind.SLOW}:
        # A step that failed spent its time waiting for what never came: that is not slowness.
        findings = [f for f in findings if f.kind is not Kind.SLOW]
    specific = failing - GENERIC_KINDS - {Kind.SLOW}
    if specific:
        findings = [f for f in findings if f.kind not in GENERIC_KINDS]
    if Kind.BLOCKED in failing:
        # A challenge or 429 instead of the page: what the page lacks or says follows from it.
        findings = [f for f in findings if f.kind not in BLOCKED_HIDES and f.evidence.get("reason") not in PAGE_REASONS]
    elif Kind.OUT_OF_STOCK in failing:
        # The buy button is disabled or gone because the product cannot be bought.
        findings = [f for f in findings if f.kind is not Kind.HIDDEN_ACTION]
    root = next((k for k in ROOT_CAUSES if k in failing), None)
    if root is Kind.UNREACHABLE:
        findings = [f for f in findings if f.kind in (Kind.UNREACHABLE, Kind.SLOW)]
    elif root is Kind.ERROR_PAGE:
        findings = [
            f
            for f in findings
            if f.kind not in (Kind.CONFIRMATION_MISSING, Kind.VALIDATION_ERROR) or f.severity is Severity.WARNING
        ]
    return findings


def merge_identical(findings: list[Finding]) -> list[Finding]:
    """One cause, one finding: findings of a step with the same kind, severity and message (say,
    three requests of one failed reset) become the first of them, with ``count`` in its evidence and
    "(×N)" after its message."""
    groups: dict[tuple[Kind, Severity, str], list[Finding]] = {}
    for f in findings:
        groups.setdefault((f.kind, f.severity, f.message), []).append(f)
    merged = []
    for same in groups.values():
        first = same[0]
        if len(same) > 1:
            first = dataclasses.replace(
                first, message=f"{first.message} (×{len(same)})", evidence={**first.evidence, "count": len(same)}
            )
        merged.append(first)
    return merged


__all__ = [
    "DETECTORS",
    "DetectorConfig",
    "DetectorSet",
    "StepObservation",
    "make_config",
    "merge_identical",
    "prioritise",
]
