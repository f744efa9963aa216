"""Actions → a commented scenario file.

Steps follow the order in which cxmon runs a step's actions (goto, fill, select, check, pay,
click, press, wait_for, expect, confirm): a customer's run of fills and checks, the click that
sends them, and what the next page must show make one step. Stages are guessed from the texts and
URLs (phrases as data in :data:`STAGE_WORDS`) and marked for review; card and password fields
become secret variables; the last page's expectations become ``confirm:``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from cxmon.authoring.actions import Action, Unsupported, to_actions
from cxmon.authoring.chains import Chain, Statement
from cxmon.errors import InputError
from cxmon.model import Stage

PYTHON_SUFFIXES = (".py",)
JAVASCRIPT_SUFFIXES = (".js", ".mjs", ".cjs", ".ts", ".mts", ".cts")

# Words that say where on the purchase path an action or a URL is; lower case, matched as
# substrings. Data, not logic: add a language's words here.
STAGE_WORDS: dict[Stage, tuple[str, ...]] = {
    Stage.CART: ("cart", "basket", "bag", "ostoskori", "warenkorb", "panier", "varukorg", "handlekurv"),
    Stage.CHECKOUT: ("checkout", "check out", "shipping", "delivery", "address", "kassa", "toimitus",
                     "versand", "livraison"),
    Stage.PAYMENT: ("pay", "payment", "card", "cvc", "billing", "maksa", "maksu", "zahl", "paiement", "betal"),
    Stage.CONFIRMATION: ("confirm", "thank", "receipt", "order-complete", "success", "kiitos", "danke", "merci",
                         "tack", "takk"),
}
_STAGE_ORDER = [Stage.BROWSE, Stage.CART, Stage.CHECKOUT, Stage.PAYMENT, Stage.CONFIRMATION]

# Fields whose values are secret: the variable name and the words of a field's label or name.
SECRET_FIELDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("CARD_NUMBER", ("card number", "cardnumber", "card-number", "cc-number", "1234 1234", "kortin numero",
                     "kartennummer")),
    ("CARD_CVC", ("cvc", "cvv", "security code", "csc", "turvakoodi")),
    ("CARD_EXPIRY", ("expiry", "expiration", "exp date", "mm/yy", "mm / yy", "voimassa")),
    ("PASSWORD", ("password", "salasana", "passwort")),
)
_ORDER = {"goto": 0, "fill": 1, "select": 2, "check": 3, "pay": 4, "click": 5, "press": 6, "wait_for": 7,
          "expect": 8, "confirm": 9}


@dataclass
class Conversion:
    """The scenario text written, and what could not be converted."""

    text: str
    unsupported: list[Unsupported]
    steps: int


@dataclass
class _Step:
    actions: dict[str, Any] = field(default_factory=dict)
    texts: list[str] = field(default_factory=list)
    url: str | None = None
    stage: Stage = Stage.BROWSE
    stage_reason: str = ""
    name: str = ""

    def last_order(self) -> int:
        return max((_ORDER[k] for k in self.actions), default=-1)


def read_script(path: Path) -> list[Chain | Statement]:
    """Parses a Python or JavaScript/TypeScript Playwright script by its suffix."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read the file: {exc}") from None
    if path.suffix in PYTHON_SUFFIXES:
        from cxmon.authoring.python_script import read_python

        return read_python(str(path), text)
    if path.suffix in JAVASCRIPT_SUFFIXES:
        from cxmon.authoring.js_script import read_javascript

        return read_javascript(str(path), text)
    raise InputError(
        f"{path}: expected a Playwright script ending in {', '.join(PYTHON_SUFFIXES + JAVASCRIPT_SUFFIXES)}"
    )


def import_script(
    path: Path, name: str | None = None, last_page: LastPage | None = None, origin: str | None = None
) -> Conversion:
    """Converts a Playwright script file into scenario text; ``origin`` says where it came from
    in the file's header (default: the script's path)."""
    return convert_script(read_script(path), name or slug(path.stem) or "imported", origin or str(path), last_page)


