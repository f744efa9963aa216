"""The third test shop's faults: ``FAULT[:VARIANT][@STAGE][*N]``, like the demo shop's grammar.

``FAULTS`` is the only list of fault names. ``STAGE`` is the purchase-path stage whose page (or
API) the fault hits; ``*N`` limits the fault to its first ``N`` hits.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass

STAGES = ("browse", "cart", "checkout", "payment", "confirmation")
SPEC_FORMAT = "FAULT[:VARIANT][@STAGE][*N]"


@dataclass(frozen=True)
class FaultKind:
    """One fault name: what it does, where it may hit, and which variants it takes."""

    summary: str
    default_stage: str
    stages: tuple[str, ...] = STAGES
    variants: tuple[str, ...] = ()
    default_variant: str | None = None
    numeric: bool = False  # the variant is milliseconds


FAULTS: dict[str, FaultKind] = {
    "error_page": FaultKind("the stage's document answers HTTP 500", "checkout"),
    "error_text": FaultKind(
        "the stage's document answers HTTP 200 with an error page (in the page's language, or pl/de/et)",
        "checkout",
        variants=("page", "pl", "de", "et"),
        default_variant="page",
    ),
    "maintenance": FaultKind("the stage's document is a 200 maintenance page", "browse"),
    "challenge": FaultKind(
        "a bot challenge instead of the stage's document: a 200 captcha page or HTTP 429",
        "browse",
        variants=("page", "http_429"),
        default_variant="page",
    ),
    "slow": FaultKind("the stage's document waits MS ms", "payment", default_variant="4000", numeric=True),
    "api_error": FaultKind(
        "the stage's action (POST to the JSON API) answers HTTP 500; the page shows an error toast",
        "cart",
        stages=("cart", "checkout", "payment"),
    ),
    "out_of_stock": FaultKind(
        "product pages say out of stock (JSON-LD, notice); the buy button is disabled or absent",
        "browse",
        stages=("browse",),
        variants=("disabled", "absent"),
        default_variant="disabled",
    ),
    "validation_error": FaultKind(
        "correct form data is rejected (aria-invalid fields, .alert-danger summary)",
        "checkout",
        stages=("checkout",),
    ),
    "payment_rejected": FaultKind(
        "the card is declined: an alert on the payment page, answered HTTP 200 or 402; the customer stays",
        "payment",
        stages=("payment",),
        variants=("alert", "http_402"),
        default_variant="alert",
    ),
    "confirmation_missing": FaultKind(
        "the order page thanks the customer but shows no order number", "confirmation", stages=("confirmation",)
    ),
}

_SPEC_RE = re.compile(r"(?P<name>[^:@*]+)(?::(?P<variant>[^:@*]+))?(?:@(?P<stage>[^:@*]+))?(?:\*(?P<limit>[^:@*]+))?")


class FaultSpecError(ValueError):
    """A spec that does not follow the grammar; the message says what is allowed."""


@dataclass(frozen=True)
class Fault:
    """One parsed fault with its defaults filled in."""

    name: str
    variant: str | None
    stage: str
    limit: int | None = None

    def __str__(self) -> str:
        variant = f":{self.variant}" if self.variant is not None else ""
        limit = f"*{self.limit}" if self.limit is not None else ""
        return f"{self.name}{variant}@{self.stage}{limit}"


def parse_fault(spec: str) -> Fault:
    """Parse one spec; raises :class:`FaultSpecError` naming the spec and what is allowed."""
    found = _SPEC_RE.fullmatch(spec.strip())
    if found is None:
        raise FaultSpecError(f"invalid fault spec {spec!r}: expected {SPEC_FORMAT}")
    name, variant, stage, limit = found.group("name", "variant", "stage", "limit")
    kind = FAULTS.get(name)
    if kind is None:
        raise FaultSpecError(f"invalid fault spec {spec!r}: unknown fault {name!r} (known: {', '.join(FAULTS)})")
    if variant is None:
        variant = kind.default_variant
    elif kind.numeric:
        if not variant.isascii() or not variant.isdigit() or not 1 <= int(variant) <= 600_000:
            raise FaultSpecError(f"invalid fault spec {spec!r}: {name}:MS needs 1 to 600000 milliseconds")
    elif variant not in kind.variants:
        allowed = ", ".join(kind.variants) or "none"
        raise FaultSpecError(f"invalid fault spec {spec!r}: unknown variant {variant!r} (allowed: {allowed})")
    stage = stage or kind.default_stage
    if stage not in kind.stages:
        raise FaultSpecError(f"invalid fault spec {spec!r}: stage {stage!r} not allowed ({', '.join(kind.stages)})")
    if limit is not None and (not limit.isascii() or not limit.isdigit() or int(limit) < 1):
        raise FaultSpecError(f"invalid fault spec {spec!r}: *N needs a whole number of at least 1")
    return Fault(name, variant, stage, int(limit) if limit else None)


class FaultSet:
    """The faults switched on in a running shop, with hit counts; thread-safe."""

    def __init__(self, specs: Iterable[str] = ()) -> None:
        self._lock = threading.Lock()
        self._active: list[list] = [[parse_fault(spec), 0] for spec in specs]

    def add(self, spec: str) -> Fault:
        fault = parse_fault(spec)
        with self._lock:
            self._active.append([fault, 0])
        return fault

    def clear(self) -> None:
        with self._lock:
            self._active.clear()

    def list(self) -> list[dict[str, object]]:
        with self._lock:
            return [{"spec": str(f), "hits": hits} for f, hits in self._active]

    def hit(self, name: str, stage: str) -> Fault | None:
        """The first active fault ``name`` at ``stage``, counting one hit; None when there is none."""
        with self._lock:
            for entry in self._active:
                fault, hits = entry
                if fault.name == name and fault.stage == stage and (fault.limit is None or hits < fault.limit):
                    entry[1] += 1
                    return fault
        return None
