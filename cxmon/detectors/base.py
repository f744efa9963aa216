"""What a detector sees: plain data the runner collected around one step.

Detectors are pure functions of a :class:`StepObservation`; they never touch the browser and never
raise for a shop fault. The browser-side scripts that collect page facts live beside them
(``scripts.py``), as text, so the knowledge of what to look at stays with the detectors while the
runner alone drives the browser. Every name that crosses from runner to detectors is an enum here;
every record a dataclass. ``recording.py`` writes these to YAML and reads them back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, ClassVar, Protocol
from urllib.parse import urlsplit

from cxmon.model import Finding, Kind, Severity, Stage
from cxmon.phrases import match, phrases_for
from cxmon.scenario import StepAction


class Origin(StrEnum):
    """Whose server answered a request: the shop's, its payment provider's, or anyone else's."""

    OWN = "own"
    PROVIDER = "provider"
    THIRD_PARTY = "third_party"


OWN = Origin.OWN
PROVIDER = Origin.PROVIDER
THIRD_PARTY = Origin.THIRD_PARTY


class Action(StrEnum):
    """What the runner was doing in the page when an action failed."""

    GOTO = "goto"
    FILL = "fill"
    SELECT = "select"
    CHECK = "check"
    CLICK = "click"
    PRESS = "press"
    WAIT_FOR = "wait_for"
    SELECT_METHOD = "select_method"
    """Choosing the journey's payment method on the payment page."""


class FailureReason(StrEnum):
    """The runner's reading of why an action could not be done."""

    MISSING = "missing"
    """The element is not on the page."""
    NOT_USABLE = "not_usable"
    """The element is there but a customer could not use it (the probe says why)."""
    TIMEOUT = "timeout"
    """The action or wait did not complete within the step's time limit."""
    NAVIGATION = "navigation"
    """A navigation failed at the network level (DNS, refused, reset, TLS)."""


class Unusable(StrEnum):
    """Why a customer could not use an element that is on the page (the action probe's verdict)."""

    HIDDEN = "hidden"
    ZERO_SIZE = "zero_size"
    OFFSCREEN = "offscreen"
    DISABLED = "disabled"
    COVERED = "covered"
    UNUSABLE = "unusable"
    """Only matches a customer cannot reach by its role (e.g. hidden from assistive technology),
    although the element itself looks usable."""


class BudgetMode(StrEnum):
    """Whether an over-budget step fails the journey or is only reported."""

    FAIL = "fail"
    WARN = "warn"


class BudgetCount(StrEnum):
    """What a step's budget counts: the wait until the page is usable, or until it fully loaded."""

    USABLE = "usable"
    """DOM ready and the shop's and provider's requests done: what the customer waits for."""
    LOAD = "load"
    """The page's ``load`` event: third-party pixels and tags included."""


def origin_of(url: str) -> str:
    """``scheme://host:port`` of a URL, lower-cased."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


@dataclass
class Response:
    """A response the page got: every main-document one, and any other one with status >= 400."""

    url: str
    status: int
    method: str
    resource_type: str
    main_document: bool
    origin: Origin


@dataclass
class FailedRequest:
    """A request that got no response (network error), except the aborts of a page left behind."""

    url: str
    error: str
    method: str
    resource_type: str
    main_document: bool
    origin: Origin


@dataclass
class PageLoad:
    """A request that finished during the step, with how long it took and whose server answered."""

    url: str
    origin: Origin
    resource_type: str = ""
    seconds: float = 0.0
    """From the request's start to its last byte."""
    server_seconds: float | None = None
    """Time to first byte (Resource/Navigation Timing ``responseStart``): the server's time."""
    main_document: bool = False


@dataclass
class InvalidField:
    """A form field the page marked invalid, with the message it showed (empty when none)."""

    field: str = ""
    message: str = ""


class MessageRole(StrEnum):
    """How urgently a page raised a message: an alert (error, warning) or a polite status."""

    ALERT = "alert"
    """``role=alert``, ``aria-live=assertive``, or an error/alert class of a shop platform."""
    STATUS = "status"
    """``role=status``, ``aria-live=polite``, a toast: news, not necessarily bad news."""


