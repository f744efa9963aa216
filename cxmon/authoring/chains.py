"""Playwright calls as plain data, whatever the script's language.

``await page.get_by_role("button", name="Pay").click()`` and
``await page.getByRole('button', { name: 'Pay' }).click()`` are both the chain
``page → get_by_role("button", name="Pay") → click()``: a root name and links, each a method call
(with its positional and keyword arguments) or a property read (``.first``, ``.content_frame``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any


class Opaque:
    """An argument the converter cannot use as a value (a variable, a regex, an expression)."""

    def __init__(self, source: str) -> None:
        self.source = source

    def __repr__(self) -> str:
        return f"Opaque({self.source!r})"


@dataclass(frozen=True)
class Link:
    """One ``.name`` or ``.name(args)`` of a chain; ``call`` is false for a property read."""

    name: str
    call: bool = True
    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Chain:
    """A statement as a call chain: ``root`` is ``page``, ``expect(...)`` (``expect`` with the
    inner chain as its first argument), ``context``, ``browser``..."""

    root: str
    links: tuple[Link, ...]
    line: int
    source: str
    root_args: tuple[Any, ...] = ()


@dataclass(frozen=True)
class Statement:
    """A statement that is not a call chain (an assignment, a loop...), kept for the report."""

    line: int
    source: str


def snake(name: str) -> str:
    """``getByRole`` → ``get_by_role``: JavaScript's names in Python's spelling."""
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()
