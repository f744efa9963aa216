"""The phrase data names every page the third shop (and the second) can show, in its language."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cxmon.phrases import find_category, match, phrases_for
from tests.shop3 import server

APP_JS = (Path(__file__).parent / "static" / "app.js").read_text(encoding="utf-8")
SHOP2 = Path(__file__).resolve().parents[1] / "shop2" / "pages"


def ui_text(lang: str, key: str) -> str:
    """One text of the storefront app's dictionary, read from app.js."""
    block = APP_JS[APP_JS.index(f"    {lang}: {{") :]
    found = re.search(rf'\b{key}: "([^"]*)"', block)
    assert found, key
    return found.group(1)


def page_text(*parts: str) -> str:
    return " ".join(parts)


PAGES = [
    *[(lang, page_text(*server.ERROR_TEXT[lang]), "error") for lang in ("pl", "de", "et")],
    *[(lang, page_text(*server.SERVER_ERROR[lang]), "error") for lang in ("pl", "de")],
    *[(lang, page_text(*server.MAINTENANCE[lang]), "maintenance") for lang in ("pl", "de")],
    *[(lang, page_text(*server.CHALLENGE[lang]), "challenge") for lang in ("pl", "de")],
    *[(lang, server.TOO_MANY[lang], "challenge") for lang in ("pl", "de")],
    *[(lang, server.API_MESSAGES[lang]["declined"], "decline") for lang in ("pl", "de")],
    *[(lang, server.API_MESSAGES[lang]["server"], "error") for lang in ("pl", "de")],
    *[(lang, ui_text(lang, "outOfStock"), "out_of_stock") for lang in ("pl", "de")],
    ("fi", (SHOP2 / "error.html").read_text(encoding="utf-8"), "error"),
    ("fi", (SHOP2 / "declined.html").read_text(encoding="utf-8"), "decline"),
]


@pytest.mark.parametrize(("lang", "text", "category"), PAGES)
def test_every_fault_page_is_named_by_its_words(lang: str, text: str, category: str) -> None:
    found = find_category(text, lang)
    assert found is not None and found[0] == category, (text, found)


@pytest.mark.parametrize("lang", ["pl", "de"])
def test_confirmation_words_are_known(lang: str) -> None:
    assert match(ui_text(lang, "thanks"), phrases_for(lang, "thank_you"))
    assert match(ui_text(lang, "orderNo") + " PL-48211", phrases_for(lang, "order_number"))


@pytest.mark.parametrize("lang", ["pl", "de"])
def test_the_healthy_storefront_says_nothing_alarming(lang: str) -> None:
    keys = (
        "products",
        "add",
        "added",
        "yourCart",
        "toCheckout",
        "checkout",
        "shipping",
        "courier",
        "locker",
        "terms",
        "next",
        "payment",
        "cardNumber",
        "expiry",
        "cvc",
        "pay",
        "thanks",
        "orderNo",
    )
    words = [ui_text(lang, key) for key in keys]
    words += [
        p.name[lang] + " " + p.text[lang] + " " + server.money(p.price[lang], lang) for p in server.CATALOGUE.values()
    ]
    assert find_category(" ".join(words), lang) is None
