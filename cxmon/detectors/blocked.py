"""blocked: the shop's own defences stop the customer — a bot challenge, a captcha, a WAF block, HTTP 429.

Recognised by an HTTP 429 answer to the page's document; by a challenge page: the ``challenge``
phrases of cxmon/phrases (in the page's ``lang``, extended with ``detect.challenge_texts``) in its
title or main heading; and, when the step did not get what it expected, by a captcha or challenge
widget in the page (the ``challenge`` selectors of ``selectors.yml``: reCAPTCHA, hCaptcha,
Turnstile, the challenge forms of common CDNs and WAFs) or a challenge phrase anywhere in its text.
A captcha on a page that works as expected (an invisible one on a checkout form) is no finding.

Why it matters: a shop that challenges real customers, or a bot defence tuned too tight, loses
sales like an outage does; but its owner is whoever runs the defences (and the monitor itself may
need to be allowed through), not the shop's on-call, so it is its own kind with its own alert.

Evidence: reason (``http_429``, ``challenge_text``, ``challenge_widget``), the status, the matched
phrase or selector, and ``Retry-After`` where the page answered 429.
"""

from __future__ import annotations

from typing import ClassVar

from cxmon.detectors.base import DetectorConfig, StepObservation
from cxmon.detectors.pages import headline, quote, step_stuck
from cxmon.model import Finding, Kind


class BlockedDetector:
    """Reports a bot challenge, captcha, WAF block page or HTTP 429 instead of the shop's page."""

    name: ClassVar[str] = "blocked"

    def detect(self, obs: StepObservation, config: DetectorConfig) -> list[Finding]:
        for r in obs.responses:
            if r.main_document and r.status == 429:
                return [
                    obs.finding(
                        Kind.BLOCKED,
                        f"the shop answered HTTP 429 (too many requests) to {r.url}",
                        status=429,
                        url=r.url,
                        reason="http_429",
                    )
                ]
        snap = obs.snapshot
        if snap is None:
            return []
        phrase = config.find(headline(snap), snap.lang, "challenge")
        if phrase is None and step_stuck(obs):
            phrase = config.find(snap.text, snap.lang, "challenge")
        if phrase is not None:
            return [
                obs.finding(
                    Kind.BLOCKED,
                    f'the shop shows a bot challenge instead of the page: "{quote(snap.text, phrase)}"',
                    matched_text=phrase,
                    reason="challenge_text",
                    lang=snap.lang,
                )
            ]
        widgets = snap.signal_hits.get("challenge", [])
        if widgets and step_stuck(obs):
            return [
                obs.finding(
                    Kind.BLOCKED,
                    f"the shop shows a captcha or challenge ({widgets[0]}) instead of the page",
                    selector=widgets[0],
                    reason="challenge_widget",
                )
            ]
        return []
