"""The demo shop's fault grammar and live fault state.

A fault spec reads ``FAULT[:VARIANT][@STAGE][#MARKET][*N]`` (all words snake_case), for example
``error_page``, ``slow:2500@checkout``, ``hidden_action:covered_mobile@payment*2``,
``payment_rejected:invoice`` or ``error_page@cart#sv``. ``STAGE`` is the purchase-path stage whose
pages the fault hits; every fault has a default stage. ``#MARKET`` limits it to one market of the
shop (see :mod:`cxmon.demo.markets`; default: every market). ``*N`` limits a fault to its first
``N`` hits, which is what flaky-retry tests need.

``FAULT_KINDS`` below is the only list of fault names: parsing, error messages and the shop all
read it.
"""

from __future__ import annotations

import builtins
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass

from cxmon.demo.markets import MARKETS

__all__ = [
    "FAULT_KINDS",
    "HIDDEN_ACTION_VARIANTS",
    "PAYMENT_METHODS",
    "STAGES",
    "Fault",
    "FaultKind",
    "FaultSet",
    "FaultSpecError",
    "MarketFaults",
    "parse_fault",
]

#: Journey stages, in purchase-path order.
STAGES: tuple[str, ...] = ("browse", "cart", "checkout", "payment", "confirmation")

#: Stages whose pages show prices after the product page.
PRICED_STAGES: tuple[str, ...] = ("cart", "checkout", "payment", "confirmation")

#: Payment methods the shop offers: name -> label shown to the customer.
PAYMENT_METHODS: dict[str, str] = {
    "card": "Card",
    "invoice": "Invoice",
    "instalments": "Instalments",
    "mobile_pay": "Mobile pay",
}

#: How ``hidden_action`` makes the stage's action button unusable.
HIDDEN_ACTION_VARIANTS: tuple[str, ...] = (
    "hidden",
    "covered",
    "offscreen",
    "disabled",
    "covered_mobile",
    "offscreen_mobile",
)

SPEC_FORMAT = "FAULT[:VARIANT][@STAGE][#MARKET][*N]"
MAX_SLOW_MS = 600_000
"""Largest delay of a fault with a number of milliseconds (``slow:MS``, ``email_late:MS``)."""

# Every separator is excluded from every part, so parts in the wrong order fail to match as a
# whole instead of producing a confusing "unknown stage 'checkout:x'".
_SPEC_RE = re.compile(
    r"(?P<name>[^:@#*]*)(?::(?P<variant>[^:@#*]*))?(?:@(?P<stage>[^:@#*]*))?(?:#(?P<market>[^:@#*]*))?"
    r"(?:\*(?P<limit>[^:@#*]*))?"
)
# ASCII digits only: str.isdigit() also accepts characters such as "²" that int() rejects.
_NUMBER_RE = re.compile(r"[0-9]+")


class FaultSpecError(ValueError):
    """A fault spec that does not follow the grammar; the message names the spec and what is allowed."""


@dataclass(frozen=True)
class FaultKind:
    """What one fault name accepts: its stages and variants, with their defaults."""

    summary: str
    default_stage: str
    stages: tuple[str, ...] = STAGES
    #: Allowed variants; ``None`` means the fault takes no variant (unless ``numeric_variant``).
    variants: tuple[str, ...] | None = None
    default_variant: str | None = None
    #: The variant is a number of milliseconds (``slow:MS``) instead of a word from ``variants``.
    numeric_variant: bool = False