@dataclass
class PageMessage:
    """A message the page shows in a live region, an alert or a toast (see ``selectors.yml``)."""

    text: str
    role: MessageRole = MessageRole.ALERT
    new: bool = False
    """It appeared after the step began (raised in answer to the step's action)."""
    source: str = ""
    """What marked it: the ARIA role or the class selector that matched."""


@dataclass
class PageIdentity:
    """What a page is, independent of its words' details: title, main heading, landmarks, forms."""

    title: str = ""
    heading: str = ""
    landmarks: list[str] = field(default_factory=list)
    forms: list[str] = field(default_factory=list)

    def same_page(self, other: PageIdentity) -> bool:
        """Whether two readings are the same page: its title and main heading did not change."""
        return (self.title, self.heading) == (other.title, other.heading)

    def describe(self) -> str:
        """The page in a few words: its title, else its main heading."""
        return self.title or self.heading or "an untitled page"


@dataclass
class PageSnapshot:
    """Facts read from the page (main frame, plus child frames for payment steps)."""

    url: str = ""
    title: str = ""
    text: str = ""
    main_text: str = ""
    """The main frame's own text (``text`` adds the child frames' on payment steps)."""
    error_selector_hits: list[str] = field(default_factory=list)
    decline_selector_hits: list[str] = field(default_factory=list)
    invalid_fields: list[InvalidField] = field(default_factory=list)
    alerts: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    lang: str = ""
    """The document's ``lang`` attribute: which language's phrases the detectors read it with."""
    messages: list[PageMessage] = field(default_factory=list)
    """Alerts, live regions and toasts on the page, each marked new when it appeared during the step."""
    availability: list[str] = field(default_factory=list)
    """schema.org ``availability`` values of the page's products (JSON-LD and microdata), e.g. OutOfStock."""
    product: str = ""
    """The name of the page's schema.org Product, when it has one."""
    identity: PageIdentity | None = None
    signal_hits: dict[str, list[str]] = field(default_factory=dict)
    """Selectors of ``selectors.yml`` that matched, by category (challenge, consent, login)."""


@dataclass
class Probe:
    """What a customer would meet at an action element: ``reason`` is ``None`` when it is usable."""

    element: str = ""
    """The element, described as tag#id.classes "text"."""
    reason: Unusable | None = None
    covered_by: str | None = None
    """The element on top of it, when ``reason`` is covered."""
    viewport: dict[str, int] | None = None
    page: PageIdentity | None = None
    """The page the element was found on (title and main heading)."""

    @classmethod
    def from_page(cls, data: dict[str, Any]) -> Probe:
        """The probe from what the page script returned."""
        reason = data.get("reason")
        viewport = data.get("viewport")
        page = data.get("page")
        return cls(
            element=str(data.get("element") or ""),
            reason=Unusable(reason) if reason else None,
            covered_by=data.get("covered_by"),
            viewport={k: int(v) for k, v in viewport.items()} if viewport else None,
            page=PageIdentity(str(page.get("title") or ""), str(page.get("heading") or "")) if page else None,
        )


@dataclass
class ActionFailure:
    """An action that could not be done, with the runner's reading of why."""

    action: Action
    target: str
    reason: FailureReason
    message: str
    probe: Probe | None = None
    url: str = ""


@dataclass
class AssertionFailure:
    """An ``expect`` that did not hold: what the scenario expected and what the page showed instead."""

    expected: str
    """What was expected, in words (e.g. ``text 'Checkout' on the page``)."""
    actual: str
    """What the page showed when the time ran out (its URL, or its title for a title check)."""


class ConfirmationPart(StrEnum):
    """Which part of a ``confirm`` did not appear."""

    URL = "url"
    TEXT = "text"
    ORDER_NUMBER = "order_number"


@dataclass
class ConfirmationFailure:
    """A ``confirm`` part that did not appear: the expected text or pattern and where the customer was."""

    part: ConfirmationPart
    expected: str
    """The confirmation text, or the regular expression of the URL or order number."""
    actual: str
    """The URL of the page the customer was on instead."""
    title: str = ""
    """The title of that page."""
    lang: str = ""
    """The language the page declares (``<html lang>``), for its phrases."""

    @property
    def missing(self) -> str:
        """What the customer did not see, in words."""
        if self.part is ConfirmationPart.URL:
            return f"the confirmation URL (matching {self.expected})"
        if self.part is ConfirmationPart.TEXT:
            return f"the text {self.expected!r}"
        return "an order number"


