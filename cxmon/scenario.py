"""Scenario files: YAML → validated model → journeys.

Loading is strict: unknown keys, wrong types and missing variables are errors that name the file,
the line and what was expected (``ScenarioError``), and nothing runs. The pydantic models below are
also the published JSON Schema (``cxmon schema``).

Values: ``${NAME}`` and ``${NAME:-default}`` come from the environment, then from the scenario's
``variables:``; ``$${`` is a literal ``${``. ``${payment_method}``, ``${device}`` and
``${location}`` and ``${market}`` are the journey's own labels, filled in per journey; so are the
``variables:`` of the journey's market (``markets:``), which win over the scenario's own. Names
listed under ``secrets:`` are secret: their values are masked as ``***`` in every output.
"""

from __future__ import annotations

import difflib
import itertools
import os
import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    ValidationError,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from cxmon.durations import DURATION_HINT, check_time_zone, parse_duration
from cxmon.errors import InputError, ScenarioError, ScenarioErrors
from cxmon.maintenance import MaintenanceWindowSpec
from cxmon.model import DEFAULT_LABEL, JourneyKey, Stage
from cxmon.money import is_currency_code
from cxmon.pricing import DEFAULT_TOLERANCE, PriceRule, PriceRuleError, parse_price_rule, parse_tolerance
from cxmon.redact import Redactor
from cxmon.revenue import RevenueSpec

SCENARIO_SUFFIXES = (".yml", ".yaml")
MATRIX_DIMENSIONS = ("market", "payment_method", "device")
JOURNEY_VARIABLES = ("payment_method", "device", "location", "market")
RUN_VARIABLES = ("order_number", "run_id")
"""Filled in while the journey runs: the order number captured at confirmation (for ``cleanup:``
and ``email:``) and ``run_id``, a short lowercase token new for every journey run (for a per-run
e-mail address such as ``synthetic+${run_id}@example.com``)."""

Duration = Annotated[
    float,
    BeforeValidator(parse_duration),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "pattern": r"^\s*\d+(\.\d+)?\s*(ms|s|m|h)?\s*$"},
                {"type": "number", "minimum": 0},
            ],
            "description": DURATION_HINT,
        }
    ),
]



def _positive(seconds: float) -> float:
    # A zero budget makes every step slow and a zero time limit fails every step: a typo, not a wish.
    if seconds <= 0:
        raise ValueError(f"expected a duration above zero, like 500ms or 2s, got {seconds:g}")
    return seconds


PositiveDuration = Annotated[Duration, AfterValidator(_positive)]

_NAME = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"
_LABEL = r"^[a-z0-9][a-z0-9_]*$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


def _currency_code(code: str | None) -> str | None:
    """``code`` when it is an ISO 4217 currency code (or absent); else the error a scenario gets."""
    if code is not None and not is_currency_code(code):
        raise ValueError(f"expected an ISO 4217 currency code such as EUR, SEK or USD, got {code!r}")
    return code


# --- element addressing -----------------------------------------------------------------------

_LOCATOR_KINDS = ("role", "text", "label", "test_id", "css", "placeholder", "alt", "title", "selector")


class Locator(_Strict):
    """How to find an element, the way Playwright users address it.

    Exactly one of ``role`` (with optional ``name``), ``text``, ``label``, ``test_id``, ``css``,
    ``placeholder``, ``alt``, ``title`` or ``selector`` (any Playwright selector string). A plain
    string is shorthand for ``selector``.

    ``has_text`` keeps only matches that contain a text (Playwright's ``filter(has_text=...)``);
    ``within`` looks inside a container, itself a locator: by role, test id, css... (with its own
    ``has_text``), or by ``text``, which means the innermost element that holds both that text and
    the element. So "the button in the Standard delivery row" is
    ``{role: button, name: Select option, within: {text: Standard delivery}}``.
    """

    role: str | None = Field(None, description="ARIA role, e.g. button, link, radio, textbox")
    name: str | None = Field(None, description="Accessible name, with role")
    exact: bool = Field(False, description="Match text/name exactly instead of as a substring")
    text: str | None = None
    label: str | None = None
    test_id: str | None = None
    css: str | None = None
    placeholder: str | None = None
    alt: str | None = None
    title: str | None = None
    selector: str | None = Field(None, description="A Playwright selector, e.g. '#pay' or 'text=Pay now'")
    nth: int | None = Field(None, description="Which match to use when several match (0-based; -1: the last)")
    has_text: str | None = Field(None, description="Only matches that contain this text")
    within: LocatorArg | None = Field(
        None,
        description="The container to look in: a locator; with text, the innermost element holding that "
        "text and the element",
    )
    strict: bool | None = Field(
        None,
        description="Several visible matches fail the step (true) or only warn (false); "
        "default: the scenario's strict",
    )

    @model_validator(mode="after")
    def _one_kind(self) -> Locator:
        given = [k for k in _LOCATOR_KINDS if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(
                f"expected exactly one of {', '.join(_LOCATOR_KINDS)} to address the element, "
                f"got {', '.join(given) if given else 'none'}"
            )
        if self.name is not None and self.role is None:
            raise ValueError("'name' goes with 'role'")
        return self

    def describe(self) -> str:
        """A short human form, e.g. ``button "Pay now"``."""
        if self.role is not None:
            what = f'{self.role} "{self.name}"' if self.name else self.role
        else:
            kind = next((k for k in _LOCATOR_KINDS[1:] if getattr(self, k) is not None), None)
            what = f"{kind.replace('_', ' ')} {getattr(self, kind)!r}" if kind else "element"
        if self.has_text is not None:
            what += f" with text {self.has_text!r}"
        if self.within is not None:
            what += f" in {self.within.describe()}"
        return what


def _locator_shorthand(value: Any) -> Any:
    return {"selector": value} if isinstance(value, str) else value


LocatorArg = Annotated[Locator, BeforeValidator(_locator_shorthand, json_schema_input_type=str | Locator)]


class Field_(Locator):
    """A form field to fill or select: a locator plus the value."""

    value: str


def _fields_shorthand(value: Any) -> Any:
    # {"Email": "a@b.c"} is shorthand for [{"label": "Email", "value": "a@b.c"}].
    if isinstance(value, Mapping):
        return [{"label": str(k), "value": v} for k, v in value.items()]
    return value


def _to_str(value: Any) -> Any:
    # YAML turns 4242 into an int and yes into a bool; a form field always gets text.
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return value


class FillField(Field_):
    value: Annotated[str, BeforeValidator(_to_str)]


FieldList = Annotated[
    list[FillField],
    BeforeValidator(_fields_shorthand, json_schema_input_type=dict[str, str | int | float | bool] | list[FillField]),
]


def _list_shorthand(value: Any) -> Any:
    return value if isinstance(value, list) else [value]


# --- step actions -------------------------------------------------------------------------------


class Press(_Strict):
    key: str = Field(description="A key, e.g. Enter, Tab, Escape")
    on: LocatorArg | None = Field(None, description="The element to press it on (default: focused)")


def _press_shorthand(value: Any) -> Any:
    return {"key": value} if isinstance(value, str) else value


class WaitFor(_Strict):
    """Wait until an element has a state, the URL matches, or the page reached a load state."""

    element: LocatorArg | None = None
    state: Literal["visible", "hidden", "attached", "detached"] = "visible"
    url: str | None = Field(None, description="A regular expression searched in the page URL")
    load_state: Literal["load", "domcontentloaded", "networkidle"] | None = None

    @model_validator(mode="after")
    def _something(self) -> WaitFor:
        if self.element is None and self.url is None and self.load_state is None:
            raise ValueError("expected one of element, url or load_state")
        return self


class Expect(_Strict):
    """What must hold after the step's actions; a miss is an ``assertion`` finding."""

    text: str | None = Field(None, description="Text the page must show")
    not_text: str | None = Field(None, description="Text the page must not show")
    url: str | None = Field(None, description="A regular expression searched in the page URL")
    title: str | None = Field(None, description="Text the page title must contain")
    visible: LocatorArg | None = Field(None, description="An element that must be visible")

    @model_validator(mode="after")
    def _something(self) -> Expect:
        if all(getattr(self, k) is None for k in ("text", "not_text", "url", "title", "visible")):
            raise ValueError("expected at least one of text, not_text, url, title or visible")
        return self


class Pay(_Strict):
    """Choose a payment method and fill its form, which may sit in a provider's iframe."""

    method: str = Field(description="The payment method, usually ${payment_method}")
    select: LocatorArg | None = Field(
        None,
        description="How to choose the method; default: the radio button or option whose value is the "
        "method, else the one labelled with it (mobile_pay → 'Mobile pay')",
    )
    fill: FieldList = Field(default_factory=list, description="Payment form fields (also inside iframes)")
    method_fields: dict[str, FieldList] = Field(
        default_factory=dict,
        description="Extra fields per method, e.g. {card: {Card number: ...}}",
    )


def _check_regex(value: str | None) -> str | None:
    if value is not None:
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"not a valid regular expression: {exc}") from None
    return value


