"""How cxmon's browser identifies itself to the shops it walks (production safety).

Shops exclude synthetic orders from analytics and fulfilment by a User-Agent suffix (on by
default) and, when a scenario names one, a request header. Both come from a scenario's
``http.identify`` (see docs/security.md):

- the User-Agent of a device context is the device's own plus the suffix; a desktop context gets
  the browser's default User-Agent (read once per browser, from a blank page) plus the suffix;
- the header goes to the shop's own origin and its payment provider origins only (``own``),
  added in flight by a route, so a page's cross-origin fetches carry no custom header and need no
  CORS preflight; ``all`` sets it as an extra HTTP header on every request instead.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from typing import Any

from playwright.async_api import Browser, BrowserContext, Route
from playwright.async_api import Error as PlaywrightError

import cxmon
from cxmon.detectors.base import origin_of
from cxmon.scenario import Identify


def user_agent_suffix(identify: Identify) -> str:
    """The configured suffix with ``{version}`` filled in; empty when none is wanted."""
    return identify.user_agent_suffix.replace("{version}", cxmon.__version__).strip()


def with_suffix(user_agent: str, suffix: str) -> str:
    """``user_agent`` with ``suffix`` appended once."""
    if not suffix or user_agent.endswith(suffix):
        return user_agent
    return f"{user_agent} {suffix}".strip()


async def default_user_agent(browser: Browser) -> str:
    """The User-Agent the browser sends when none is set: one protocol call, where a page in a
    throwaway context would cost a renderer process."""
    session = await browser.new_browser_cdp_session()
    try:
        version = await session.send("Browser.getVersion")
    finally:
        with contextlib.suppress(PlaywrightError):
            await session.detach()
    return str(version["userAgent"])


def apply_header(identify: Identify, args: dict[str, Any]) -> None:
    """Puts the identifying header into the context arguments when it goes to every request."""
    if identify.header and identify.header_scope == "all":
        headers = dict(args.get("extra_http_headers") or {})
        headers.setdefault(identify.header, identify.value)
        args["extra_http_headers"] = headers


async def route_header(context: BrowserContext, identify: Identify, origins: Iterable[str]) -> None:
    """Adds the identifying header in flight to requests for ``origins`` (scope ``own``)."""
    if not identify.header or identify.header_scope != "own":
        return
    name, value = identify.header, identify.value

    async def add_header(route: Route) -> None:
        headers = {**route.request.headers, name: value}
        # The page may have gone away meanwhile; then there is nothing to send any more.
        with contextlib.suppress(PlaywrightError):
            await route.continue_(headers=headers)

    for origin in sorted({origin_of(o) for o in origins if o}):
        await context.route(f"{origin}/**", add_header)
