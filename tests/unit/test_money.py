"""Money as shops in several locales show it, read back to amount and ISO currency."""

from __future__ import annotations

from decimal import Decimal

import pytest
from babel.numbers import format_currency

from cxmon.money import MoneyError, is_currency_code, parse_money

# Written as shops write them (and as the issue lists them).
WRITTEN = [
    ("1 234,50 €", None, "1234.50", "EUR"),
    ("€1,234.50", None, "1234.50", "EUR"),
    ("£89.00", None, "89.00", "GBP"),
    ("89,00 kr", "SEK", "89.00", "SEK"),
    ("89,00 kr", "NOK", "89.00", "NOK"),
    ("89,00 kr", None, "89.00", None),  # kr alone does not say which crown
    ("1.234,50 EUR", None, "1234.50", "EUR"),
    ("CHF 1'234.50", None, "1234.50", "CHF"),
    ("¥1,234", "JPY", "1234", "JPY"),
    ("$1,234.56", "USD", "1234.56", "USD"),
    ("$1,234.56", "EUR", "1234.56", None),  # "$" never passes for euros
    ("US$ 5", None, "5", "USD"),
    ("R$ 1.234,56", None, "1234.56", "BRL"),
    ("12,50 zł", None, "12.50", "PLN"),
    ("1\u202f234,50\xa0€", None, "1234.50", "EUR"),
    ("Total: 89,00 €", None, "89.00", "EUR"),
    ("89.00", None, "89.00", None),
    ("EUR 89.00", None, "89.00", "EUR"),
    ("1 234 Ft", None, "1234", "HUF"),
    ("₹1,23,456.00", None, "123456.00", "INR"),
]


@pytest.mark.parametrize(("text", "expected_currency", "amount", "currency"), WRITTEN)
def test_written_amounts(text: str, expected_currency: str | None, amount: str, currency: str | None) -> None:
    money = parse_money(text, expected_currency)
    assert money.amount == Decimal(amount)
    assert money.currency == currency


# Formatted by babel's CLDR data, the way shops built on it (or on ICU) print them.
LOCALES = [
    ("de_DE", "EUR"),
    ("fr_FR", "EUR"),
    ("fi_FI", "EUR"),
    ("nl_NL", "EUR"),
    ("en_IE", "EUR"),
    ("es_ES", "EUR"),
    ("en_US", "USD"),
    ("en_GB", "GBP"),
    ("sv_SE", "SEK"),
    ("nb_NO", "NOK"),
    ("da_DK", "DKK"),
    ("de_CH", "CHF"),
    ("pl_PL", "PLN"),
    ("pt_BR", "BRL"),
    ("cs_CZ", "CZK"),
    ("en_IN", "INR"),
    ("tr_TR", "TRY"),
    ("ru_RU", "RUB"),
    ("ja_JP", "JPY"),
    ("ko_KR", "KRW"),
]


@pytest.mark.parametrize(("locale", "currency"), LOCALES)
@pytest.mark.parametrize("amount", ["1234.50", "89.00", "0.99", "12345678.25"])
def test_babel_formatted_amounts(locale: str, currency: str, amount: str) -> None:
    value = Decimal(amount)
    if currency in ("JPY", "KRW"):  # no minor unit
        value = value.quantize(Decimal("1"))
    text = format_currency(value, currency, locale=locale)
    money = parse_money(text, expected_currency=currency)
    assert (money.amount, money.currency) == (value, currency), text


def test_decimal_separator_settles_an_ambiguous_amount() -> None:
    assert parse_money("1,234 €").amount == Decimal("1234")
    assert parse_money("1,234 €", decimal_separator=",").amount == Decimal("1.234")


@pytest.mark.parametrize("text", ["", "Sold out", "€", "—"])
def test_text_without_an_amount_is_an_error(text: str) -> None:
    with pytest.raises(MoneyError, match="no amount"):
        parse_money(text)


def test_currency_codes() -> None:
    assert is_currency_code("SEK")
    assert not is_currency_code("XYZ1")