class OrderNumber(_Strict):
    """Where the order number is: the text of an element, optionally narrowed by a pattern."""

    locator: LocatorArg = Field(description="The element that shows the order number")
    pattern: str | None = Field(
        None, description="A regular expression applied to the element's text (group 1, else the match)"
    )

    @field_validator("pattern")
    @classmethod
    def _regex(cls, value: str | None) -> str | None:
        return _check_regex(value)


# The two forms of ``order_number``, told apart by their YAML type; the tags are left out of the
# locations in error messages (see ``_message``).
_REGEX_FORM, _LOCATOR_FORM = "<regex>", "<locator>"
_UNION_TAGS = frozenset({_REGEX_FORM, _LOCATOR_FORM})

OrderNumberArg = Annotated[
    Annotated[str, Tag(_REGEX_FORM)] | Annotated[OrderNumber, Tag(_LOCATOR_FORM)],
    Discriminator(lambda v: _LOCATOR_FORM if isinstance(v, dict | OrderNumber) else _REGEX_FORM),
]


class Confirm(_Strict):
    """The order confirmation a customer must see after paying."""

    text: str | None = Field(None, description="Text the confirmation page shows, e.g. 'Thank you'")
    order_number: OrderNumberArg | None = Field(
        None,
        description="A regular expression that captures the order number in the page text (group 1, else "
        "the match), or {locator: ..., pattern: ...}: the text of an element",
    )
    url: str | None = Field(None, description="A regular expression the confirmation URL matches")

    @field_validator("url")
    @classmethod
    def _regex(cls, value: str | None) -> str | None:
        return _check_regex(value)

    @field_validator("order_number")
    @classmethod
    def _order_regex(cls, value: str | OrderNumber | None) -> str | OrderNumber | None:
        return _check_regex(value) if isinstance(value, str) else value


_CAPTURE_NAME = r"^[a-z_][a-z0-9_]*$"


class Capture(Locator):
    """A value to read from the page after the step's actions, kept in the journey's result.

    The element's text (or ``attribute``, e.g. ``content`` of ``<meta itemprop="price">``), cut
    by ``regex`` when given (group 1, else the match). Values named in ``prices:`` rules or in
    ``email.total`` are read as money.
    """

    attribute: str | None = Field(None, description="Read this attribute instead of the text")
    regex: str | None = Field(None, description="A regular expression that cuts the value (group 1, else the match)")

    @field_validator("regex")
    @classmethod
    def _regex(cls, value: str | None) -> str | None:
        return _check_regex(value)


CaptureArg = Annotated[Capture, BeforeValidator(_locator_shorthand, json_schema_input_type=str | Capture)]
Captures = dict[Annotated[str, Field(pattern=_CAPTURE_NAME)], CaptureArg]


class StepAction(StrEnum):
    """A step's action keys, in the order they run: the only list of them."""

    GOTO = "goto"
    FILL = "fill"
    SELECT = "select"
    CHECK = "check"
    ACTIONS = "actions"
    PAY = "pay"
    CLICK = "click"
    PRESS = "press"
    WAIT_FOR = "wait_for"
    EXPECT = "expect"
    CONFIRM = "confirm"
    CAPTURE = "capture"


_ACTIONS = tuple(a.value for a in StepAction)
_LIST_ACTIONS = tuple(
    a.value
    for a in (
        StepAction.CLICK, StepAction.FILL, StepAction.SELECT, StepAction.CHECK, StepAction.PRESS, StepAction.WAIT_FOR
    )
)
"""What an entry of a step's ``actions:`` list can be."""

PressArg = Annotated[Press, BeforeValidator(_press_shorthand, json_schema_input_type=str | Press)]


class ActionEntry(_Strict):
    """One entry of a step's ``actions:`` list: exactly one of click, fill, select, check, press or
    wait_for, with the same value as the step key of that name."""

    click: LocatorArg | None = None
    fill: FieldList | None = None
    select: FieldList | None = Field(None, description="Native <select> or custom dropdown: {label: option text}")
    check: LocatorArg | None = None
    press: PressArg | None = None
    wait_for: WaitFor | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> ActionEntry:
        given = [a for a in _LIST_ACTIONS if getattr(self, a) is not None]
        if len(given) != 1:
            raise ValueError(
                f"expected exactly one of {', '.join(_LIST_ACTIONS)} per entry, got {', '.join(given) or 'none'}"
            )
        return self

    @property
    def kind(self) -> StepAction:
        """The action: click, fill, select, check, press or wait_for."""
        return StepAction(next(a for a in _LIST_ACTIONS if getattr(self, a) is not None))


class Step(_Strict):
    """One named step of the purchase path.

    Its actions run in a fixed order: goto, fill, select, check, actions, pay, click, press,
    wait_for, expect, confirm; then ``capture`` reads values from the page it ended on.
    ``actions`` is a list of click/fill/select/check/press/wait_for entries run in the order
    written, for what a customer does in several moves on one page (open a dropdown, pick an
    option, then continue).
    """

    name: str = Field(pattern=_NAME)
    stage: Stage | None = Field(
        None,
        description=f"One of {', '.join(Stage)}; default: payment for a pay step, "
        "confirmation for a confirm step, else the previous step's stage (browse for the first)",
    )
    optional: bool = Field(False, description="Skip quietly when its element is not there (cookie banners)")
    timeout: PositiveDuration | None = Field(None, description="This step's time limit")
    budget: PositiveDuration | None = Field(None, description="This step's time budget (see budgets)")
    budget_count: Literal["usable", "load"] | None = Field(
        None, description="What this step's budget counts (see budgets.count); default: the scenario's"
    )
    when: dict[
        Literal["payment_method", "device", "location", "market"],
        Annotated[list[str], BeforeValidator(_list_shorthand)],
    ] = Field(default_factory=dict, description="Run only for these journey labels")
    goto: str | None = Field(None, description="A URL or a path under base_url")
    fill: FieldList | None = None
    select: FieldList | None = Field(
        None, description="Select options: {label: option}; a native <select>, or a custom dropdown whose option "
        "is picked by its visible text"
    )
    check: (
        Annotated[
            list[LocatorArg], BeforeValidator(_list_shorthand, json_schema_input_type=LocatorArg | list[LocatorArg])
        ]
        | None
    ) = None
    actions: list[ActionEntry] | None = Field(
        None, min_length=1, description="Several actions in the order written (after check, before pay)"
    )
    pay: Pay | None = None
    click: LocatorArg | None = None
    press: PressArg | None = None
    wait_for: WaitFor | None = None
    expect: Expect | None = None
    confirm: Confirm | None = None
    capture: Captures | None = Field(
        None, description="Values to read from the page after the actions: {name: locator}, e.g. prices"
    )

    @model_validator(mode="after")
    def _has_action(self) -> Step:
        if all(getattr(self, a) is None for a in _ACTIONS):
            raise ValueError(f"expected at least one action: {', '.join(_ACTIONS)}")
        return self

    def action_kinds(self) -> tuple[StepAction, ...]:
        """The actions this step has, in the order they run; an ``actions:`` list counts as the
        actions of its entries."""
        kinds: list[StepAction] = []
        for a in StepAction:
            value = getattr(self, a.value)
            if a is StepAction.ACTIONS and value is not None:
                kinds.extend(entry.kind for entry in value)
            elif value is not None:
                kinds.append(a)
        return tuple(kinds)

    def applies_to(self, key: JourneyKey) -> bool:
        labels = key.labels()
        return all(labels[dim] in values for dim, values in self.when.items())


