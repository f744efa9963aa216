"""The markup signals of ``selectors.yml``: selectors by category, read once.

``message_alert`` and ``message_status`` mark messages a page raises (ARIA roles and live regions,
then the alert and toast classes of shop platforms and CSS frameworks); ``challenge``, ``consent``
and ``login`` mark what a page is. They are data so that a platform's markup is one line of YAML.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType

import yaml

from cxmon.phrases import YAML_LOADER

SELECTORS_FILE = Path(__file__).with_name("selectors.yml")
CATEGORIES = ("message_alert", "message_status", "challenge", "consent", "login")
PAGE_CATEGORIES = ("challenge", "consent", "login")
"""The categories that say what a page is (the snapshot reports which of their selectors matched)."""


@functools.cache
def selectors() -> Mapping[str, tuple[str, ...]]:
    """The shipped selectors by category."""
    data = yaml.load(SELECTORS_FILE.read_text(encoding="utf-8"), Loader=YAML_LOADER)
    missing = [c for c in CATEGORIES if not data.get(c)]
    if missing:
        raise ValueError(f"{SELECTORS_FILE}: missing selector list(s): {', '.join(missing)}")
    return MappingProxyType({c: tuple(str(s) for s in data[c]) for c in CATEGORIES})