@dataclass
class AmbiguousLocator:
    """A locator of an action that matched several elements a customer can see."""

    action: Action
    target: str
    count: int
    """How many visible elements matched."""
    strict: bool = False
    """The scenario asked for exactly one match (``strict: true``): a failure, not a warning."""


@dataclass
class StepObservation:
    """Everything the runner saw during one step."""

    step: str
    stage: Stage
    actions: tuple[StepAction, ...] = ()
    """The step's actions (the scenario's keys), in the order they ran."""
    pay_method: str | None = None
    duration_seconds: float = 0.0
    budget_seconds: float | None = None
    budget_mode: BudgetMode = BudgetMode.FAIL
    responses: list[Response] = field(default_factory=list)
    failed_requests: list[FailedRequest] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    snapshot: PageSnapshot | None = None
    action_failure: ActionFailure | None = None
    assertion_failure: AssertionFailure | None = None
    confirm_failure: ConfirmationFailure | None = None
    timed_out: bool = False
    navigated: bool = False
    start_url: str = ""
    """The page the step began on (a payment that ends back on it was not accepted)."""
    last_good_page: PageIdentity | None = None
    """The page this step worked on in its last passing run (this process), for ``element_missing``."""
    ambiguous_locators: list[AmbiguousLocator] = field(default_factory=list)
    """Action locators that matched several visible elements (the first, or ``nth``, was used)."""
    journey_payment_method: str | None = None
    """The journey's ``payment_method`` label, when the scenario has one: names a payment that a
    step without ``pay`` makes."""
    budget_count: BudgetCount = BudgetCount.USABLE
    usable_seconds: float | None = None
    """From the step's start until its page was usable (and its checks held)."""
    load_seconds: float | None = None
    """From the step's start until its page's ``load`` event, when it fired within the step."""
    slowest: PageLoad | None = None
    """The request that took longest among those the budget counts."""

    @property
    def url(self) -> str:
        """The page the step ended on (or the URL of the action that could not be done)."""
        if self.snapshot and self.snapshot.url:
            return self.snapshot.url
        return self.action_failure.url if self.action_failure else ""

    def finding(self, kind: Kind, message: str, severity: Severity = Severity.FAILURE, **evidence: Any) -> Finding:
        """A finding about this step; the evidence always carries the page URL."""
        evidence.setdefault("url", self.url)
        return Finding(kind, message, self.step, self.stage, severity, evidence)


@dataclass(frozen=True)
class DetectorConfig:
    """Detector settings: defaults plus the scenario's ``detect:`` additions."""

    error_texts: tuple[str, ...] = ()
    error_selectors: tuple[str, ...] = ()
    decline_texts: tuple[str, ...] = ()
    decline_selectors: tuple[str, ...] = ()
    payment_failure_urls: tuple[str, ...] = ()
    validation_selectors: tuple[str, ...] = ()
    third_party: str = "ignore"
    out_of_stock_texts: tuple[str, ...] = ()
    maintenance_texts: tuple[str, ...] = ()
    challenge_texts: tuple[str, ...] = ()

    def phrases(self, category: str, lang: str | None) -> tuple[str, ...]:
        """The phrases of ``category`` (see cxmon.phrases) for a page tagged ``lang``, the
        scenario's own ``detect.<category>_texts`` first."""
        extra = getattr(self, f"{category}_texts", ())
        return phrases_for(lang, category, extra)

    def find(self, text: str, lang: str | None, category: str) -> str | None:
        """The phrase of ``category`` that ``text`` contains (cxmon.phrases matching rules), else None."""
        return match(text, self.phrases(category, lang))


class Detector(Protocol):
    """One failure kind's detector: ``detect`` returns findings, never raises for a shop fault."""

    name: ClassVar[str]

    def detect(self, obs: StepObservation, config: DetectorConfig) -> list[Finding]: ...