# --- scenario -------------------------------------------------------------------------------------


class Budgets(_Strict):
    """Time budgets. Over budget is a ``slow`` finding; ``mode`` says whether it fails the journey."""

    step: PositiveDuration | None = Field(None, description="Default budget of every step")
    journey: PositiveDuration | None = Field(None, description="Budget of the whole journey")
    mode: Literal["fail", "warn"] = Field(
        "fail", description="fail: over budget fails the journey; warn: reported only"
    )
    count: Literal["usable", "load"] = Field(
        "usable",
        description="usable: a step's time ends when its page is usable (DOM ready, the shop's and the "
        "provider's requests done); load: when the page's load event fired (third parties included)",
    )


class Timeouts(_Strict):
    step: PositiveDuration = Field(15.0, description="Default time limit of a step")
    settle: Duration = Field(
        2.0,
        description="An awaited element absent from a page whose network and DOM stayed quiet this long is "
        "reported at once, not after the step limit; 0 waits the whole step limit",
    )
    journey: PositiveDuration | None = Field(None, description="Hard limit of a whole journey")


class Matrix(_Strict):
    """Expands a scenario into one journey per combination (of the payment methods a market offers)."""

    market: list[Annotated[str, Field(pattern=_LABEL)]] = Field(
        default_factory=list,
        description="Names of markets: under markets:; default: every market listed there (none: market 'default')",
    )
    payment_method: list[Annotated[str, Field(pattern=_LABEL)]] = Field(default_factory=list)
    device: list[str] = Field(
        default_factory=list,
        description="Playwright device names, e.g. 'iPhone 13'; 'default' is cxmon's default desktop context "
        "(the viewport of a scenario without devices), so it can stand beside phones",
    )

    @field_validator("market", "payment_method", "device")
    @classmethod
    def _unique(cls, values: list[str]) -> list[str]:
        dupes = sorted({v for v in values if values.count(v) > 1})
        if dupes:
            raise ValueError(f"duplicate value(s): {', '.join(dupes)}")
        return values


_LOCALE = re.compile(r"^[a-z]{2,3}(-[A-Z][a-z]{3})?(-([A-Z]{2}|[0-9]{3}))?$")


def _locale(value: str) -> str:
    if not _LOCALE.match(value):
        fixed = value.replace("_", "-")
        parts = fixed.split("-")
        guess = "-".join([parts[0].lower(), *(p.upper() if len(p) == 2 else p for p in parts[1:])])
        hint = f", did you mean {guess!r}?" if _LOCALE.match(guess) else ""
        raise ValueError(f"expected a BCP 47 locale like fi-FI, sv-SE or en-GB, got {value!r}{hint}")
    return value


def _time_zone(value: str) -> str:
    try:
        return check_time_zone(value)
    except ValueError as exc:
        import zoneinfo  # only on this error path: listing the zones reads the whole database

        close = difflib.get_close_matches(value, sorted(zoneinfo.available_timezones()), n=1, cutoff=0.8)
        raise ValueError(f"{exc}{f', did you mean {close[0]!r}?' if close else ''}") from None


class Market(_Strict):
    """One market of the shop: where it is, its language, time zone and money, the payment methods
    offered there and its texts and test data (see docs/scenarios.md#markets)."""

    base_url: str | None = Field(
        None,
        description="The market's shop: an http(s) URL, or a path under the scenario's base_url such as /fi; "
        "default: the scenario's base_url",
    )
    locale: Annotated[str, AfterValidator(_locale)] | None = Field(
        None, description="The browser context's locale (navigator.language, Accept-Language), e.g. fi-FI"
    )
    timezone: Annotated[str, AfterValidator(_time_zone)] | None = Field(
        None, description="The browser context's IANA time zone, e.g. Europe/Helsinki"
    )
    currency: str | None = Field(
        None, description="ISO 4217 code of the market's prices; the default of prices.currency"
    )
    payment_methods: list[Annotated[str, Field(pattern=_LABEL)]] | None = Field(
        None,
        description="The payment methods offered in this market: journeys run only for these "
        "(default: every method of matrix.payment_method)",
    )
    variables: dict[str, Annotated[str, BeforeValidator(_to_str)]] = Field(
        default_factory=dict,
        description="Texts and test data of this market, used as ${NAME}; they win over the scenario's variables",
    )

    @field_validator("base_url")
    @classmethod
    def _url_or_path(cls, value: str | None) -> str | None:
        if value is not None and not (re.match(r"^https?://[^/\s]+", value) or re.match(r"^/\S*$", value)):
            raise ValueError(f"expected an http:// or https:// URL or a path starting with /, got {value!r}")
        return value.rstrip("/") if value is not None else None

    @field_validator("currency")
    @classmethod
    def _currency(cls, code: str | None) -> str | None:
        return _currency_code(code)


class Detect(_Strict):
    """Per-scenario additions to the detectors' defaults (see docs/detectors.md)."""

    error_texts: list[str] = Field(default_factory=list, description="Texts that mark an error page")
    error_selectors: list[str] = Field(default_factory=list, description="CSS selectors that mark an error page")
    decline_texts: list[str] = Field(default_factory=list, description="Texts that mark a declined payment")
    decline_selectors: list[str] = Field(default_factory=list)
    payment_failure_urls: list[str] = Field(default_factory=list, description="Regexes of payment failure URLs")
    validation_selectors: list[str] = Field(default_factory=list, description="Selectors of form error messages")
    provider_origins: list[str] = Field(
        default_factory=list, description="Origins of the payment provider, watched like the shop's own"
    )
    third_party: Literal["ignore", "report", "fail"] = Field(
        "ignore",
        description="Failed requests to other origins (pixels, widgets): no finding (they stay in the evidence's "
        "request log), report as warnings, or fail",
    )
    out_of_stock_texts: list[str] = Field(default_factory=list, description="Texts that mark a product out of stock")
    maintenance_texts: list[str] = Field(default_factory=list, description="Texts that mark a maintenance page")
    challenge_texts: list[str] = Field(
        default_factory=list, description="Texts that mark a bot challenge or block page"
    )


class BasicAuth(_Strict):
    """HTTP basic auth of a protected preview or staging deploy; take both from secret variables."""

    username: str = Field(min_length=1)
    password: Annotated[str, BeforeValidator(_to_str)]


_HEADER_NAME = r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$"


def _header_names(headers: dict[str, str]) -> dict[str, str]:
    bad = [name for name in headers if not re.match(_HEADER_NAME, name)]
    if bad:
        raise ValueError(f"not a valid HTTP header name: {', '.join(map(repr, bad))}")
    return headers


Headers = Annotated[dict[str, Annotated[str, BeforeValidator(_to_str)]], AfterValidator(_header_names)]


