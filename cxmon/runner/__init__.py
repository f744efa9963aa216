"""Driving the browser: the only package that imports Playwright."""

from __future__ import annotations

from cxmon.runner.browser import BrowserChoice, find_browser
from cxmon.runner.engine import Runner, RunOptions

__all__ = ["BrowserChoice", "RunOptions", "Runner", "find_browser"]
