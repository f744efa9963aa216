"""Masking of secret values in every text cxmon writes."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

MASK = "***"


class Redactor:
    """Replaces every known secret value with ``***``.

    Values shorter than three characters are not masked: they would mask ordinary text
    everywhere and a value that short is not a credential anyone can rely on.
    """

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._values: set[str] = set()
        self._pattern: re.Pattern[str] | None = None
        self.add(secrets)

    def add(self, secrets: Iterable[str]) -> None:
        new = {s for s in secrets if s and len(s) >= 3} - self._values
        if not new:
            return
        self._values |= new
        # Longest first, so a secret containing another is masked whole.
        alternatives = sorted(self._values, key=len, reverse=True)
        self._pattern = re.compile("|".join(re.escape(v) for v in alternatives))

    @property
    def values(self) -> frozenset[str]:
        return frozenset(self._values)

    def __bool__(self) -> bool:
        return bool(self._values)

    def text(self, value: str) -> str:
        """``value`` with every secret replaced by ``***``."""
        if self._pattern is None or not value:
            return value
        return self._pattern.sub(MASK, value)

    def data(self, value: Any) -> Any:
        """A copy of nested dicts/lists/strings with every secret masked."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {self.text(str(k)) if isinstance(k, str) else k: self.data(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.data(v) for v in value]
        return value

    def bytes(self, value: bytes) -> bytes:
        """Masks secrets in raw bytes (UTF-8 and URL-encoded forms of each secret)."""
        if not self._values:
            return value
        from urllib.parse import quote, quote_plus

        for secret in sorted(self._values, key=len, reverse=True):
            for form in {secret, quote(secret, safe=""), quote_plus(secret)}:
                value = value.replace(form.encode(), MASK.encode())
        return value