class Identify(_Strict):
    """How cxmon's browser says it is a synthetic monitor, so shops can leave its orders out of
    analytics and fulfilment (see docs/security.md).

    ``user_agent_suffix`` (on by default) is appended to the browser's (or the device's)
    User-Agent, on every request. ``header`` (off by default: name one, e.g. ``X-Cxmon-Synthetic``,
    to send it) goes with every request to the shop's own origin and its payment provider origins
    (``header_scope: own``, the default: added in flight, so a page's cross-origin fetches never
    need a CORS preflight for it), or with every request (``all``: set as an extra HTTP header,
    which makes cross-origin fetches and XHRs send a CORS preflight that some third parties refuse).
    The header is opt-in because ``own`` intercepts every own-origin request (a round trip through
    cxmon each, and no HTTP cache): about 0.1–0.2 CPU-s per journey (benchmarks/RESULTS.md).
    """

    header: str | None = Field(
        None, description="Header name, e.g. X-Cxmon-Synthetic; null (default): no header, the User-Agent suffix "
        "identifies the browser"
    )
    value: Annotated[str, BeforeValidator(_to_str)] = Field("1", description="Header value")
    header_scope: Literal["own", "all"] = Field("own", description="own: shop and provider origins; all: every request")
    user_agent_suffix: str = Field(
        "cxmon/{version} (synthetic monitoring)",
        description="Appended to the User-Agent; {version} is cxmon's version; empty: User-Agent unchanged",
    )

    @field_validator("header")
    @classmethod
    def _header_name(cls, name: str | None) -> str | None:
        if name is not None and not re.match(_HEADER_NAME, name):
            raise ValueError(f"not a valid HTTP header name: {name!r}")
        return name


class Http(_Strict):
    """How the browser talks to a protected shop: credentials and extra request headers.

    Basic auth answers the shop's 401 challenge, for the shop's own origin only (the base URL's, or
    ``--base-url``'s); the browser then keeps sending it. ``headers`` go with every request of the
    journey, as Playwright's ``extra_http_headers`` do, so a token there is seen by every origin
    the page loads from.
    """

    basic_auth: BasicAuth | None = None
    ignore_https_errors: bool = Field(
        False, description="Accept an invalid TLS certificate (self-signed staging); default: unreachable"
    )
    identify: Identify = Field(default_factory=Identify, description="The synthetic-traffic header and User-Agent")
    headers: Headers = Field(
        default_factory=dict, description="Extra request headers, e.g. {X-Preview-Token: ${TOKEN}}"
    )


class Cleanup(_Strict):
    """A request sent after the journey to undo the test order (e.g. cancel it through an API).

    Sent with the journey's browser context (its cookies, User-Agent and identifying header) once the
    steps are over, also when a step after the order failed. ``run: order_placed`` (the default)
    sends it only when the journey captured an order number (``${order_number}``); ``always`` after
    every journey that opened the shop. Its outcome is recorded in the result; a failed cleanup is a
    warning, never a journey failure.
    """

    method: Literal["GET", "POST", "PUT", "PATCH", "DELETE"] = "POST"
    url: str = Field(description="A URL, or a path under base_url; may use ${order_number}")
    headers: Headers = Field(default_factory=dict)
    body: str | dict[str, Any] | None = Field(None, description="Text, or a mapping sent as JSON")
    run: Literal["order_placed", "always"] = "order_placed"
    timeout: PositiveDuration = Field(10.0, description="Time limit of the request")


def _price_rule(rule: str) -> str:
    try:
        parse_price_rule(rule)
    except PriceRuleError as exc:
        raise ValueError(str(exc)) from None
    return rule


class Prices(_Strict):
    """What must hold between the money values the steps capture (see cxmon/pricing.py).

    Rules read ``name == name [+ name ...] [± tolerance]``; every captured name they use is read as
    money (any common format, with its currency). A broken rule is a ``price_mismatch`` finding.
    """

    rules: list[Annotated[str, AfterValidator(_price_rule)]] = Field(
        min_length=1, description="e.g. 'cart_price == product_price', 'order_total == cart_price + shipping'"
    )
    currency: str | None = Field(
        None, description="ISO 4217 code every value must be in; also tells which currency 'kr' or '$' means"
    )
    tolerance: Annotated[Decimal, BeforeValidator(parse_tolerance)] = Field(
        DEFAULT_TOLERANCE, description="Largest difference that still counts as equal (default 0.01)"
    )
    decimal_separator: Literal[",", "."] | None = Field(
        None, description="Settles amounts like '1,234' (default: a lone ',' or '.' before 3 digits groups)"
    )

    @field_validator("currency")
    @classmethod
    def _currency(cls, code: str | None) -> str | None:
        return _currency_code(code)

    def parsed_rules(self) -> list[PriceRule]:
        """The rules, parsed."""
        return [parse_price_rule(rule) for rule in self.rules]


class EmailMatch(_Strict):
    """How the confirmation e-mail is told apart from every other message in the folder."""

    order_number: bool = Field(True, description="The message names the order number captured at confirmation")
    to: str | None = Field(
        None, description="The address it is sent to, e.g. synthetic+${run_id}@example.com (typed in at checkout)"
    )


class Email(_Strict):
    """An order confirmation e-mail that must arrive in an IMAP mailbox (see docs/scenarios.md).

    Only ``folder`` is read; the matched message alone is deleted or moved (``after``). A message
    after ``timeout`` is ``email_late``, none within ``timeout + grace`` is ``email_missing``
    (both ``confirmation_missing``).
    """

    host: str = Field(min_length=1, description="IMAP server")
    port: int | None = Field(None, ge=1, le=65535, description="default 993 with tls, else 143")
    tls: bool = Field(True, description="IMAP over TLS (imaps); false: plain IMAP, upgraded with starttls")
    starttls: bool = Field(False, description="With tls: false, upgrade the connection with STARTTLS")
    user: Annotated[str, BeforeValidator(_to_str)] = Field(min_length=1)
    password: Annotated[str, BeforeValidator(_to_str)] = Field(
        description="From a secret variable: ${IMAP_PASSWORD}, with IMAP_PASSWORD listed under secrets:"
    )
    folder: str = Field("INBOX", min_length=1, description="The only folder read")
    match: EmailMatch = Field(default_factory=EmailMatch)
    subject: str | None = Field(None, description="Text the subject must contain")
    text: Annotated[list[str], BeforeValidator(_list_shorthand)] = Field(
        default_factory=list, description="Texts the message must contain"
    )
    total: str | None = Field(None, description="A captured money value (e.g. order_total) the message must show")
    timeout: Duration = Field(300.0, description="Time from order to e-mail after which it is late (default 5m)")
    grace: Duration = Field(0.0, description="How long after timeout a late mail is still looked for")
    poll: Duration = Field(2.0, description="Time between two looks into the folder")
    after: str = Field("delete", description="What to do with the matched message: delete, or move:FOLDER")

    @field_validator("after")
    @classmethod
    def _after(cls, value: str) -> str:
        if value != "delete" and not (value.startswith("move:") and value[5:].strip()):
            raise ValueError(f"expected delete or move:FOLDER, got {value!r}")
        return value

    @model_validator(mode="after")
    def _some_match(self) -> Email:
        if not self.match.order_number and self.match.to is None:
            raise ValueError("match: expected order_number: true, a to: address, or both")
        return self

    @property
    def imap_port(self) -> int:
        return self.port if self.port is not None else (993 if self.tls else 143)