@dataclass(frozen=True)
class LastPage:
    """What the recorder saw on the journey's last page: its URL, main heading and text."""

    url: str
    heading: str
    text: str


def convert_script(
    statements: list[Chain | Statement], name: str, source: str, last_page: LastPage | None = None
) -> Conversion:
    """Converts parsed statements into a scenario named ``name``."""
    found = to_actions(statements)
    actions = _dropdown_picks(_drop_focus_clicks(found.actions))
    unsupported = list(found.unsupported)
    gotos = [a for a in actions if a.kind == "goto"]
    if not gotos:
        raise InputError(f"{source}: no page.goto(URL) in the script: cxmon needs the shop's address")
    base = _origin(gotos[0].value or "")
    if not base:
        raise InputError(f"{source}:{gotos[0].line}: expected an http:// or https:// URL, got {gotos[0].value!r}")
    secrets: dict[str, None] = {}
    steps = _group(actions, base, secrets, unsupported)
    _stage_steps(steps)
    _confirmation(steps, last_page)
    _name_steps(steps)
    text = _write(name, base, source, steps, list(secrets), unsupported)
    return Conversion(text, sorted(unsupported, key=lambda u: u.line), len(steps))


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme in ("http", "https") and parts.netloc else ""


def _drop_focus_clicks(actions: list[Action]) -> list[Action]:
    """Recorders write a click into a field before typing in it: the fill clicks by itself."""
    out: list[Action] = []
    for i, action in enumerate(actions):
        after = actions[i + 1] if i + 1 < len(actions) else None
        if (
            action.kind == "click"
            and after is not None
            and after.kind in ("fill", "press")
            and after.target == action.target
            and after.frame == action.frame
        ):
            continue
        out.append(action)
    return out


_OPTION_ROLES = ("option", "menuitem", "menuitemradio", "treeitem")


def _dropdown_picks(actions: list[Action]) -> list[Action]:
    """A click that opens a custom dropdown and a click on one of its options is one ``select``:
    cxmon's select opens a dropdown that is not a ``<select>`` and picks the option by its text."""
    out: list[Action] = []
    i = 0
    while i < len(actions):
        action = actions[i]
        after = actions[i + 1] if i + 1 < len(actions) else None
        if (
            action.kind == "click"
            and after is not None
            and after.kind == "click"
            and not action.frame
            and not after.frame
            and after.target is not None
            and set(after.target) <= {"role", "name", "exact"}
            and after.target.get("role") in _OPTION_ROLES
            and after.target.get("name")
        ):
            out.append(Action("select", action.line, action.source, action.target, after.target["name"]))
            i += 2
            continue
        out.append(action)
        i += 1
    return out


def _literal(value: str) -> str:
    # A recorded value is text: ${ in it is not a variable.
    return value.replace("${", "$${")


def _secret_name(target: dict[str, Any]) -> str | None:
    words = " ".join(str(v) for k, v in target.items() if k in ("label", "name", "placeholder", "selector", "test_id",
                                                                   "text")).lower()
    for var, hints in SECRET_FIELDS:
        if any(h in words for h in hints):
            return var
    return None


def _field(action: Action, secrets: dict[str, None]) -> dict[str, Any]:
    assert action.target is not None and action.value is not None
    value = _literal(action.value)
    secret = _secret_name(action.target) if action.kind == "fill" else None
    if secret:
        secrets[secret] = None
        # The recorded value stays as the default so the scenario runs as recorded; a CI secret
        # of that name overrides it.
        value = f"${{{secret}:-{value}}}"
    return {**action.target, "value": value}


