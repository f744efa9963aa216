"""The stage is where the customer is: which stage a finding about a page belongs to.

A finding about a page (slow, an error page, out of stock, blocked) carries the stage of that
page, not of the step during which it showed. A page belongs to the step that works on it:

- a page a step opens with ``goto`` is that step's own;
- a page a step's click (press, payment) leads to is that step's own when the step reads it
  (``expect`` on text, title or an element, ``confirm``, ``wait_for`` an element); otherwise it
  is the next step's, which acts on it (the last step's stays its own);
- a step that stays on its page finds the customer on the page the previous steps led to.

The finding's ``step`` stays the step during which it happened; its evidence names the page's
URL path (``page``).
"""

from __future__ import annotations

from dataclasses import replace
from urllib.parse import urlsplit

from cxmon.model import Finding, Stage
from cxmon.scenario import Step

PAGE_KINDS = frozenset({"slow", "error_page", "out_of_stock", "blocked"})
"""Kinds that describe a page the customer is on."""
_ACTION_REASONS = frozenset({"request_failed", "request_status"})
"""``error_page`` reasons that describe a request of the step's action, not a page."""


def reads_page(step: Step) -> bool:
    """Whether the step works on the page its action leads to (checks what it shows)."""
    e = step.expect
    if e is not None and any(v is not None for v in (e.text, e.title, e.not_text, e.visible)):
        return True
    if step.confirm is not None:
        return True
    return step.wait_for is not None and step.wait_for.element is not None


def landed_stage(step: Step, stage: Stage, next_stage: Stage | None) -> Stage:
    """The stage of the page a step's action led to."""
    if reads_page(step) or next_stage is None:
        return stage
    return next_stage


def is_about_page(finding: Finding) -> bool:
    """Whether a finding describes the page the customer is on (rather than an action's request)."""
    if finding.kind.value not in PAGE_KINDS:
        return False
    if finding.kind.value == "slow" and finding.evidence.get("scope") == "journey":
        return False
    return finding.evidence.get("reason") not in _ACTION_REASONS


def place_findings(findings: list[Finding], page_stage: Stage, page_url: str) -> list[Finding]:
    """The findings with each one about a page moved to ``page_stage``, naming the page's path."""
    path = urlsplit(page_url).path or "/" if page_url else ""
    out = []
    for f in findings:
        if not is_about_page(f):
            out.append(f)
            continue
        evidence = dict(f.evidence)
        url = str(evidence.get("url") or page_url)
        page = urlsplit(url).path or "/" if url else path
        message = f.message
        if page:
            evidence.setdefault("page", page)
            if page not in message:
                message = f"{message} (page {page})"
        out.append(replace(f, stage=page_stage, message=message, evidence=evidence))
    return out