class Scenario(_Strict):
    """A purchase path to walk, with its budgets, matrix and steps."""

    name: str = Field(pattern=_NAME, description="Unique name; the scenario metric label")
    description: str = ""
    base_url: str = Field(description="http(s) URL of the shop")
    schedule: PositiveDuration | None = Field(None, description="How often `cxmon serve` runs it")
    tags: list[str] = Field(default_factory=list)
    markets: dict[Annotated[str, Field(pattern=_LABEL)], Market] = Field(
        default_factory=dict,
        description="The shop's markets by name (e.g. fi, sv): the values of matrix.market",
    )
    matrix: Matrix = Field(default_factory=Matrix)
    budgets: Budgets = Field(default_factory=Budgets)
    timeouts: Timeouts = Field(default_factory=Timeouts)
    variables: dict[str, Annotated[str, BeforeValidator(_to_str)]] = Field(default_factory=dict)
    secrets: list[str] = Field(default_factory=list, description="Names of secret variables")
    detect: Detect = Field(default_factory=Detect)
    http: Http = Field(default_factory=Http, description="Basic auth and headers for protected deploys")
    steps: list[Step] = Field(min_length=1)
    strict: bool = Field(
        False, description="An action locator matching several visible elements fails the step instead of warning"
    )
    cleanup: Cleanup | None = Field(None, description="A request that undoes the test order after the journey")
    prices: Prices | None = Field(None, description="Rules the captured prices and totals must keep")
    email: Email | None = Field(None, description="The order confirmation e-mail that must arrive")
    maintenance: list[MaintenanceWindowSpec] = Field(
        default_factory=list, description="Recurring maintenance windows (see docs/maintenance.md)"
    )
    revenue: RevenueSpec | None = Field(
        None, description="What the path is worth per hour, for revenue at risk (see docs/revenue.md)"
    )

    @field_validator("maintenance")
    @classmethod
    def _own_windows(cls, windows: list[MaintenanceWindowSpec]) -> list[MaintenanceWindowSpec]:
        if any(w.scenarios for w in windows):
            raise ValueError("'scenarios:' belongs in a shared maintenance file; a scenario's windows are its own")
        return windows

    @field_validator("base_url")
    @classmethod
    def _http(cls, value: str) -> str:
        if not re.match(r"^https?://[^/\s]+", value):
            raise ValueError(f"expected an http:// or https:// URL, got {value!r}")
        return value.rstrip("/")

    def market_names(self) -> list[str]:
        """The markets the journeys walk: matrix.market, else every market listed, else ``default``."""
        return list(self.matrix.market or self.markets or [DEFAULT_LABEL])

    def payment_methods_in(self, market: str) -> list[str]:
        """The payment methods walked in ``market``: matrix.payment_method narrowed to those the market
        offers; without matrix.payment_method, the ones it offers; else ``default``."""
        offered = self.markets[market].payment_methods if market in self.markets else None
        if not self.matrix.payment_method:
            return list(offered or [DEFAULT_LABEL])
        return [m for m in self.matrix.payment_method if offered is None or m in offered]

    def revenue_axes(self, market: str) -> tuple[list[str], list[str], list[str]]:
        """The payment methods walked in ``market``, the devices and the markets, as revenue shares
        divide between them (empty: the scenario has no such axis)."""
        methods = [m for m in self.payment_methods_in(market) if m != DEFAULT_LABEL]
        return methods, list(self.matrix.device), [m for m in self.market_names() if m != DEFAULT_LABEL]


def scenario_json_schema() -> dict[str, Any]:
    """The JSON Schema of a scenario file, for editors."""
    schema = Scenario.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "cxmon scenario"
    return schema


# --- journeys ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Journey:
    """One walk of one scenario for one combination of labels."""

    key: JourneyKey
    scenario: Scenario
    steps: tuple[Step, ...]
    stages: tuple[Stage, ...]
    """The effective stage of each step (stated or inferred)."""
    source: str
    redactor: Redactor
    base_path: str = ""
    """The market's path under the scenario's base URL (``/fi``); kept under ``--base-url`` too."""

    @property
    def device(self) -> str | None:
        return None if self.key.device == DEFAULT_LABEL else self.key.device

    @property
    def market(self) -> Market | None:
        """The journey's market, ``None`` for a scenario without markets."""
        return self.scenario.markets.get(self.key.market)

    def base_url_for(self, override: str | None) -> str:
        """The shop URL this journey opens: ``--base-url`` (plus the market's path) or its own."""
        if override:
            return override.rstrip("/") + self.base_path
        return self.scenario.base_url.rstrip("/")


@dataclass(frozen=True)
class ScenarioFile:
    """A loaded scenario: the validated template and what is needed to expand it."""

    path: str
    scenario: Scenario
    raw: dict[str, Any]
    lines: dict[tuple[Any, ...], int]
    redactor: Redactor

    market_values: Mapping[str, Mapping[str, str]] | None = None
    """Per market, the value of every market variable it has (its own, else the scenario's)."""
    market_defaults: Collection[str] = ()
    """Names of market variables: a ``${NAME:-default}`` a market leaves unset takes its default."""

    def journeys(self, location: str = DEFAULT_LABEL) -> list[Journey]:
        """The scenario's matrix expanded into journeys, in a stable order: by market, then by the
        payment methods that market offers, then by device."""
        s = self.scenario
        devices = s.matrix.device or [DEFAULT_LABEL]
        out = []
        for market in s.market_names():
            for method, device in itertools.product(s.payment_methods_in(market), devices):
                key = JourneyKey(s.name, method, device, location, market)
                values = {**(self.market_values or {}).get(market, {}), **key.labels()}
                data = _fill_journey_values(self.raw, values, self.market_defaults)
                base_path = _apply_market(data, market)
                resolved = _validate(self.path, data, self.lines)
                steps = tuple(step for step in resolved.steps if step.applies_to(key))
                out.append(
                    Journey(key, resolved, steps, infer_stages(steps), self.path, self.redactor, base_path)
                )
        return out


def _apply_market(data: dict[str, Any], market: str) -> str:
    """Points ``data``'s base_url at the market's shop and makes the market's currency the default of
    ``prices.currency``; returns the market's path under the base URL ("" if none).

    Only well-formed values are touched: anything else is left for the schema to report.
    """
    markets = data.get("markets")
    spec = markets.get(market) if isinstance(markets, dict) else None
    if not isinstance(spec, dict):
        return ""
    prices = data.get("prices")
    if isinstance(prices, dict) and prices.get("currency") is None and isinstance(spec.get("currency"), str):
        data["prices"] = {**prices, "currency": spec["currency"]}
    url = spec.get("base_url")
    if not isinstance(url, str) or not url:
        return ""
    if url.startswith("/"):
        path = url.rstrip("/")
        if isinstance(data.get("base_url"), str):
            data["base_url"] = data["base_url"].rstrip("/") + path
        return path
    data["base_url"] = url
    return ""


def infer_stages(steps: Iterable[Step]) -> tuple[Stage, ...]:
    """Each step's stage: stated, else payment for pay, confirmation for confirm, else the previous one."""
    stages: list[Stage] = []
    previous = Stage.BROWSE
    for step in steps:
        if step.stage is not None:
            stage = step.stage
        elif step.pay is not None:
            stage = Stage.PAYMENT
        elif step.confirm is not None:
            stage = Stage.CONFIRMATION
        else:
            stage = previous
        stages.append(stage)
        previous = stage
    return tuple(stages)


# --- loading ----------------------------------------------------------------------------------