def _group(actions: list[Action], base: str, secrets: dict[str, None], unsupported: list[Unsupported]) -> list[_Step]:
    steps: list[_Step] = []
    current = _Step()
    url = base + "/"

    def start() -> _Step:
        nonlocal current
        if current.actions:
            steps.append(current)
        current = _Step(url=url)
        return current

    def put(key: str, value: Any, text: str | None = None) -> None:
        step = current
        repeatable = key in ("fill", "select", "check")
        if key in step.actions and not repeatable:
            step = start()
        elif "goto" in step.actions and key != "expect":
            # Opening a page is a step of its own: its time is the page's load.
            step = start()
        elif step.last_order() > _ORDER[key] or (step.last_order() == _ORDER[key] and not repeatable):
            step = start()
        if repeatable:
            step.actions.setdefault(key, []).append(value)
        else:
            step.actions[key] = value
        if text:
            step.texts.append(text)

    for action in actions:
        kind = action.kind
        if kind == "goto":
            target = action.value or ""
            url = target
            start()
            current.url = url
            put("goto", target[len(base):] or "/" if _origin(target) == base else target, _path(target))
        elif kind == "fill" and action.frame:
            _pay_field(current, action, secrets, start)
        elif kind == "fill":
            put("fill", _field(action, secrets), _words(action.target))
        elif kind == "select":
            put("select", _field(action, secrets), _words(action.target))
        elif kind == "check":
            put("check", action.target, _words(action.target))
        elif kind in ("click", "press") and action.frame:
            unsupported.append(Unsupported(action.line, action.source, f"a {kind} inside an iframe"))
        elif kind == "click":
            put("click", action.target, _words(action.target))
        elif kind == "press":
            put("press", {"key": action.value, "on": action.target} if action.target else action.value)
        elif kind == "wait_url":
            put("wait_for", {"url": re.escape(action.value or "")}, _path(action.value or ""))
            url = action.value or url
        else:
            _expect(current, action, put)
            if kind == "expect_url":
                url = action.value or url
    start()
    return steps


def _expect(current: _Step, action: Action, put: Any) -> None:
    check = action.kind.removeprefix("expect_")
    key = {"visible": "visible", "text": "text", "not_text": "not_text", "url": "url", "title": "title"}[check]
    value: Any
    if check == "visible":
        value = action.target
    elif check == "url":
        # to_have_url takes the whole URL; expect.url searches a regular expression in it.
        value = re.escape(urlsplit(action.value or "").path or "/") if _origin(action.value or "") else re.escape(
            action.value or "")
    else:
        value = action.value
    existing = current.actions.get("expect")
    if existing is not None and key not in existing and current.last_order() == _ORDER["expect"]:
        existing[key] = value
        return
    put("expect", {key: value}, str(value) if check in ("text", "title") else None)


def _pay_field(current: _Step, action: Action, secrets: dict[str, None], start: Any) -> None:
    """A field inside an iframe is a payment provider's form: cxmon's ``pay:`` looks in every frame."""
    step = current
    if step.last_order() > _ORDER["pay"]:
        step = start()
    pay = step.actions.get("pay")
    if pay is None:
        checks = step.actions.get("check") or []
        chooser = checks.pop() if checks else None
        if not checks:
            step.actions.pop("check", None)
        method = slug((chooser or {}).get("label") or (chooser or {}).get("name") or (chooser or {}).get("text")
                       or "card").replace("-", "_") or "card"
        pay = {"method": method}
        if chooser:
            pay["select"] = chooser
        pay["fill"] = []
        step.actions["pay"] = pay
    pay["fill"].append(_field(action, secrets))
    step.texts.append(_words(action.target))


def _words(target: dict[str, Any] | None) -> str:
    """The words a customer would use for an element, most telling first."""
    if not target:
        return ""
    words = [str(target[k]) for k in ("name", "has_text", "text", "label", "placeholder", "test_id", "title", "alt",
                                      "selector") if k in target]
    if "name" not in target and "role" in target:
        words.append(str(target["role"]))
    return " ".join(words)


def _path(url: str) -> str:
    return urlsplit(url).path or url


