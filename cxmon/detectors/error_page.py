"""error_page: the customer saw an error instead of the shop.

Detects a main-frame document answered with HTTP ≥ 400, a page recognised as an error page or a
maintenance page by its text (the ``error`` and ``maintenance`` phrases of cxmon/phrases in the
page's ``lang``, every language when it has none, extended per scenario with
``detect.error_texts`` and ``detect.maintenance_texts``) or a selector (``detect.error_selectors``),
an uncaught JavaScript error, and failed or ≥ 500 requests to the shop's own origin or its payment
provider's (quoting the alert or toast the page raised, if any). Failed requests to other origins
(tracking pixels, widgets) are no finding by default — they stay in the evidence's request log —
``detect.third_party: report`` makes them warnings, ``fail`` failures.

A page that is a bot challenge is ``blocked``'s, not an error page; when an expected element is
missing, an error or maintenance page is reported instead of ``element_missing``.

Why it matters: an error page on the purchase path is a lost sale, and it is invisible in the
shop's own revenue graphs until hours later.

Not this kind: HTTP 402 (payment_rejected), HTTP 429 (blocked) and 400/422 answers that show invalid form fields
(validation_error).
"""

from __future__ import annotations

from typing import ClassVar

from cxmon.detectors.base import DetectorConfig, Origin, StepObservation
from cxmon.detectors.pages import new_alerts, page_phrase, quote
from cxmon.model import Finding, Kind, Severity

DEFAULT_ERROR_SELECTORS = ("[data-error-page]", "body.error-page")


def _form_rejection(obs: StepObservation, status: int) -> bool:
    return status in (400, 422) and bool(obs.snapshot and obs.snapshot.invalid_fields)


def _raised_message(obs: StepObservation) -> str:
    """The message the page raised during the step (an alert, else a toast), to quote."""
    snap = obs.snapshot
    if snap is None:
        return ""
    fresh = new_alerts(snap) or [m for m in snap.messages if m.new]
    return fresh[0].text if fresh else ""


def _request_severity(origin: Origin, config: DetectorConfig) -> Severity | None:
    """The shop's and its payment provider's requests fail the journey. Another origin's (a
    tracking pixel, a chat widget) is no finding by default: the customer does not see it, and what
    it breaks shows as its own finding. ``detect.third_party`` makes it a warning or a failure."""
    if origin in (Origin.OWN, Origin.PROVIDER) or config.third_party == "fail":
        return Severity.FAILURE
    return Severity.WARNING if config.third_party == "report" else None


class ErrorPageDetector:
    """Reports error pages, uncaught script errors and failed requests of the shop and its provider."""

    name: ClassVar[str] = "error_page"

    def detect(self, obs: StepObservation, config: DetectorConfig) -> list[Finding]:
        out: list[Finding] = []
        for r in obs.responses:
            if (
                r.main_document
                and r.status >= 400
                and r.status not in (402, 429)
                and not _form_rejection(obs, r.status)
            ):
                out.append(
                    obs.finding(
                        Kind.ERROR_PAGE,
                        f"the page {r.url} answered HTTP {r.status}",
                        status=r.status,
                        url=r.url,
                        reason="http_status",
                    )
                )
                break
        snap = obs.snapshot
        if not out and snap is not None:
            # A challenge page often says "unavailable" too: it is blocked's, and no error page.
            found = page_phrase(snap, config, "challenge", "maintenance", "error")
            if found is not None and found[0] != "challenge":
                category, text = found
                what = "a maintenance page" if category == "maintenance" else "an error"
                out.append(
                    obs.finding(
                        Kind.ERROR_PAGE,
                        f'the page shows {what}: "{quote(snap.text, text)}"',
                        matched_text=text,
                        page_text=quote(snap.text, text),
                        reason="maintenance" if category == "maintenance" else "error_text",
                        lang=snap.lang,
                    )
                )
            elif snap.error_selector_hits:
                sel = snap.error_selector_hits[0]
                out.append(
                    obs.finding(
                        Kind.ERROR_PAGE,
                        f"the page is an error page (matches {sel})",
                        selector=sel,
                        reason="error_selector",
                    )
                )
        for err in obs.page_errors[:1]:
            out.append(
                obs.finding(Kind.ERROR_PAGE, f"uncaught JavaScript error: {err}", error=err, reason="page_error")
            )
        for req in obs.failed_requests:
            severity = _request_severity(req.origin, config)
            if req.main_document or severity is None:
                continue  # the page itself not loading is `unreachable`
            out.append(
                obs.finding(
                    Kind.ERROR_PAGE,
                    f"request failed: {req.method} {req.url} ({req.error})",
                    severity,
                    url=req.url,
                    error=req.error,
                    origin=req.origin.value,
                    reason="request_failed",
                )
            )
        for r in obs.responses:
            severity = _request_severity(r.origin, config)
            if not r.main_document and r.status >= 500 and severity is not None:
                said = _raised_message(obs) if r.origin is not Origin.THIRD_PARTY else ""
                out.append(
                    obs.finding(
                        Kind.ERROR_PAGE,
                        f"request answered HTTP {r.status}: {r.method} {r.url}"
                        + (f'; the page says "{said}"' if said else ""),
                        severity,
                        url=r.url,
                        status=r.status,
                        origin=r.origin.value,
                        reason="request_status",
                        page_message=said,
                    )
                )
        return _one_cause(out)


def _one_cause(out: list[Finding]) -> list[Finding]:
    """A failed request whose message the page raised explains that message's error text: one finding."""
    quoted = [str(f.evidence.get("page_message") or "") for f in out if f.severity is Severity.FAILURE]
    return [
        f
        for f in out
        if f.evidence.get("reason") != "error_text" or not any(str(f.evidence["page_text"]) in q for q in quoted if q)
    ]