FAULT_KINDS: dict[str, FaultKind] = {
    "error_page": FaultKind("the stage's page answers HTTP 500 with an error page", "checkout"),
    "error_text": FaultKind("the stage's page answers HTTP 200 but only says an error occurred", "checkout"),
    "js_error": FaultKind("an uncaught script error that also breaks the stage's action", "checkout"),
    "slow": FaultKind(
        "delays the stage's page(s) by MS milliseconds",
        "payment",
        default_variant="4000",
        numeric_variant=True,
    ),
    "hidden_action": FaultKind(
        "the stage's action button cannot be used",
        "payment",
        variants=HIDDEN_ACTION_VARIANTS,
        default_variant="covered",
    ),
    "payment_rejected": FaultKind(
        "the payment provider declines the method",
        "payment",
        stages=("payment",),
        variants=tuple(PAYMENT_METHODS),
        default_variant="card",
    ),
    "payment_not_offered": FaultKind(
        "the method is missing from the payment page",
        "payment",
        stages=("payment",),
        variants=tuple(PAYMENT_METHODS),
        default_variant="card",
    ),
    "confirmation_missing": FaultKind(
        "the order is placed but the confirmation page shows no order number",
        "confirmation",
        stages=("confirmation",),
    ),
    "validation_error": FaultKind("correct form data is rejected", "checkout", stages=("checkout", "payment")),
    "price_mismatch": FaultKind(
        "the stage's pages show every unit price 10.00 higher than the product page",
        "cart",
        stages=PRICED_STAGES,
    ),
    "total_mismatch": FaultKind(
        "the stage's pages show a total 5.00 higher than the sum of its lines and shipping",
        "checkout",
        stages=PRICED_STAGES,
    ),
    "currency_mismatch": FaultKind(
        "the stage's pages show the amounts in another currency (GBP)",
        "cart",
        stages=PRICED_STAGES,
    ),
    "email_missing": FaultKind(
        "no order confirmation e-mail is sent",
        "confirmation",
        stages=("confirmation",),
    ),
    "email_late": FaultKind(
        "the order confirmation e-mail is sent MS milliseconds after the order",
        "confirmation",
        stages=("confirmation",),
        default_variant="10000",
        numeric_variant=True,
    ),
    "email_wrong_order": FaultKind(
        "the order confirmation e-mail names another order number",
        "confirmation",
        stages=("confirmation",),
    ),
}


@dataclass(frozen=True)
class Fault:
    """One parsed fault with its defaults filled in; ``str(fault)`` is its canonical spec."""

    name: str
    variant: str | None
    stage: str
    limit: int | None = None
    market: str | None = None
    """The one market it hits; ``None``: every market."""

    def __str__(self) -> str:
        spec = self.name
        if self.variant is not None:
            spec += f":{self.variant}"
        spec += f"@{self.stage}"
        if self.market is not None:
            spec += f"#{self.market}"
        if self.limit is not None:
            spec += f"*{self.limit}"
        return spec

    @property
    def spec(self) -> str:
        """The canonical spec, the same as ``str(fault)``."""
        return str(self)

    @property
    def delay_ms(self) -> int:
        """The delay of a ``slow`` or ``email_late`` fault in milliseconds (0 for every other fault)."""
        return int(self.variant) if FAULT_KINDS[self.name].numeric_variant and self.variant else 0


def _allowed(words: Iterable[str]) -> str:
    return ", ".join(words)


def parse_fault(spec: str) -> Fault:
    """Parse ``FAULT[:VARIANT][@STAGE][*N]`` into a :class:`Fault`, filling in defaults.

    Raises :class:`FaultSpecError` naming the spec and what is allowed.
    """
    text = spec.strip() if isinstance(spec, str) else ""

    def fail(reason: str) -> FaultSpecError:
        return FaultSpecError(f"invalid fault spec {spec!r}: {reason}")

    if not text:
        raise fail(f"empty; expected {SPEC_FORMAT}")
    match = _SPEC_RE.fullmatch(text)
    if match is None:
        raise fail(f"expected {SPEC_FORMAT}, in that order, each part at most once")
    name, variant, stage, market, limit_text = match.group("name", "variant", "stage", "market", "limit")
    parts = (("fault", name), ("variant", variant), ("stage", stage), ("market", market), ("*N", limit_text))
    for label, part in parts:
        if part == "":
            raise fail(f"empty {label}; expected {SPEC_FORMAT}")

    kind = FAULT_KINDS.get(name)
    if kind is None:
        raise fail(f"unknown fault {name!r} (known faults: {_allowed(FAULT_KINDS)})")

    if variant is None:
        variant = kind.default_variant
    elif kind.numeric_variant:
        if not _NUMBER_RE.fullmatch(variant) or not 1 <= int(variant) <= MAX_SLOW_MS:
            raise fail(f"{name}:MS needs a whole number of milliseconds from 1 to {MAX_SLOW_MS}, got {variant!r}")
        variant = str(int(variant))
    elif kind.variants is None:
        raise fail(f"{name} takes no variant, got {variant!r}")
    elif variant not in kind.variants:
        raise fail(f"unknown variant {variant!r} for {name} (allowed: {_allowed(kind.variants)})")

    if stage is None:
        stage = kind.default_stage
    elif stage not in kind.stages:
        raise fail(f"stage {stage!r} is not allowed for {name} (allowed: {_allowed(kind.stages)})")

    if market is not None and market not in MARKETS:
        raise fail(f"unknown market {market!r} (markets: {_allowed(MARKETS)})")

    limit: int | None = None
    if limit_text is not None:
        if not _NUMBER_RE.fullmatch(limit_text) or int(limit_text) < 1:
            raise fail(f"*N needs a whole number of hits of at least 1, got {limit_text!r}")
        limit = int(limit_text)

    return Fault(name=name, variant=variant, stage=stage, limit=limit, market=market)


