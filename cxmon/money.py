"""Money as shops show it: "1 234,50 €", "€1,234.50", "£89.00", "89,00 kr", "CHF 1'234.50" → amount and currency.

The number is read by price-parser, which knows the grouping and decimal marks of the common
locales (space, no-break space, ``.``, ``,`` and ``'`` for thousands; ``,`` or ``.`` for decimals).
The currency is an ISO 4217 code: a code written in the text ("EUR", "SEK") is taken as is once
babel knows it; a symbol is looked up below. Some symbols name several currencies ("kr" is SEK,
NOK, DKK or ISK; "$" is USD, CAD, AUD, ...); they resolve to the currency a scenario expects when it
is one of them, and stay unknown (``None``) otherwise, so an unknown currency never passes for a
known one.

Pure functions on strings: nothing here knows about browsers or scenarios.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from functools import cache

__all__ = ["AMBIGUOUS_SYMBOLS", "SYMBOLS", "Money", "MoneyError", "is_currency_code", "parse_money"]

#: Symbols that name one currency.
SYMBOLS: dict[str, str] = {
    "€": "EUR",
    "£": "GBP",
    "₹": "INR",
    "₩": "KRW",
    "₺": "TRY",
    "₽": "RUB",
    "₴": "UAH",
    "₪": "ILS",
    "฿": "THB",
    "₫": "VND",
    "₱": "PHP",
    "zł": "PLN",
    "Kč": "CZK",
    "Ft": "HUF",
    "lei": "RON",
    "R$": "BRL",
    "US$": "USD",
    "C$": "CAD",
    "CA$": "CAD",
    "A$": "AUD",
    "AU$": "AUD",
    "NZ$": "NZD",
    "HK$": "HKD",
    "S$": "SGD",
    "Fr.": "CHF",
    "fr.": "CHF",
}

#: Symbols that name several currencies; the first is what a shop most often means, but it is
#: only chosen when the scenario says which one it expects.
AMBIGUOUS_SYMBOLS: dict[str, tuple[str, ...]] = {
    "$": ("USD", "CAD", "AUD", "NZD", "MXN", "SGD", "HKD", "ARS", "CLP", "COP"),
    "kr": ("SEK", "NOK", "DKK", "ISK"),
    "kr.": ("DKK", "ISK"),
    "Kr": ("SEK", "NOK", "DKK"),
    "¥": ("JPY", "CNY"),
    "￥": ("JPY", "CNY"),
    "元": ("CNY",),
    "円": ("JPY",),
    "R": ("ZAR",),
}


class MoneyError(ValueError):
    """The text holds no amount of money."""


@dataclass(frozen=True)
class Money:
    """An amount with its currency as the page showed it."""

    amount: Decimal
    currency: str | None
    """ISO 4217 code, or ``None`` when the text names none or an ambiguous symbol."""
    text: str
    """The text it was read from (whitespace squeezed)."""

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}" if self.currency else str(self.amount)


@cache
def _codes() -> frozenset[str]:
    # Imported when first needed: babel and price-parser cost start-up time every command would pay.
    from babel.numbers import list_currencies

    return frozenset(list_currencies())


def is_currency_code(code: str) -> bool:
    """Whether ``code`` is an ISO 4217 currency code babel knows (``EUR``, ``SEK``)."""
    return code in _codes()


def _currency(symbol: str | None, expected: str | None) -> str | None:
    if not symbol:
        return None
    token = symbol.strip()
    if token.upper() in _codes() and token.isalpha():
        return token.upper()
    if token in SYMBOLS:
        return SYMBOLS[token]
    choices = AMBIGUOUS_SYMBOLS.get(token)
    if choices is not None:
        if expected in choices:
            return expected
        return choices[0] if len(choices) == 1 else None
    return None


_SPACES = re.compile(r"\s+")


def parse_money(text: str, expected_currency: str | None = None, decimal_separator: str | None = None) -> Money:
    """Read an amount of money from ``text`` as a shop shows it.

    ``expected_currency`` (ISO code) resolves an ambiguous symbol such as "kr" or "$" when it is
    one of the currencies that symbol names. ``decimal_separator`` ("," or ".") settles an amount
    such as "1,234" that could be read either way (default: price-parser's guess, thousands).
    Raises :class:`MoneyError` when the text holds no number.
    """
    from price_parser import Price

    shown = _SPACES.sub(" ", text.replace("\u202f", " ").replace("\xa0", " ")).strip()
    price = Price.fromstring(shown, decimal_separator=decimal_separator)
    if price.amount is None:
        raise MoneyError(f"no amount of money in {shown!r}")
    return Money(price.amount, _currency(price.currency, expected_currency), shown)
