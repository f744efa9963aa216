"""error_page: the customer saw an error instead of the shop.

Detects a main-frame document answered with HTTP ≥ 400, a page recognised as an error page by its
text or a selector (English and Finnish defaults, extended per scenario with ``detect.error_texts``
and ``detect.error_selectors``), an uncaught JavaScript error, and failed or ≥ 500 requests to the
shop's own origin or its payment provider's. Failed requests to other origins are reported as
warnings (``detect.third_party: fail`` makes them failures).

Why it matters: an error page on the purchase path is a lost sale, and it is invisible in the
shop's own revenue graphs until hours later.

Not this kind: HTTP 402 (payment_rejected) and 400/422 answers that show invalid form fields
(validation_error).
"""

from __future__ import annotations

from typing import ClassVar

from cxmon.detectors.base import DetectorConfig, Origin, StepObservation
from cxmon.model import Finding, Kind, Severity

DEFAULT_ERROR_TEXTS = (
    "Internal Server Error",
    "Service Unavailable",
    "Bad Gateway",
    "Gateway Timeout",
    "Something went wrong",
    "An error occurred",
    "An unexpected error",
    "Sorry, an error occurred",
    "Tapahtui virhe",
    "Jokin meni vikaan",
    "Palvelussa on häiriö",
    "Odottamaton virhe",
)
DEFAULT_ERROR_SELECTORS = ("[data-error-page]", "body.error-page")


def _form_rejection(obs: StepObservation, status: int) -> bool:
    return status in (400, 422) and bool(obs.snapshot and obs.snapshot.invalid_fields)


def _request_severity(origin: Origin, config: DetectorConfig) -> Severity:
    """The shop's and its payment provider's requests fail the journey; others only when configured."""
    ours = origin in (Origin.OWN, Origin.PROVIDER)
    return Severity.FAILURE if ours or config.third_party == "fail" else Severity.WARNING


class ErrorPageDetector:
    """Reports error pages, uncaught script errors and failed requests of the shop and its provider."""

    name: ClassVar[str] = "error_page"

    def detect(self, obs: StepObservation, config: DetectorConfig) -> list[Finding]:
        out: list[Finding] = []
        for r in obs.responses:
            if r.main_document and r.status >= 400 and r.status != 402 and not _form_rejection(obs, r.status):
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
            lowered = snap.text.lower()
            for text in (*config.error_texts, *DEFAULT_ERROR_TEXTS):
                if text.lower() in lowered:
                    out.append(
                        obs.finding(
                            Kind.ERROR_PAGE,
                            f'the page shows an error: "{text}"',
                            matched_text=text,
                            reason="error_text",
                        )
                    )
                    break
            else:
                if snap.error_selector_hits:
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
            if req.main_document:
                continue  # the page itself not loading is `unreachable`
            out.append(
                obs.finding(
                    Kind.ERROR_PAGE,
                    f"request failed: {req.method} {req.url} ({req.error})",
                    _request_severity(req.origin, config),
                    url=req.url,
                    error=req.error,
                    origin=req.origin.value,
                    reason="request_failed",
                )
            )
        for r in obs.responses:
            if not r.main_document and r.status >= 500:
                out.append(
                    obs.finding(
                        Kind.ERROR_PAGE,
                        f"request answered HTTP {r.status}: {r.method} {r.url}",
                        _request_severity(r.origin, config),
                        url=r.url,
                        status=r.status,
                        origin=r.origin.value,
                        reason="request_status",
                    )
                )
        return out