@dataclass
class _ActiveFault:
    fault: Fault
    hits: int = 0

    @property
    def exhausted(self) -> bool:
        return self.fault.limit is not None and self.hits >= self.fault.limit

    def matches(self, name: str, stage: str, variant: str | None, market: str | None) -> bool:
        if self.exhausted or self.fault.name != name or self.fault.stage != stage:
            return False
        if self.fault.market is not None and self.fault.market != market:
            return False
        return variant is None or self.fault.variant == variant


class FaultSet:
    """The faults switched on in a running shop, with their hit counts.

    Thread-safe: the shop's event loop may run in another thread than the test or the admin
    caller that changes the faults.
    """

    def __init__(self, specs: Iterable[str] = ()) -> None:
        self._lock = threading.Lock()
        self._active: list[_ActiveFault] = []
        # Parse everything first so a bad spec leaves the set unchanged.
        for fault in [parse_fault(spec) for spec in specs]:
            self._active.append(_ActiveFault(fault))

    def add(self, spec: str) -> Fault:
        """Switch on one fault; raises :class:`FaultSpecError` for a bad spec."""
        fault = parse_fault(spec)
        with self._lock:
            self._active.append(_ActiveFault(fault))
        return fault

    def clear(self) -> None:
        """Switch every fault off."""
        with self._lock:
            self._active.clear()

    def list(self) -> builtins.list[dict[str, object]]:
        """Every fault added since the last clear, in order, with its hit count."""
        with self._lock:
            return [
                {
                    "spec": str(entry.fault),
                    "name": entry.fault.name,
                    "variant": entry.fault.variant,
                    "stage": entry.fault.stage,
                    "market": entry.fault.market,
                    "limit": entry.fault.limit,
                    "hits": entry.hits,
                    "active": not entry.exhausted,
                }
                for entry in self._active
            ]

    def hit(self, name: str, stage: str, variant: str | None = None, market: str | None = None) -> Fault | None:
        """Return the first active fault matching ``name`` and ``stage`` and count one hit on it.

        ``variant`` narrows the match (a payment method for the payment faults); without it any
        variant matches and the caller reads ``fault.variant``. ``market`` is the market of the
        page: a fault of another market does not match (``None``: only faults of every market do).
        A fault with ``*N`` stops matching after ``N`` hits.
        """
        with self._lock:
            for entry in self._active:
                if entry.matches(name, stage, variant, market):
                    entry.hits += 1
                    return entry.fault
        return None

    def active(self, name: str, stage: str, variant: str | None = None, market: str | None = None) -> Fault | None:
        """Like :meth:`hit` but without counting a hit (for follow-up responses of one page)."""
        with self._lock:
            for entry in self._active:
                if entry.matches(name, stage, variant, market):
                    return entry.fault
        return None

    def __len__(self) -> int:
        with self._lock:
            return len(self._active)


class MarketFaults:
    """The faults as one market's pages see them: :meth:`FaultSet.hit` and :meth:`FaultSet.active`
    with the market filled in."""

    def __init__(self, faults: FaultSet, market: str) -> None:
        self.faults = faults
        self.market = market

    def hit(self, name: str, stage: str, variant: str | None = None) -> Fault | None:
        return self.faults.hit(name, stage, variant, self.market)

    def active(self, name: str, stage: str, variant: str | None = None) -> Fault | None:
        return self.faults.active(name, stage, variant, self.market)