_VAR = re.compile(r"\$(\$?)\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


MAX_FILE_BYTES = 250_000
"""A scenario file is a few kilobytes; a bigger one is some other file (a log, a dump), and YAML
parsing in Python takes seconds per hundred kilobytes."""
MAX_DEPTH = 50
"""Levels of lists and mappings, counted through aliases; a scenario needs about six."""
MAX_VALUES = 50_000
"""Values, an alias counted as often as it is used: an alias of a list of aliases of ... grows
exponentially although the file stays small."""


class _Unreadable(yaml.MarkedYAMLError):
    """Well-formed YAML that cxmon will not build: too deep, too big, or an alias inside itself."""


class _LineLoader(yaml.SafeLoader):
    """SafeLoader that rejects duplicate keys, which plain YAML silently overwrites, and documents
    too deep or too big to be a scenario.

    Depth and size are checked while composing, before anything recurses over the document (the
    loader itself, line indexing, variable substitution, validation), and counted through aliases,
    so neither deep nesting nor a chain of aliases can exhaust the stack or the memory.
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._nesting = 0
        self._values = 0
        # id(node) → (depth, values) of every node composed so far, aliases expanded.
        self._shape: dict[int, tuple[int, int]] = {}

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            node = super().compose_node(parent, index)
            if node is None:
                return None
            if id(node) not in self._shape:
                raise _Unreadable(
                    None, None, f"alias *{event.anchor} is used inside the value it names (expected no loop)",
                    event.start_mark,
                )
            self._count(self._shape[id(node)][1], event.start_mark)
            return node
        start = self.peek_event().start_mark
        self._count(1, start)
        self._nesting += 1
        if self._nesting > MAX_DEPTH:
            raise _Unreadable(None, None, _TOO_DEEP, start)
        node = super().compose_node(parent, index)
        self._nesting -= 1
        if node is None:
            return None
        children: list[yaml.Node] = []
        if isinstance(node, yaml.SequenceNode):
            children = node.value
        elif isinstance(node, yaml.MappingNode):
            children = [n for pair in node.value for n in pair]
        depth = 1 + max((self._shape[id(c)][0] for c in children), default=0)
        values = 1 + sum(self._shape[id(c)][1] for c in children)
        if depth > MAX_DEPTH:
            raise _Unreadable(None, None, _TOO_DEEP, node.start_mark)
        self._shape[id(node)] = (depth, values)
        return node

    def _count(self, values: int, mark: yaml.Mark) -> None:
        # A running total, so a long file stops at its limit instead of after parsing to its end.
        self._values += values
        if self._values > MAX_VALUES:
            raise _Unreadable(None, None, _TOO_MANY, mark)

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            if key_node.tag == _BOOL_TAG and isinstance(key_node, yaml.ScalarNode) and not key_node.style:
                # YAML 1.1 reads a plain `on`, `yes` or `no` as a boolean; as a key (`press: {on: ...}`,
                # a form field named "No") it is always the word.
                key_node.tag = _STR_TAG
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue  # `<<: *anchor` keys; the keys written beside them override the merged ones
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    f"duplicate key {key!r} (first at line {seen[key]})",
                    key_node.start_mark,
                )
            seen[key] = key_node.start_mark.line + 1
        return super().construct_mapping(node, deep=deep)


_BOOL_TAG = "tag:yaml.org,2002:bool"
_STR_TAG = "tag:yaml.org,2002:str"
_TOO_DEEP = f"nested deeper than {MAX_DEPTH} levels (expected lists and mappings a few levels deep)"
_TOO_MANY = (
    f"more than {MAX_VALUES:,} values, an alias counted each time it is used "
    "(expected a scenario of a few hundred)"
)


def _parse(text: str) -> tuple[yaml.Node | None, Any]:
    """The document's node tree (for line numbers) and its value, composed once."""
    loader = _LineLoader(text)
    try:
        node = loader.get_single_node()
        return node, (loader.construct_document(node) if node is not None else None)
    finally:
        loader.dispose()


def _index_lines(node: yaml.Node, path: tuple[Any, ...], out: dict[tuple[Any, ...], int]) -> None:
    out.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key_path = (*path, key_node.value)
            out[key_path] = key_node.start_mark.line + 1
            _index_lines(value_node, key_path, out)
            out.setdefault((*key_path, "__value__"), value_node.start_mark.line + 1)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _index_lines(item, (*path, i), out)


def _line_of(lines: Mapping[tuple[Any, ...], int], loc: tuple[Any, ...]) -> int | None:
    for end in range(len(loc), -1, -1):
        line = lines.get(tuple(loc[:end]))
        if line is not None:
            return line
    return None


def _format_loc(loc: Iterable[Any]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif not str(part).isprintable():
            # A control character in a key would break the message's line (or the terminal).
            out += f"[{str(part)!r}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _fields_of(model: type[BaseModel]) -> list[str]:
    return list(model.model_fields)


def _model_at(loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The model whose keys are expected at ``loc`` (for 'unknown key' hints)."""
    model: Any = Scenario
    for part in loc:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(part) if isinstance(model, type) and issubclass(model, BaseModel) else None
        if field is None:
            return None
        model = _inner_model(field.annotation)
    return model if isinstance(model, type) and issubclass(model, BaseModel) else None


def _inner_model(annotation: Any) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _inner_model(arg)
        if found is not None:
            return found
    meta = getattr(annotation, "__origin__", None)
    if meta is not None and isinstance(meta, type) and issubclass(meta, BaseModel):
        return meta
    return None


def _message(err: Mapping[str, Any]) -> tuple[tuple[Any, ...], str]:
    loc = tuple(part for part in err["loc"] if part not in _UNION_TAGS)
    kind = err["type"]
    where = _format_loc(loc)
    if kind == "extra_forbidden":
        parent = loc[:-1]
        model = _model_at(parent)
        expected = f" (expected one of: {', '.join(_fields_of(model))})" if model else ""
        hint = _did_you_mean(loc[-1], _fields_of(model)) if model else ""
        return loc, f"{where}: unknown key {loc[-1]!r}{hint}{expected}"
    if kind == "missing":
        owner = _format_loc(loc[:-1])
        return loc[:-1], f"{owner + ': ' if owner else ''}missing required key {loc[-1]!r}"
    msg = str(err["msg"])
    msg = msg.removeprefix("Value error, ")
    if kind == "string_pattern_mismatch":
        pattern = err.get("ctx", {}).get("pattern", "")
        msg = (
            "expected a name of letters, digits, '-', '_' or '.'"
            if pattern == _NAME
            else "expected a snake_case word (a-z, 0-9, _)"
        )
        msg += f", got {err['input']!r}"
    elif kind == "enum":
        expected = err.get("ctx", {}).get("expected", "")
        msg = f"expected one of {expected}, got {err['input']!r}{_did_you_mean(err['input'], _quoted(expected))}"
    elif kind in ("string_type", "int_type", "bool_type", "list_type", "dict_type", "model_type", "float_type"):
        expected = {
            "string_type": "text",
            "int_type": "a whole number",
            "bool_type": "true or false",
            "list_type": "a list",
            "dict_type": "a mapping",
            "model_type": "a mapping",
            "float_type": "a number",
        }[kind]
        msg = f"expected {expected}, got {_yaml_type(err['input'])}"
    elif kind in ("bool_parsing", "int_parsing", "float_parsing", "int_from_float"):
        expected = {"bool_parsing": "true or false", "float_parsing": "a number"}.get(kind, "a whole number")
        msg = f"expected {expected}, got {err['input']!r}"
    elif kind == "too_short":
        msg = "expected at least one item"
    elif kind == "literal_error":
        expected = err.get("ctx", {}).get("expected", "")
        msg = f"expected {expected}, got {err['input']!r}{_did_you_mean(err['input'], _quoted(expected))}"
    return loc, f"{where}: {msg}" if where else msg


def _did_you_mean(given: Any, choices: Iterable[str]) -> str:
    """``, did you mean 'click'?`` when a close choice exists, else nothing."""
    if not isinstance(given, str):
        return ""
    close = difflib.get_close_matches(given, list(choices), n=1, cutoff=0.6)
    return f", did you mean {close[0]!r}?" if close else ""


def _quoted(expected: str) -> list[str]:
    # pydantic lists enum and literal choices as "'a', 'b' or 'c'".
    return re.findall(r"'([^']*)'", expected)


YAML_HINT = (
    "(common causes: a value containing ': ', ' #', '?', '{', '}', '[', ']' or ',' must be quoted, "
    "e.g. text: \"Who are you?\"; indent with spaces, not tabs)"
)


def _yaml_type(value: Any) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"a boolean ({str(value).lower()})"
    if isinstance(value, int | float):
        return f"a number ({value})"
    if isinstance(value, str):
        return f"text ({value!r})"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def _validate(path: str, data: Any, lines: Mapping[tuple[Any, ...], int]) -> Scenario:
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors(include_url=False):
            loc, msg = _message(err)
            problems.append((_line_of(lines, loc), msg))
        problems.sort(key=lambda p: (p[0] or 0, p[1]))
        raise ScenarioError(path, problems) from None


def _substitute(
    value: Any,
    path: tuple[Any, ...],
    lookup: Mapping[str, str],
    secrets: set[str],
    secret_values: set[str],
    problems: list[tuple[tuple[Any, ...], str]],
    deferred: Collection[str] = (),
) -> Any:
    if isinstance(value, dict):
        return {
            k: _substitute(v, (*path, k), lookup, secrets, secret_values, problems, deferred) for k, v in value.items()
        }
    if isinstance(value, list):
        return [
            _substitute(v, (*path, i), lookup, secrets, secret_values, problems, deferred) for i, v in enumerate(value)
        ]
    if not isinstance(value, str) or "${" not in value:
        return value

    def repl(m: re.Match[str]) -> str:
        escaped, name, default = m.group(1), m.group(2), m.group(3)
        if escaped:
            return m.group(0)[1:]
        if name in JOURNEY_VARIABLES or name in RUN_VARIABLES or name in deferred:
            return m.group(0)
        if name in lookup:
            resolved = lookup[name]
        elif default is not None:
            resolved = default
        else:
            problems.append(
                (
                    path,
                    f"{_format_loc(path)}: variable ${{{name}}} is not set (set it in the "
                    f"environment, under variables:, or write ${{{name}:-default}})",
                )
            )
            return ""
        if name in secrets:
            secret_values.add(resolved)
        return resolved

    return _VAR.sub(repl, value)


def _fill_journey_values(raw: Any, values: Mapping[str, str], defaults_for: Collection[str] = ()) -> Any:
    if isinstance(raw, dict):
        return {k: _fill_journey_values(v, values, defaults_for) for k, v in raw.items()}
    if isinstance(raw, list):
        return [_fill_journey_values(v, values, defaults_for) for v in raw]
    if isinstance(raw, str) and "${" in raw:

        def repl(m: re.Match[str]) -> str:
            name, default = m.group(2), m.group(3)
            if m.group(1):
                return m.group(0)
            if name in values:
                return values[name]
            return default if name in defaults_for and default is not None else m.group(0)

        return _VAR.sub(repl, raw)
    return raw


def load_scenario(
    path: str | Path,
    env: Mapping[str, str] | None = None,
    known_devices: Collection[str] | None = None,
) -> ScenarioFile:
    """Loads and validates one scenario file. Raises ``ScenarioError`` listing every problem."""
    path = Path(path)
    shown = str(path)
    env = os.environ if env is None else env
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ScenarioError(
                shown, [(None, f"the file has {size:,} bytes (expected a scenario of at most {MAX_FILE_BYTES:,})")]
            )
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError(shown, [(None, "no such file")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(shown, [(None, f"cannot read the file: {exc}")]) from None
    try:
        node, raw = _parse(text)
    except _Unreadable as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        raise ScenarioError(shown, [(line, exc.problem or "")]) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        problem = exc.problem or exc.context or "invalid YAML"
        # Syntax errors (not duplicate keys) mostly come from unquoted values: say so.
        hint = f" {YAML_HINT}" if isinstance(exc, yaml.scanner.ScannerError | yaml.parser.ParserError) else ""
        raise ScenarioError(shown, [(line, f"invalid YAML: {problem}{hint}")]) from None
    except yaml.YAMLError as exc:
        raise ScenarioError(shown, [(None, f"invalid YAML: {exc}")]) from None
    if not isinstance(raw, dict):
        raise ScenarioError(
            shown, [(1, f"expected a mapping of scenario keys (name, base_url, steps, ...), got {_yaml_type(raw)}")]
        )
    lines: dict[tuple[Any, ...], int] = {}
    if node is not None:
        _index_lines(node, (), lines)

    # Anything but a list of names is reported by the schema below; here it only must not break.
    listed = raw.get("secrets")
    secrets = {s for s in listed if isinstance(s, str)} if isinstance(listed, list) else set()
    listed_variables = raw.get("variables")
    variables = listed_variables if isinstance(listed_variables, dict) else {}
    problems: list[tuple[tuple[Any, ...], str]] = []
    secret_values: set[str] = set()
    # Variables are defaults for the environment; they may themselves use the environment.
    resolved_vars = {
        str(k): _to_str(_substitute(v, ("variables", k), env, secrets, secret_values, problems))
        for k, v in variables.items()
    }
    lookup = {**{k: str(v) for k, v in resolved_vars.items()}, **env}
    # Market variables are filled in per journey, from the journey's market.
    market_names = _market_variable_names(raw)
    data = _substitute({k: v for k, v in raw.items()}, (), lookup, secrets, secret_values, problems, market_names)
    for name in secrets:
        if name in lookup:
            secret_values.add(str(lookup[name]))
    market_values = _market_values(data, market_names, lookup)
    for values in market_values.values():
        secret_values.update(str(v) for k, v in values.items() if k in secrets)
    problems.extend(_unset_market_variables(data, market_values, market_names))
    if problems:
        raise ScenarioError(shown, sorted(((_line_of(lines, p), m) for p, m in problems), key=lambda x: x[0] or 0))

    scenario = _validate(shown, data, lines)
    extra: list[tuple[int | None, str]] = []
    for i, name in enumerate(scenario.secrets):
        if not re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", name):
            extra.append((_line_of(lines, ("secrets", i)), f"secrets[{i}]: expected a variable name, got {name!r}"))
    extra.extend(_check_markets(scenario, lines))
    if known_devices is not None:
        for i, device in enumerate(scenario.matrix.device):
            if device != DEFAULT_LABEL and device not in known_devices:
                close = sorted(d for d in known_devices if device.lower() in d.lower())[:5]
                close = close or difflib.get_close_matches(device, sorted(known_devices), n=3, cutoff=0.85)
                hint = f" (did you mean: {', '.join(close)})" if close else " (see `cxmon devices`)"
                extra.append(
                    (_line_of(lines, ("matrix", "device", i)), f"matrix.device[{i}]: unknown device {device!r}{hint}")
                )
    seen_steps: dict[str, int] = {}
    for i, step in enumerate(scenario.steps):
        if step.name in seen_steps:
            extra.append(
                (
                    _line_of(lines, ("steps", i, "name")),
                    f"steps[{i}].name: duplicate step name {step.name!r} (also steps[{seen_steps[step.name]}])",
                )
            )
        seen_steps.setdefault(step.name, i)
        for dim in step.when:
            if dim == "market":
                extra.extend(_check_when_market(scenario, step.when["market"], i, lines))
            elif dim in MATRIX_DIMENSIONS and not getattr(scenario.matrix, dim):
                extra.append(
                    (
                        _line_of(lines, ("steps", i, "when", dim)),
                        f"steps[{i}].when.{dim}: the scenario has no matrix.{dim} to select from",
                    )
                )
    extra.extend(_check_after_purchase(scenario, raw, secrets, lines))
    if extra:
        raise ScenarioError(shown, extra)
    # Validate every journey now, so a matrix value that breaks a step fails here, not mid-run.
    sf = ScenarioFile(shown, scenario, data, lines, Redactor(secret_values), market_values, market_names)
    sf.journeys()
    return sf


def _market_variable_names(raw: Mapping[str, Any]) -> frozenset[str]:
    """Names defined under any market's ``variables:`` (malformed entries are the schema's to report)."""
    markets = raw.get("markets")
    names: set[str] = set()
    for spec in markets.values() if isinstance(markets, dict) else ():
        variables = spec.get("variables") if isinstance(spec, dict) else None
        if isinstance(variables, dict):
            names.update(str(k) for k in variables)
    return frozenset(names)


def _market_values(
    data: Mapping[str, Any], names: Collection[str], lookup: Mapping[str, str]
) -> dict[str, dict[str, str]]:
    """Per market, the value of each market variable: the market's own, else the scenario's or the
    environment's; a name set nowhere is absent."""
    markets = data.get("markets")
    out: dict[str, dict[str, str]] = {}
    for market, spec in markets.items() if isinstance(markets, dict) else ():
        own = spec.get("variables") if isinstance(spec, dict) else None
        own = own if isinstance(own, dict) else {}
        out[str(market)] = {
            name: str(_to_str(own[name])) if name in own else str(lookup[name])
            for name in names
            if name in own or name in lookup
        }
    return out


def _unset_market_variables(
    data: Mapping[str, Any], market_values: Mapping[str, Mapping[str, str]], names: Collection[str]
) -> list[tuple[tuple[Any, ...], str]]:
    """A ``${NAME}`` (no default) of a market variable that some walked market leaves unset."""
    if not names:
        return []
    matrix = data.get("matrix")
    listed = matrix.get("market") if isinstance(matrix, dict) else None
    walked = [m for m in (listed if isinstance(listed, list) else market_values) if m in market_values]
    problems: list[tuple[tuple[Any, ...], str]] = []

    def visit(value: Any, path: tuple[Any, ...]) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                if path == ("markets",):
                    continue  # the definitions themselves
                visit(v, (*path, k))
        elif isinstance(value, list):
            for i, v in enumerate(value):
                visit(v, (*path, i))
        elif isinstance(value, str):
            for m in _VAR.finditer(value):
                name = m.group(2)
                if m.group(1) or m.group(3) is not None or name not in names:
                    continue
                missing = [market for market in walked if name not in market_values[market]]
                if missing:
                    problems.append(
                        (
                            path,
                            f"{_format_loc(path)}: variable ${{{name}}} is not set for market "
                            f"{', '.join(missing)} (set it under markets.{missing[0]}.variables or variables:, "
                            f"or write ${{{name}:-default}})",
                        )
                    )

    visit(data, ())
    return problems


def _check_markets(scenario: Scenario, lines: Mapping[tuple[Any, ...], int]) -> list[tuple[int | None, str]]:
    """The matrix names markets that exist, and every payment method it lists is offered somewhere."""
    problems: list[tuple[int | None, str]] = []
    known = list(scenario.markets)
    for i, market in enumerate(scenario.matrix.market):
        if market not in scenario.markets:
            listed = f"markets: {', '.join(known)}" if known else "no markets: are listed"
            problems.append(
                (
                    _line_of(lines, ("matrix", "market", i)),
                    f"matrix.market[{i}]: unknown market {market!r}{_did_you_mean(market, known)} ({listed})",
                )
            )
    if problems:
        return problems
    walked = scenario.market_names()
    offers = {m: scenario.markets[m].payment_methods for m in walked if m in scenario.markets}
    if not any(v is not None for v in offers.values()):
        return problems
    offered = {method for methods in offers.values() for method in methods or scenario.matrix.payment_method}
    said = "; ".join(f"{m} offers {', '.join(v) if v else 'none'}" for m, v in offers.items() if v is not None)
    for i, method in enumerate(scenario.matrix.payment_method):
        if method not in offered:
            problems.append(
                (
                    _line_of(lines, ("matrix", "payment_method", i)),
                    f"matrix.payment_method[{i}]: {method!r} is offered by no market of the matrix"
                    f"{_did_you_mean(method, sorted(offered))} ({said})",
                )
            )
    for market in walked:
        if market in scenario.markets and not scenario.payment_methods_in(market):
            problems.append(
                (
                    _line_of(lines, ("markets", market, "payment_methods")),
                    f"markets.{market}.payment_methods: offers none of matrix.payment_method "
                    f"({', '.join(scenario.matrix.payment_method)}), so the market would have no journey",
                )
            )
    return problems


def _check_when_market(
    scenario: Scenario, markets: list[str], step: int, lines: Mapping[tuple[Any, ...], int]
) -> list[tuple[int | None, str]]:
    if not scenario.markets:
        return [
            (
                _line_of(lines, ("steps", step, "when", "market")),
                f"steps[{step}].when.market: the scenario has no markets: to select from",
            )
        ]
    known = list(scenario.markets)
    return [
        (
            _line_of(lines, ("steps", step, "when", "market")),
            f"steps[{step}].when.market: unknown market {m!r}{_did_you_mean(m, known)} (markets: {', '.join(known)})",
        )
        for m in markets
        if m not in scenario.markets
    ]


_SECRET_REF = re.compile(r"^\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-[^}]*)?\}$")


def _check_after_purchase(
    scenario: Scenario, raw: Mapping[str, Any], secrets: Collection[str], lines: Mapping[tuple[Any, ...], int]
) -> list[tuple[int | None, str]]:
    """Cross-checks of ``capture:``, ``prices:`` and ``email:`` that one model alone cannot see."""
    problems: list[tuple[int | None, str]] = []
    captured: dict[str, int] = {}
    for i, step in enumerate(scenario.steps):
        for name in step.capture or {}:
            if name in captured:
                problems.append(
                    (
                        _line_of(lines, ("steps", i, "capture", name)),
                        f"steps[{i}].capture.{name}: already captured by steps[{captured[name]}]",
                    )
                )
            captured.setdefault(name, i)
    known = ", ".join(captured) or "none"
    if scenario.prices is not None:
        for i, rule in enumerate(scenario.prices.parsed_rules()):
            for name in rule.names:
                if name not in captured:
                    problems.append(
                        (
                            _line_of(lines, ("prices", "rules", i)),
                            f"prices.rules[{i}]: {name!r} is not captured by any step (captured: {known})",
                        )
                    )
    email = scenario.email
    if email is not None:
        if email.total is not None and email.total not in captured:
            problems.append(
                (
                    _line_of(lines, ("email", "total")),
                    f"email.total: {email.total!r} is not captured by any step (captured: {known})",
                )
            )
        raw_email = raw.get("email")
        password = raw_email.get("password", "") if isinstance(raw_email, dict) else ""
        ref = _SECRET_REF.match(str(password))
        if ref is None or ref.group(1) not in secrets:
            problems.append(
                (
                    _line_of(lines, ("email", "password")),
                    "email.password: expected a secret variable such as ${IMAP_PASSWORD}, "
                    "with its name listed under secrets:",
                )
            )
        if email.match.order_number and not any(s.confirm and s.confirm.order_number for s in scenario.steps):
            problems.append(
                (
                    _line_of(lines, ("email", "match")) or _line_of(lines, ("email",)),
                    "email.match.order_number: no step captures an order number (confirm: {order_number: REGEX})",
                )
            )
    return problems


def discover(paths: Iterable[str | Path]) -> list[Path]:
    """Scenario files named or found (recursively, *.yml/*.yaml, sorted) under folders."""
    found: list[Path] = []
    for p in paths:
        path = Path(p)
        if path.is_dir():
            files = sorted(f for f in path.rglob("*") if f.suffix in SCENARIO_SUFFIXES and f.is_file())
            if not files:
                raise InputError(f"{path}: no scenario files (*.yml, *.yaml) in this folder")
            found.extend(files)
        elif path.exists():
            found.append(path)
        else:
            raise InputError(f"{path}: no such file or folder")
    return found


def load_scenarios(
    paths: Iterable[str | Path],
    env: Mapping[str, str] | None = None,
    known_devices: Collection[str] | None = None,
) -> list[ScenarioFile]:
    """Loads every scenario under ``paths``.

    Raises ``InputError`` for a missing path, and one ``ScenarioErrors`` carrying every invalid
    file's problems, so a user sees them all at once.
    """
    files = discover(paths)
    loaded: list[ScenarioFile] = []
    errors: list[ScenarioError] = []
    for f in files:
        try:
            loaded.append(load_scenario(f, env=env, known_devices=known_devices))
        except ScenarioError as exc:
            errors.append(exc)
    seen: dict[str, str] = {}
    for sf in loaded:
        name = sf.scenario.name
        if name in seen:
            errors.append(
                ScenarioError(
                    sf.path, [(sf.lines.get(("name",)), f"duplicate scenario name {name!r} (also in {seen[name]})")]
                )
            )
        else:
            seen[name] = sf.path
    if errors:
        raise ScenarioErrors(errors)
    return loaded
