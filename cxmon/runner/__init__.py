"""Driving the browser: the only package that imports Playwright."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cxmon.runner.browser import BrowserChoice, EarlyStart, find_browser

if TYPE_CHECKING:
    from cxmon.runner.engine import Runner, RunOptions


def __getattr__(name: str) -> Any:
    # The engine (detectors, scenario schema, evidence) loads on first use, so that a browser can
    # be launched (cxmon.runner.browser.EarlyStart) while the rest of a run is still loading.
    if name in ("Runner", "RunOptions"):
        from cxmon.runner import engine

        return getattr(engine, name)
    raise AttributeError(f"module 'cxmon.runner' has no attribute {name!r}")


__all__ = ["BrowserChoice", "EarlyStart", "RunOptions", "Runner", "find_browser"]
