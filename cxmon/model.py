"""Plain data shared by every part of cxmon: journeys, results and findings.

Results are data: the runner produces them, exporters and reporters only read them. Nothing here
knows about browsers, YAML or Prometheus.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Stage(StrEnum):
    """Where on the purchase path a step is (the ``stage`` metric label)."""

    BROWSE = "browse"
    CART = "cart"
    CHECKOUT = "checkout"
    PAYMENT = "payment"
    CONFIRMATION = "confirmation"

    @property
    def phase(self) -> str:
        """``before``, ``during`` or ``after`` purchase."""
        if self is Stage.BROWSE:
            return "before"
        if self is Stage.CONFIRMATION:
            return "after"
        return "during"


class Kind(StrEnum):
    """What went wrong (the ``kind`` metric label). See docs/detectors.md."""

    ERROR_PAGE = "error_page"
    SLOW = "slow"
    HIDDEN_ACTION = "hidden_action"
    ELEMENT_MISSING = "element_missing"
    PRICE_MISMATCH = "price_mismatch"
    OUT_OF_STOCK = "out_of_stock"
    BLOCKED = "blocked"
    PAYMENT_REJECTED = "payment_rejected"
    CONFIRMATION_MISSING = "confirmation_missing"
    VALIDATION_ERROR = "validation_error"
    ASSERTION = "assertion"
    TIMEOUT = "timeout"
    UNREACHABLE = "unreachable"
    INFRASTRUCTURE = "infrastructure"


class Severity(StrEnum):
    """A ``failure`` fails the journey; a ``warning`` is reported and the journey still passes."""

    FAILURE = "failure"
    WARNING = "warning"


class StepStatus(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    SKIPPED = "skipped"
    ERROR = "error"


class Outcome(StrEnum):
    """A journey's result (the ``result`` label of ``cxmon_journey_runs_total``)."""

    PASS = "pass"
    FAIL = "fail"
    FLAKY = "flaky"
    ERROR = "error"
    MAINTENANCE = "maintenance"
    """In a maintenance window: skipped, or run without counting (see docs/maintenance.md)."""

    @property
    def passed(self) -> bool:
        return self in (Outcome.PASS, Outcome.FLAKY)


DEFAULT_LABEL = "default"
"""The value of a journey label (payment method, device, location, market) that a scenario leaves unset."""


@dataclass(frozen=True)
class JourneyKey:
    """The labels that make one journey unique: the ``J`` label set of every journey metric."""

    scenario: str
    payment_method: str = DEFAULT_LABEL
    device: str = DEFAULT_LABEL
    location: str = DEFAULT_LABEL
    market: str = DEFAULT_LABEL

    @property
    def id(self) -> str:
        """A readable, stable identifier, e.g. ``demo-checkout[card,iPhone 13]`` or ``checkout[fi,card]``."""
        dims = [v for v in (self.market, self.payment_method, self.device) if v != DEFAULT_LABEL]
        return f"{self.scenario}[{','.join(dims)}]" if dims else self.scenario

    @property
    def slug(self) -> str:
        """The id made safe for a file or folder name."""
        keep = "".join(c if c.isalnum() or c in "-_." else "-" for c in self.id.replace("[", "-").rstrip("]"))
        return "-".join(p for p in keep.split("-") if p)

    def labels(self) -> dict[str, str]:
        return {
            "scenario": self.scenario,
            "payment_method": self.payment_method,
            "device": self.device,
            "location": self.location,
            "market": self.market,
        }


@dataclass(frozen=True)
class Finding:
    """One thing a detector saw: what broke, where, and what the customer saw."""

    kind: Kind
    message: str
    step: str
    stage: Stage
    severity: Severity = Severity.FAILURE
    evidence: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "severity": self.severity.value,
            "step": self.step,
            "stage": self.stage.value,
            "message": self.message,
            "evidence": dict(self.evidence),
        }


@dataclass(frozen=True)
class CapturedValue:
    """A value a step read from the page (``capture:``), as the page showed it."""

    name: str
    text: str
    step: str
    stage: Stage

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "text": self.text, "step": self.step, "stage": self.stage.value}


@dataclass(frozen=True)
class EmailResult:
    """What the order confirmation e-mail check found (``email:`` in a scenario)."""

    status: str
    """``received``, ``late``, ``missing``, ``wrong_order``, ``pending`` (still waited for) or ``error``."""
    seconds: float | None
    """Order placed → e-mail found (``None`` when none was found)."""
    limit_seconds: float
    folder: str
    subject: str | None = None
    order_number: str | None = None
    action: str | None = None
    """What was done with the matched message: ``delete`` or ``move:FOLDER``."""
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "seconds": self.seconds,
            "limit_seconds": self.limit_seconds,
            "folder": self.folder,
            "subject": self.subject,
            "order_number": self.order_number,
            "action": self.action,
            "error": self.error,
        }


