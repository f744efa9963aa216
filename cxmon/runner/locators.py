"""Scenario locators to Playwright locators."""

from __future__ import annotations

from playwright.async_api import Frame, Page
from playwright.async_api import Locator as PWLocator

from cxmon.scenario import Locator


def resolve(scope: Page | Frame, loc: Locator, include_hidden: bool = False) -> PWLocator:
    """A Playwright locator for a scenario locator: its ``nth`` match, else the first.

    Role locators skip hidden elements unless ``include_hidden``: cxmon needs both to tell a
    hidden action element (a customer-facing fault) from a missing one (a changed page).
    """
    found = matches(scope, loc, include_hidden)
    return found.nth(loc.nth) if loc.nth is not None else found.first


def matches(scope: Page | Frame, loc: Locator, include_hidden: bool = False) -> PWLocator:
    """Every match of a scenario locator (``nth`` not applied), to tell an ambiguous one."""
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
    return found
