"""Scenario locators to Playwright locators, scoped and filtered; picking from dropdowns.

A scenario addresses an element the way a customer points at it: by role and name, text, label...
narrowed by ``has_text`` (only matches that contain a text) and ``within`` (inside a container).
A container given by ``text`` is the innermost element that holds both that text and the element,
so ``{role: button, name: Select option, within: {text: Standard delivery}}`` is the button in the
Standard delivery row however the rows are ordered and whatever element makes a row.
"""

from __future__ import annotations

from playwright.async_api import Frame, Page
from playwright.async_api import Locator as PWLocator

from cxmon.scenario import Locator

Scope = Page | Frame | PWLocator


def resolve(scope: Scope, loc: Locator, include_hidden: bool = False) -> PWLocator:
    """A Playwright locator for a scenario locator: the ``nth`` match, else the first.

    Role locators skip hidden elements unless ``include_hidden``: cxmon needs both to tell a
    hidden action element (a customer-facing fault) from a missing one (a changed page).
    """
    found = matches(scope, loc, include_hidden)
    return found.nth(loc.nth) if loc.nth is not None else found.first


def matches(scope: Scope, loc: Locator, include_hidden: bool = False) -> PWLocator:
    """Every match of ``loc`` (``nth`` not applied), inside its ``within`` container if it has one."""
    if loc.within is not None:
        scope = _container(scope, loc.within, loc, include_hidden)
    return _own(scope, loc, include_hidden)


def _own(scope: Scope, loc: Locator, include_hidden: bool) -> PWLocator:
    """The locator's own kind and ``has_text``, without ``within`` and ``nth``."""
    if loc.role is not None:
        found = scope.get_by_role(loc.role, name=loc.name, exact=loc.exact, include_hidden=include_hidden)  # type: ignore[arg-type]
    elif loc.text is not None:
        found = scope.get_by_text(loc.text, exact=loc.exact)
    elif loc.label is not None:
        found = scope.get_by_label(loc.label, exact=loc.exact)
    elif loc.test_id is not None:
        found = scope.get_by_test_id(loc.test_id)
    elif loc.css is not None:
        found = scope.locator(loc.css)
    elif loc.placeholder is not None:
        found = scope.get_by_placeholder(loc.placeholder, exact=loc.exact)
    elif loc.alt is not None:
        found = scope.get_by_alt_text(loc.alt, exact=loc.exact)
    elif loc.title is not None:
        found = scope.get_by_title(loc.title, exact=loc.exact)
    else:
        found = scope.locator(loc.selector or "")
    if loc.has_text is not None:
        found = found.filter(has_text=loc.has_text)
    return found


def _root(scope: Scope) -> Page | Frame:
    # filter(has=...) takes a locator of the same page; it is matched inside each candidate.
    return scope.page if isinstance(scope, PWLocator) else scope


def _container(scope: Scope, within: Locator, target: Locator, include_hidden: bool) -> PWLocator:
    if within.within is not None:
        scope = _container(scope, within.within, within, include_hidden)
    root = _root(scope)
    inner = _own(root, target, include_hidden)
    if within.text is not None:
        # The innermost element holding both the text and the target: ancestors come before their
        # descendants in document order, so the last such element is the deepest.
        holder = scope.locator("*").filter(has=root.get_by_text(within.text, exact=within.exact))
        if within.has_text is not None:
            holder = holder.filter(has_text=within.has_text)
        return holder.filter(has=inner).last
    holder = _own(scope, within, include_hidden).filter(has=inner)
    return holder.nth(within.nth) if within.nth is not None else holder


async def choose(element: PWLocator, value: str, timeout_ms: float) -> None:
    """Picks ``value`` as a customer would: in a native ``<select>`` by its value or label; in a
    custom dropdown by opening it (a click) and clicking the option showing that text."""
    tag = await element.evaluate("(el) => el.tagName.toLowerCase()", timeout=timeout_ms)
    if tag == "select":
        await element.select_option(value, timeout=timeout_ms)
        return
    await element.click(timeout=timeout_ms)
    page = element.page
    option = (
        page.get_by_role("option", name=value, exact=True)
        .or_(page.get_by_role("menuitem", name=value, exact=True))
        .or_(page.get_by_role("menuitemradio", name=value, exact=True))
        .or_(page.get_by_role("treeitem", name=value, exact=True))
        # Some dropdowns give their options no role: the visible text is what the customer clicks.
        .or_(page.get_by_text(value, exact=True))
    )
    await option.filter(visible=True).first.click(timeout=timeout_ms)