@dataclass
class StepResult:
    """The outcome of one step of one journey attempt."""

    name: str
    stage: Stage
    status: StepStatus
    started_at: float = 0.0
    """Wall-clock start (Unix seconds)."""
    duration_seconds: float = 0.0
    """Measured with a monotonic clock."""
    budget_seconds: float | None = None
    url: str = ""
    findings: list[Finding] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    """Page timings in seconds: ttfb, dom_content_loaded, load, lcp; cls is unitless."""

    @property
    def failed(self) -> bool:
        return self.status in (StepStatus.FAILED, StepStatus.ERROR)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "stage": self.stage.value,
            "status": self.status.value,
            "started_at": self.started_at,
            "duration_seconds": self.duration_seconds,
            "budget_seconds": self.budget_seconds,
            "url": self.url,
            "timings": dict(self.timings),
            "findings": [f.to_dict() for f in self.findings],
        }


@dataclass
class JourneyResult:
    """The outcome of one journey run (after retries, the last attempt's steps)."""

    key: JourneyKey
    outcome: Outcome
    started_at: float
    duration_seconds: float
    steps: list[StepResult] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    """Journey-level findings (for example the journey over its total budget)."""
    attempts: int = 1
    order_number: str | None = None
    artifacts: dict[str, str] = field(default_factory=dict)
    """Evidence files by role (screenshot, trace, html, console, requests) to their paths."""
    interval_seconds: float | None = None
    budget_seconds: float | None = None
    error: str | None = None
    """cxmon's own trouble, when the outcome is ``error``."""
    cleanup: dict[str, Any] | None = None
    """The scenario's after-order cleanup request, when one was sent: method, url, status, ok, error."""
    captures: list[CapturedValue] = field(default_factory=list)
    """Values the steps captured (``capture:``), in order."""
    prices: dict[str, dict[str, str | None]] = field(default_factory=dict)
    """Captured values read as money: name → amount and currency."""
    email: EmailResult | None = None
    """The confirmation e-mail check, for scenarios with ``email:``."""
    run_id: str | None = None
    """This run's ``${run_id}`` (for scenarios that use it, e.g. in a per-run e-mail address)."""
    maintenance: dict[str, Any] | None = None
    """The maintenance window the run fell in (outcome ``maintenance``): start, end, mode, source."""
    revenue: dict[str, Any] | None = None
    """Revenue at risk when the scenario states ``revenue:``: currency, share, at_risk_per_hour, lost,
    failing_since (see cxmon.revenue)."""

    def all_findings(self) -> list[Finding]:
        out = [f for s in self.steps for f in s.findings]
        out.extend(self.findings)
        return out

    def failures(self) -> list[Finding]:
        return [f for f in self.all_findings() if f.severity is Severity.FAILURE]

    def to_dict(self) -> dict[str, Any]:
        return {
            "journey": self.key.id,
            "labels": self.key.labels(),
            "outcome": self.outcome.value,
            "started_at": self.started_at,
            "duration_seconds": self.duration_seconds,
            "budget_seconds": self.budget_seconds,
            "attempts": self.attempts,
            "order_number": self.order_number,
            "error": self.error,
            "artifacts": dict(self.artifacts),
            "steps": [s.to_dict() for s in self.steps],
            "findings": [f.to_dict() for f in self.findings],
            # Only when sent, so results of scenarios without a cleanup keep their shape.
            **({"cleanup": dict(self.cleanup)} if self.cleanup is not None else {}),
            **({"captures": [c.to_dict() for c in self.captures]} if self.captures else {}),
            **({"prices": {k: dict(v) for k, v in self.prices.items()}} if self.prices else {}),
            **({"email": self.email.to_dict()} if self.email is not None else {}),
            **({"run_id": self.run_id} if self.run_id is not None else {}),
            **({"maintenance": dict(self.maintenance)} if self.maintenance is not None else {}),
            **({"revenue": dict(self.revenue)} if self.revenue is not None else {}),
        }


@dataclass
class RunResult:
    """Every journey of one ``cxmon run``."""

    journeys: list[JourneyResult] = field(default_factory=list)
    started_at: float = 0.0
    duration_seconds: float = 0.0
    interrupted: bool = False
