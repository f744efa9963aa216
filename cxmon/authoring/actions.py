"""Call chains → the actions a customer took, in cxmon's terms.

A locator chain (``page.get_by_role(...).filter(has_text=...).nth(1)``) becomes a scenario locator
mapping; an action (``.click()``, ``.fill(v)``...) or an assertion (``expect(...).to_be_visible()``)
becomes an :class:`Action`. Set-up and tear-down (launching the browser, opening a context or a
page, closing them) is recognised and left out; anything else that cannot be converted becomes an
:class:`Unsupported` with its line and the reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cxmon.authoring.chains import Chain, Link, Opaque, Statement

# Roots whose calls only set the browser up or tear it down.
_SETUP_ROOTS = {"browser", "context", "playwright", "chromium", "firefox", "webkit", "asyncio", "run", "main",
                "sync_playwright", "async_playwright", "test", "console", "process"}
_SETUP_PAGE_CALLS = {"close", "set_default_timeout", "set_default_navigation_timeout", "set_viewport_size",
                     "bring_to_front", "pause"}
_BY = {
    "get_by_role": "role",
    "get_by_text": "text",
    "get_by_label": "label",
    "get_by_test_id": "test_id",
    "get_by_placeholder": "placeholder",
    "get_by_alt_text": "alt",
    "get_by_title": "title",
    "locator": "selector",
}
_ACTIONS = {"click", "fill", "check", "select_option", "press", "type", "press_sequentially"}
_EXPECTS = {
    "to_be_visible": "visible",
    "to_have_url": "url",
    "to_contain_text": "text",
    "to_have_text": "text",
    "to_have_title": "title",
}


@dataclass
class Action:
    """One thing the customer did or must see. ``kind``: goto, click, fill, check, select, press,
    expect_visible, expect_text, expect_url, expect_title. ``frame``: the element is inside an iframe."""

    kind: str
    line: int
    source: str
    target: dict[str, Any] | None = None
    value: str | None = None
    frame: bool = False


@dataclass(frozen=True)
class Unsupported:
    """A line of the script that did not become part of the scenario, and why."""

    line: int
    source: str
    reason: str


@dataclass
class Actions:
    """What a script does, in order, and what could not be converted."""

    actions: list[Action] = field(default_factory=list)
    unsupported: list[Unsupported] = field(default_factory=list)


class _Skip(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def to_actions(statements: list[Chain | Statement]) -> Actions:
    """Converts every statement; set-up lines vanish, the rest are actions or unsupported."""
    out = Actions()
    for st in statements:
        if isinstance(st, Statement):
            out.unsupported.append(Unsupported(st.line, st.source, "not a Playwright call cxmon can convert"))
            continue
        try:
            action = _convert(st)
        except _Skip as exc:
            out.unsupported.append(Unsupported(st.line, st.source, exc.reason))
            continue
        if action is not None:
            out.actions.append(action)
    return out


def _convert(chain: Chain) -> Action | None:
    if chain.root == "expect":
        return _expect(chain)
    if chain.root in _SETUP_ROOTS:
        return None
    if chain.root != "page":
        raise _Skip(f"calls on {chain.root!r}: only the page the script opened is converted")
    links = chain.links
    if not links:
        return None
    first = links[0]
    if len(links) == 1 and first.name in _SETUP_PAGE_CALLS:
        return None
    if first.name == "goto":
        return Action("goto", chain.line, chain.source, value=_text(first.args, 0, "goto"))
    if first.name == "keyboard" and len(links) == 2 and links[1].name == "press":
        return Action("press", chain.line, chain.source, value=_text(links[1].args, 0, "press"))
    if first.name == "wait_for_url":
        url = first.args[0] if first.args else None
        if not isinstance(url, str):
            raise _Skip("wait_for_url with a pattern: write wait_for: {url: REGEX} by hand")
        return Action("wait_url", chain.line, chain.source, value=url)
    if first.name in ("wait_for_load_state", "wait_for_timeout"):
        return None if first.name == "wait_for_load_state" else _raise("a fixed wait: cxmon waits for the page itself")
    *locator_links, last = links
    if last.name not in _ACTIONS:
        raise _Skip(f"{last.name}(): not an action cxmon converts (click, fill, check, select_option, press)")
    target, frame = _locator(locator_links)
    kind = {"select_option": "select", "type": "fill", "press_sequentially": "fill"}.get(last.name, last.name)
    value: str | None = None
    if kind in ("fill", "press"):
        value = _text(last.args, 0, last.name)
    elif kind == "select":
        value = _option(last)
    return Action(kind, chain.line, chain.source, target, value, frame)


def _raise(reason: str) -> Action:
    raise _Skip(reason)


def _expect(chain: Chain) -> Action:
    if not chain.links or len(chain.root_args) != 1:
        raise _Skip("an expect cxmon cannot read")
    inner = chain.root_args[0]
    links = list(chain.links)
    negated = links[0].name == "not_" or links[0].name == "not"
    if negated:
        links = links[1:]
    if len(links) != 1 or links[0].name not in _EXPECTS:
        names = ", ".join(_EXPECTS)
        raise _Skip(f"an assertion cxmon does not convert (it converts {names})")
    check = _EXPECTS[links[0].name]
    if not isinstance(inner, Chain) or inner.root != "page":
        raise _Skip("expect() of something other than the page or one of its elements")
    on_page = not inner.links
    if check in ("url", "title"):
        if not on_page:
            raise _Skip(f"{links[0].name} is a page assertion")
        value = _text(links[0].args, 0, links[0].name)
        if negated:
            raise _Skip("a negated URL or title assertion")
        return Action(f"expect_{check}", chain.line, chain.source, value=value)
    target, frame = _locator(list(inner.links))
    if frame:
        raise _Skip("an assertion inside an iframe")
    if check == "visible":
        if negated:
            raise _Skip("not_to_be_visible: cxmon checks what must be there")
        return Action("expect_visible", chain.line, chain.source, target)
    text = _text(links[0].args, 0, links[0].name)
    return Action("expect_not_text" if negated else "expect_text", chain.line, chain.source, target, text)


def _text(args: tuple[Any, ...], i: int, what: str) -> str:
    if len(args) <= i:
        raise _Skip(f"{what}() without a value")
    value = args[i]
    if isinstance(value, Opaque):
        raise _Skip(f"{what}({value.source}): a computed value or pattern, not text")
    if isinstance(value, list):
        raise _Skip(f"{what}() with several values")
    if isinstance(value, bool) or value is None:
        raise _Skip(f"{what}({value!r}): not text")
    return str(value)


def _option(link: Link) -> str:
    if link.args:
        value = link.args[0]
        if isinstance(value, list) and len(value) == 1:
            value = value[0]
        if isinstance(value, str):
            return value
        if isinstance(value, dict):
            for key in ("label", "value"):
                if isinstance(value.get(key), str):
                    return value[key]
    for key in ("label", "value"):
        if isinstance(link.kwargs.get(key), str):
            return link.kwargs[key]
    raise _Skip("select_option() with several or computed options")


def _locator(links: list[Link]) -> tuple[dict[str, Any], bool]:
    """A scenario locator from ``page.<links>``, and whether it is inside an iframe."""
    frame = False
    loc: dict[str, Any] | None = None
    i = 0
    while i < len(links):
        link = links[i]
        name = link.name
        if name == "content_frame" or name == "frame_locator":
            # page.locator("iframe").content_frame / page.frame_locator("iframe"): what follows is inside.
            if loc is not None and name == "content_frame" and i == 1:
                loc = None
            elif loc is not None:
                raise _Skip("an element inside an iframe inside an element")
            frame = True
        elif name in _BY:
            if loc is not None:
                within = loc
                loc = _by(link)
                loc["within"] = within
            else:
                loc = _by(link)
        elif name == "first" and loc is not None:
            loc["nth"] = 0
        elif name == "last" and loc is not None:
            loc["nth"] = -1
        elif name == "nth" and loc is not None:
            index = link.args[0] if link.args else None
            if not isinstance(index, int | float) or isinstance(index, bool):
                raise _Skip("nth() of a computed index")
            loc["nth"] = int(index)
        elif name == "filter" and loc is not None:
            text = link.kwargs.get("has_text")
            if not isinstance(text, str) or set(link.kwargs) != {"has_text"}:
                raise _Skip("filter() other than has_text with text")
            loc["has_text"] = text
        else:
            raise _Skip(f"{name}: not a locator cxmon converts")
        i += 1
    if loc is None:
        raise _Skip("no element to act on")
    return loc, frame


def _by(link: Link) -> dict[str, Any]:
    kind = _BY[link.name]
    if not link.args:
        raise _Skip(f"{link.name}() without an argument")
    value = link.args[0]
    if isinstance(value, Opaque) or not isinstance(value, str):
        source = value.source if isinstance(value, Opaque) else repr(value)
        raise _Skip(f"{link.name}({source}): a regular expression or computed value, not text")
    loc: dict[str, Any] = {kind: value}
    for key, option in link.kwargs.items():
        if kind == "role" and key == "name" and isinstance(option, str):
            loc["name"] = option
        elif key == "exact" and option is True:
            loc["exact"] = True
        elif key == "exact" and option is False:
            continue
        elif key == "has_text" and isinstance(option, str) and kind == "selector":
            loc["has_text"] = option
        else:
            raise _Skip(f"{link.name}(..., {key}=...): an option cxmon does not convert")
    return loc
