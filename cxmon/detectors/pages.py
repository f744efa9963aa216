"""What a page is, read from its markup signals and, last, its phrases (shared by the detectors).

Not a detector: the helpers here let ``error_page``, ``blocked``, ``out_of_stock`` and
``element_missing`` agree on one reading of a page. Phrases come from :mod:`cxmon.phrases`, chosen
by the page's ``lang`` (every language when it has none), the scenario's ``detect.*_texts`` first.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from cxmon.detectors.base import DetectorConfig, PageMessage, PageSnapshot, StepObservation
from cxmon.model import Stage
from cxmon.phrases import match

UNAVAILABLE = frozenset({"OutOfStock", "SoldOut", "Discontinued"})
"""schema.org ItemAvailability values of a product that cannot be bought now."""


def headline(snap: PageSnapshot) -> str:
    """The page's title and main heading: where a page says what it is."""
    heading = snap.identity.heading if snap.identity else ""
    return f"{snap.title}\n{heading}"


def page_phrase(snap: PageSnapshot, config: DetectorConfig, *categories: str) -> tuple[str, str] | None:
    """The first of ``categories`` whose phrase the page's text contains, with the phrase."""
    for category in categories:
        phrase = config.find(snap.text, snap.lang, category)
        if phrase is not None:
            return category, phrase
    return None


def quote(text: str, phrase: str) -> str:
    """The line of ``text`` in which ``phrase`` occurs: what the customer read (the phrase if none)."""
    for line in text.splitlines():
        if match(line, (phrase,)):
            return line.strip()[:200]
    return phrase


def step_stuck(obs: StepObservation) -> bool:
    """Whether the step did not get what it expected: an action, an ``expect`` or the time ran out."""
    return bool(obs.action_failure or obs.assertion_failure or obs.confirm_failure or obs.timed_out)


def new_alerts(snap: PageSnapshot) -> list[PageMessage]:
    """Alert messages the page raised during the step (in answer to its action)."""
    return [m for m in snap.messages if m.new and m.role.value == "alert"]


def path_of(url: str) -> str:
    """The path of a URL, without a trailing slash."""
    return urlsplit(url).path.rstrip("/")


def on_payment(obs: StepObservation) -> bool:
    """Whether the step works on the payment page (its stage, or a ``pay:`` action)."""
    return obs.stage is Stage.PAYMENT or obs.pay_method is not None


def wall(snap: PageSnapshot, config: DetectorConfig) -> str | None:
    """``login`` or ``consent`` when the page puts a wall before its content; else None."""
    for category in ("login", "consent"):
        if snap.signal_hits.get(category) or config.find(headline(snap), snap.lang, category):
            return category
    return None


def where(obs: StepObservation) -> str:
    """Which page the customer is on, compared with the step's last passing run."""
    snap = obs.snapshot
    identity = snap.identity if snap else None
    last = obs.last_good_page
    if identity is None:
        return ""
    if last is None:
        return f"on the page {identity.describe()!r}"
    if identity.same_page(last):
        return "the same page as in the last passing run, the element gone"
    return f"a different page than in the last passing run: {identity.describe()!r} (was {last.describe()!r})"
