"""payment_rejected: the chosen payment method was declined or is not offered.

On a payment step (stage ``payment``, or a ``pay:`` action) a rejection is recognised, first by
signals that need no words: an alert the page raised in answer to the payment (``role=alert``, an
assertive live region, the alert classes of shop platforms in ``selectors.yml``) while the customer
stays on, or returns to, the page the step began on — quoted, whatever its language; then by a
decline text on the page or in an alert (the ``decline`` phrases of cxmon/phrases in the page's
``lang``, plus ``detect.decline_texts``), a decline selector
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
from cxmon.detectors.pages import new_alerts, path_of
from cxmon.model import Finding, Kind, Stage
from cxmon.phrases import match


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
                text = _raised_alert(obs) or _decline_text(obs, config) or ""
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
        raised = _raised_alert(obs)
        if raised:
            return [
                obs.finding(
                    Kind.PAYMENT_REJECTED,
                    f'{payment} was not accepted: the payment page says "{raised}"',
                    method=method,
                    reason="declined",
                    decline_text=raised,
                    source="page_alert",
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


def _raised_alert(obs: StepObservation) -> str | None:
    """An alert raised during the step while the customer stays on (or is back on) the page the
    step began on: the payment did not go through. Invalid fields make it validation_error's."""
    snap = obs.snapshot
    if snap is None or snap.invalid_fields or not obs.start_url or path_of(snap.url) != path_of(obs.start_url):
        return None
    fresh = new_alerts(snap)
    return fresh[0].text[:200] if fresh else None


def _decline_text(obs: StepObservation, config: DetectorConfig) -> str | None:
    snap = obs.snapshot
    if snap is None:
        return None
    phrases = config.phrases("decline", snap.lang or None)
    for alert in (*snap.alerts, *(m.text for m in snap.messages)):
        if match(alert, phrases):
            return alert
    for line in snap.text.splitlines():
        # The line around the match is what the customer read.
        if match(line, phrases):
            return line.strip()[:200]
    return None