def _guess(text: str) -> Stage | None:
    text = text.lower()
    best: Stage | None = None
    for stage in _STAGE_ORDER[1:]:
        if any(word in text for word in STAGE_WORDS[stage]):
            best = stage
    return best


def _stage_steps(steps: list[_Step]) -> None:
    """The stage of each step: from its own words, never going back along the purchase path."""
    previous = Stage.BROWSE
    for step in steps:
        stage = previous
        reason = "as the step before"
        if "pay" in step.actions:
            stage, reason = Stage.PAYMENT, "a payment form"
        else:
            for text in [step.url or "", *_stage_texts(step)]:
                guess = _guess(text)
                if guess is not None and _STAGE_ORDER.index(guess) > _STAGE_ORDER.index(stage):
                    stage, reason = guess, f"from {text!r}"
        if _STAGE_ORDER.index(stage) < _STAGE_ORDER.index(previous):
            stage = previous
        if step is steps[0]:
            reason = reason if stage is not Stage.BROWSE else "the first step"
        step.stage, step.stage_reason = stage, reason
        previous = stage


def _stage_texts(step: _Step) -> list[str]:
    """A form's fields say where the customer is; a lone click says where it leads (Add to cart → cart)."""
    fields = [_words(f) for key in ("fill", "select", "check") for f in step.actions.get(key, [])]
    if fields:
        return fields
    return step.texts


def _confirmation(steps: list[_Step], last_page: LastPage | None) -> None:
    """After the payment, the last page's expectations become ``confirm:``."""
    if not steps:
        return
    paid = any(s.stage in (Stage.PAYMENT, Stage.CONFIRMATION) for s in steps)
    last = steps[-1]
    expect = last.actions.get("expect")
    visible = (expect or {}).get("visible")
    if expect is not None and isinstance(visible, dict) and set(visible) == {"text"} and "text" not in expect:
        # expect(page.get_by_text("Thank you")).to_be_visible(): the confirmation text.
        expect["text"] = expect.pop("visible")["text"]
    if paid and expect is not None and ("text" in expect or "url" in expect):
        confirm: dict[str, Any] = {}
        if "text" in expect:
            confirm["text"] = expect.pop("text")
        if "url" in expect:
            confirm["url"] = expect.pop("url")
        if not expect:
            last.actions.pop("expect")
        if len(last.actions) > 0 and any(k != "expect" for k in last.actions):
            # The step that paid keeps its actions; the confirmation is the page it led to.
            step = _Step(url=last.url)
            steps.append(step)
            last = step
        last.actions["confirm"] = confirm
        last.stage, last.stage_reason = Stage.CONFIRMATION, "the page after paying"
    if last_page is not None and paid and "confirm" not in last.actions:
        confirm = {"text": last_page.heading} if last_page.heading else {}
        pattern = order_number_pattern(last_page.text)
        if pattern:
            confirm["order_number"] = pattern
        if confirm:
            step = _Step(url=last_page.url)
            step.actions["confirm"] = confirm
            step.stage, step.stage_reason = Stage.CONFIRMATION, "the last page recorded"
            steps.append(step)
    elif last_page is not None and "confirm" in last.actions and "order_number" not in last.actions["confirm"]:
        pattern = order_number_pattern(last_page.text)
        if pattern:
            last.actions["confirm"]["order_number"] = pattern


# A line that ends in an order number: a label ending in a space, '#', ':' or '.', then a token
# of capitals, digits and dashes with at least one digit or dash (DS-7KQX9A, NO48213, A-77812).
_ORDER_NUMBER = re.compile(r"^(\D{1,39}?[\s#:.№])\s*((?=[A-Z0-9-]*[\d-])[A-Z0-9][A-Z0-9-]{3,})$")


def order_number_pattern(text: str) -> str | None:
    """A regular expression capturing an order number on a confirmation page, from the text that
    precedes it on its line (``Order #DS-7KQX9A`` → ``Order #\\s*([A-Z0-9-]+)``)."""
    for line in text.splitlines():
        line = line.strip()
        m = _ORDER_NUMBER.match(line)
        if m and re.search(r"[A-Za-zÀ-ÿ]", m.group(1)):
            prefix = m.group(1).rstrip()
            return f"{_escape(prefix)}\\s*([A-Z0-9-]+)"
    return None


