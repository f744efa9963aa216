"""payment_rejected: the chosen payment method was declined or is not offered.

On a payment step (stage ``payment``) a rejection is recognised by a decline text on the page or in
an alert (defaults in English and Finnish, plus ``detect.decline_texts``), a decline selector
(``detect.decline_selectors``), an HTTP 402 — or another 4xx that is not a form validation
answer — to a request of the payment step, or a redirect to a failure URL
(``detect.payment_failure_urls``). A method missing from the payment page is ``payment_rejected``
with reason ``not_offered``. Messages name the method from the scenario: the step's ``pay`` method,
else the journey's ``payment_method`` label, else "the payment".

Why it matters: a payment provider that rejects a method because of a wrong shop setting (currency,
country, contract) silently loses every customer who prefers that method.
"""

from __future__ import annotations

import re
from typing import ClassVar

from cxmon.detectors.base import Action, DetectorConfig, Origin, StepObservation
from cxmon.model import Finding, Kind, Stage

DEFAULT_DECLINE_TEXTS = (
    "payment declined",
    "was declined",
    "card declined",
    "payment failed",
    "payment was refused",
    "payment was rejected",
    "payment not accepted",
    "is not available for this order",
    "maksu hylättiin",
    "maksu epäonnistui",
    "maksua ei hyväksytty",
)


class PaymentRejectedDetector:
    """Reports a declined or missing payment method on a payment step."""

    name: ClassVar[str] = "payment_rejected"

    def detect(self, obs: StepObservation, config: DetectorConfig) -> list[Finding]:
        if obs.stage is not Stage.PAYMENT and obs.pay_method is None:
            return []
        method = obs.pay_method or obs.journey_payment_method or ""
        # The payment in words: the method from the scenario, else just "the payment".
        payment = f"{method} payment" if method else "the payment"
        fail = obs.action_failure
        if fail is not None and fail.action is Action.SELECT_METHOD:
            return [
                obs.finding(
                    Kind.PAYMENT_REJECTED,
                    f"payment method {method} is not offered on the payment page",
                    method=method,
                    reason="not_offered",
                    target=fail.target,
                )
            ]
        snap = obs.snapshot
        invalid_form = bool(snap and snap.invalid_fields)
        for r in obs.responses:
            if r.origin in (Origin.OWN, Origin.PROVIDER) and _declines(r.status, r.method, invalid_form):
                text = _decline_text(obs, config) or ""
                return [
                    obs.finding(
                        Kind.PAYMENT_REJECTED,
                        f"{payment} was declined (HTTP {r.status})" + (f': "{text}"' if text else ""),
                        method=method,
                        reason="declined",
                        status=r.status,
                        url=r.url,
                        decline_text=text,
                    )
                ]
        shown = _decline_text(obs, config)
        if shown:
            return [
                obs.finding(
                    Kind.PAYMENT_REJECTED,
                    f'{payment} was declined: "{shown}"',
                    method=method,
                    reason="declined",
                    decline_text=shown,
                )
            ]
        if snap and snap.decline_selector_hits:
            return [
                obs.finding(
                    Kind.PAYMENT_REJECTED,
                    f"{payment} was declined (page matches {snap.decline_selector_hits[0]})",
                    method=method,
                    reason="declined",
                    selector=snap.decline_selector_hits[0],
                )
            ]
        url = snap.url if snap else ""
        for pattern in config.payment_failure_urls:
            if url and re.search(pattern, url):
                return [
                    obs.finding(
                        Kind.PAYMENT_REJECTED,
                        f"{payment} ended on a failure page {url}",
                        method=method,
                        reason="failure_url",
                        url=url,
                    )
                ]
        return []


def _declines(status: int, method: str, invalid_form: bool) -> bool:
    """402 always; another 4xx answer to a submission, unless it is a form validation answer."""
    if status == 402:
        return True
    if method == "GET" or not 400 <= status < 500 or status == 404:
        return False
    return not (status in (400, 422) and invalid_form)


def _decline_text(obs: StepObservation, config: DetectorConfig) -> str | None:
    snap = obs.snapshot
    if snap is None:
        return None
    texts = tuple(t.lower() for t in (*config.decline_texts, *DEFAULT_DECLINE_TEXTS))
    for alert in snap.alerts:
        if any(t in alert.lower() for t in texts):
            return alert
    lowered = snap.text.lower()
    for t in texts:
        i = lowered.find(t)
        if i >= 0:
            # The sentence around the match is what the customer read.
            start = max(lowered.rfind("\n", 0, i) + 1, 0)
            end = lowered.find("\n", i)
            return snap.text[start : end if end >= 0 else len(snap.text)].strip()[:200]
    return None
