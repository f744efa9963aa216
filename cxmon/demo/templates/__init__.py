"""The HTML templates of the demo shop and its payment provider (Jinja2, autoescaped)."""

from __future__ import annotations

import functools
from pathlib import Path

import jinja2

__all__ = ["environment"]


@functools.cache
def environment() -> jinja2.Environment:
    """The template environment, built once per process so each template compiles only once."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(Path(__file__).parent),
        autoescape=True,
        # A misspelt variable fails loudly in the tests instead of rendering as an empty string.
        undefined=jinja2.StrictUndefined,
    )