def _escape(text: str) -> str:
    # re.escape also escapes spaces and '#' (for verbose patterns); a reader need not see those.
    return re.escape(text).replace("\\ ", " ").replace("\\#", "#")


def slug(text: str) -> str:
    """A step or scenario name from words: ASCII letters, digits and dashes."""
    # Step names are ASCII: "Lisää ostoskoriin" → "lisaa-ostoskoriin".
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    out = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return out[:40].rstrip("-")


def _name_steps(steps: list[_Step]) -> None:
    seen: dict[str, int] = {}
    for step in steps:
        a = step.actions
        if "confirm" in a:
            base = "confirmation"
        elif "pay" in a:
            base = "pay"
        elif "click" in a:
            base = slug(_words(a["click"]))
        elif "press" in a:
            press = a["press"]
            base = "press-" + slug(press if isinstance(press, str) else press["key"])
        elif "fill" in a:
            base = "fill-" + slug(_words(a["fill"][0]))
        elif "select" in a:
            base = "select-" + slug(_words(a["select"][0]))
        elif "check" in a:
            base = "check-" + slug(_words(a["check"][0]))
        elif "goto" in a:
            path = a["goto"]
            base = "home" if path == "/" else slug(path) or "open"
        else:
            base = "check-page"
        base = base or "step"
        seen[base] = seen.get(base, 0) + 1
        step.name = base if seen[base] == 1 else f"{base}-{seen[base]}"


def _dump(key: str, value: Any) -> list[str]:
    if not isinstance(value, dict | list):
        scalar = yaml.safe_dump(value, allow_unicode=True, width=1000).removesuffix("\n...\n").rstrip("\n")
        return [f"{key}: {scalar}"]
    text = yaml.safe_dump({key: value}, default_flow_style=None, sort_keys=False, allow_unicode=True, width=110)
    return text.rstrip("\n").splitlines()


def _shorthand(fields: list[dict[str, Any]]) -> list[dict[str, Any]] | dict[str, Any]:
    """``{Email: a@b.c}`` when every field is found by its label alone, as people write it."""
    labels = [f.get("label") for f in fields]
    if all(set(f) == {"label", "value"} for f in fields) and len(set(labels)) == len(labels):
        return {f["label"]: f["value"] for f in fields}
    return fields


def _write(name: str, base: str, source: str, steps: list[_Step], secrets: list[str],
           unsupported: list[Unsupported]) -> str:
    lines = [
        f"# Converted from {source}.",
        "# Review before use: the stages are guessed (marked `review`), and each step should say what",
        "# the customer must see next (expect:), so a changed page fails where it changed.",
    ]
    if unsupported:
        lines.append("# Not converted (add by hand if they matter):")
        for u in sorted(unsupported, key=lambda u: u.line):
            lines.append(f"#   line {u.line}: {u.source}  ({u.reason})")
    lines += _dump("name", name)
    lines += _dump("base_url", base)
    if secrets:
        lines.append("# Card and password fields read these variables; the recorded values are defaults.")
        lines.append("# Set them in the environment (CI secrets) and delete the defaults for real data.")
        lines += _dump("secrets", secrets)
    lines.append("steps:")
    for step in steps:
        lines.append(f"  - name: {step.name}")
        lines.append(f"    stage: {step.stage.value}  # review: guessed ({step.stage_reason})")
        for key in sorted(step.actions, key=lambda k: _ORDER[k]):
            value = step.actions[key]
            if key == "check" and len(value) == 1:
                value = value[0]
            elif key in ("fill", "select"):
                value = _shorthand(value)
            for line in _dump(key, value):
                lines.append(f"    {line}")
    return "\n".join(lines) + "\n"
