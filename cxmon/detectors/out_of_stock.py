"""out_of_stock: the product the journey buys cannot be bought.

Looked for only when a step did not get what it expected (its buy button missing or unusable, an
``expect`` that did not hold), so that a missing element on a product page is said for what it is
rather than as a changed page (``element_missing``) or an unusable button (``hidden_action``).
Signals, strongest first: the page's schema.org ``availability`` (JSON-LD or microdata) is
OutOfStock, SoldOut or Discontinued; the page shows an unavailability notice (the ``out_of_stock``
phrases of cxmon/phrases in the page's ``lang``, extended with ``detect.out_of_stock_texts``) on a
product page (schema.org Product) or where the buy click itself could not be done. The
buy button itself being disabled or absent is what made the step fail; with neither signal, that
stays ``hidden_action`` or ``element_missing``.

Why it matters: an out-of-stock product is a merchandising matter, not an outage: the shop works,
but this journey cannot buy. It gets its own kind and alert (it does not page the shop's on-call)
and tells the scenario's owner to pick another product.

Evidence: product (schema.org name), availability, notice, the action target.
"""

from __future__ import annotations

from typing import Any, ClassVar

from cxmon.detectors.base import Action, DetectorConfig, StepObservation
from cxmon.detectors.pages import UNAVAILABLE, page_phrase, quote, step_stuck
from cxmon.model import Finding, Kind


class OutOfStockDetector:
    """Reports a product page that says the product cannot be bought, when the step could not buy it."""

    name: ClassVar[str] = "out_of_stock"

    def detect(self, obs: StepObservation, config: DetectorConfig) -> list[Finding]:
        snap = obs.snapshot
        fail = obs.action_failure
        if snap is None or not step_stuck(obs) or (fail is not None and fail.action is Action.SELECT_METHOD):
            return []
        unavailable = [a for a in snap.availability if a in UNAVAILABLE]
        # A maintenance or challenge page says "unavailable" too: those are other kinds.
        found = page_phrase(snap, config, "challenge", "maintenance", "error", "out_of_stock")
        notice = found[1] if found and found[0] == "out_of_stock" else None
        # Words alone say little ("unavailable" may be a shipping option): a notice counts on a
        # product page (schema.org Product) or when the buy action itself could not be done.
        buy_failed = fail is not None and fail.action in (Action.CLICK, Action.PRESS)
        if not unavailable and (notice is None or not (snap.product or buy_failed)):
            return []
        product = snap.product or "the product"
        said = [f"schema.org availability {unavailable[0]}"] if unavailable else []
        if notice:
            said.append(f'the page says "{quote(snap.text, notice)}"')
        evidence: dict[str, Any] = {"product": snap.product, "availability": unavailable, "notice": notice or ""}
        if fail is not None:
            evidence["target"] = fail.target
        return [obs.finding(Kind.OUT_OF_STOCK, f"{product} cannot be bought: {'; '.join(said)}", **evidence)]
