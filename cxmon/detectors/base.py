"""What a detector sees: plain data the runner collected around one step.

Detectors are pure functions of a :class:`StepObservation`; they never touch the browser and never
raise for a shop fault. The browser-side scripts that collect page facts live here too, as text,
so the knowledge of what to look at stays with the detectors while the runner alone drives the
browser.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol
from urllib.parse import urlsplit

from cxmon.model import Finding, Kind, Severity, Stage

OWN = "own"
PROVIDER = "provider"
THIRD_PARTY = "third_party"


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


@dataclass
class Response:
    url: str
    status: int
    method: str
    resource_type: str
    main_document: bool
    origin: str
    """own, provider or third_party."""


@dataclass
class FailedRequest:
    url: str
    error: str
    method: str
    resource_type: str
    main_document: bool
    origin: str


@dataclass
class PageSnapshot:
    """Facts read from the page (main frame, plus child frames for payment steps)."""

    url: str = ""
    title: str = ""
    text: str = ""
    error_selector_hits: list[str] = field(default_factory=list)
    decline_selector_hits: list[str] = field(default_factory=list)
    invalid_fields: list[dict[str, str]] = field(default_factory=list)
    alerts: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)


@dataclass
class ActionFailure:
    """An action that could not be done, with the runner's reading of why."""

    action: str
    """click, fill, select, check, press, goto, select_method, wait_for."""
    target: str
    reason: str
    """missing, not_usable, timeout, navigation, other."""
    message: str
    probe: dict[str, Any] | None = None
    url: str = ""


@dataclass
class StepObservation:
    """Everything the runner saw during one step."""

    step: str
    stage: Stage
    actions: tuple[str, ...] = ()
    pay_method: str | None = None
    duration_seconds: float = 0.0
    budget_seconds: float | None = None
    budget_mode: str = "fail"
    responses: list[Response] = field(default_factory=list)
    failed_requests: list[FailedRequest] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    snapshot: PageSnapshot | None = None
    action_failure: ActionFailure | None = None
    assertion_failure: dict[str, Any] | None = None
    confirm_failure: dict[str, Any] | None = None
    timed_out: bool = False
    navigated: bool = False

    @property
    def url(self) -> str:
        if self.snapshot and self.snapshot.url:
            return self.snapshot.url
        return self.action_failure.url if self.action_failure else ""

    def finding(self, kind: Kind, message: str, severity: Severity = Severity.FAILURE, **evidence: Any) -> Finding:
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
    third_party: str = "report"


class Detector(Protocol):
    """One failure kind's detector: ``detect`` returns findings, never raises for a shop fault."""

    name: ClassVar[str]

    def detect(self, obs: StepObservation, config: DetectorConfig) -> list[Finding]: ...
