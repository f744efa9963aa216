"""Phrases as data: every language file is complete and clean, and real shop wording is recognised."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

import pytest
import yaml

from cxmon.phrases import (
    CATEGORIES,
    DATA_DIR,
    PRECEDENCE,
    PhraseBook,
    PhraseFileError,
    default_phrasebook,
    find_category,
    language_code,
    match,
    normalize,
    phrases_for,
)

ROOT = Path(__file__).resolve().parents[2]
REQUIRED = {"en", "fi", "sv", "da", "nb", "de", "nl", "fr", "es", "it", "pt", "pl", "et"}
# ISO 639-1 codes of the languages shops in and around Europe write in, and a few beyond.
KNOWN_CODES = {
    "bg",
    "ca",
    "cs",
    "cy",
    "da",
    "de",
    "el",
    "en",
    "es",
    "et",
    "eu",
    "fi",
    "fr",
    "ga",
    "gl",
    "hr",
    "hu",
    "is",
    "it",
    "lb",
    "lt",
    "lv",
    "mt",
    "nb",
    "nl",
    "nn",
    "pl",
    "pt",
    "ro",
    "ru",
    "se",
    "sk",
    "sl",
    "sq",
    "sr",
    "sv",
    "tr",
    "uk",
    "ar",
    "he",
    "hi",
    "id",
    "ja",
    "ko",
    "ms",
    "th",
    "vi",
    "zh",
}
LANGUAGE_FILES = sorted(DATA_DIR.glob("*.yml"))


def test_every_required_language_ships() -> None:
    assert set(default_phrasebook().languages) >= REQUIRED


@pytest.mark.parametrize("path", LANGUAGE_FILES, ids=lambda p: p.stem)
def test_language_file_is_complete_and_clean(path: Path) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert data["language"] == path.stem
    assert data["language"] in KNOWN_CODES
    assert set(data) == {"language", "name", *CATEGORIES}
    for category in CATEGORIES:
        phrases = data[category]
        assert phrases and all(isinstance(p, str) and p.strip() for p in phrases), category
        keys = [normalize(p) for p in phrases]
        assert len(keys) == len(set(keys)), f"{category}: {[k for k in keys if keys.count(k) > 1]}"
    assert default_phrasebook().languages[path.stem].phrases["error"] == tuple(data["error"])


# Wording seen on real shop pages (platform messages, payment gateways, CDNs), with the page's lang.
SNIPPETS = [
    ("Hups! Jotain meni pieleen. Yritä hetken päästä uudelleen.", "fi", "error"),
    ("A problem occurred while processing payment for this order - please contact us", "en-GB", "decline"),
    ("Service temporarily unavailable", "en", "maintenance"),
    ("Leider ist ein Fehler aufgetreten.", "de-DE", "error"),
    ("Brak w magazynie", "pl", "out_of_stock"),
    ("Slutsåld", "sv-SE", "out_of_stock"),
    ("Unavailable", "en", "out_of_stock"),
    ("Your card was declined.", None, "decline"),
    ("Zahlung fehlgeschlagen: Ihre Karte wurde abgelehnt", "de-AT", "decline"),
    ("Płatność nie powiodła się. Spróbuj ponownie.", "pl-PL", "decline"),
    ("Insufficient funds", "en-US", "decline"),
    ("Pagamento recusado pela operadora", "pt-BR", "decline"),
    ("Checking your browser before accessing shop.example", "de", "challenge"),
    ("Potwierdź, że jesteś człowiekiem", "pl", "challenge"),
    ("429 Too Many Requests", None, "challenge"),
    ("Przerwa techniczna – serwis tymczasowo niedostępny", "pl", "maintenance"),
    ("We’ll be back soon!", "en", "maintenance"),
    ("Wir sind bald wieder da – Wartungsarbeiten", "de", "maintenance"),
    ("Midagi läks valesti", "et-EE", "error"),
    ("Laost otsas", "et", "out_of_stock"),
    ("Uitverkocht", "nl-BE", "out_of_stock"),
    ("Produit en rupture de stock", "fr-CA", "out_of_stock"),
    ("Este producto está agotado", "es-MX", "out_of_stock"),
    ("Algo salió mal", "es", "error"),
    ("Qualcosa è andato storto", "it", "error"),
    ("Der opstod en fejl", "da-DK", "error"),
    ("Noe gikk galt", "no", "error"),
    ("Något gick fel", "sv", "error"),
    ("Er is iets misgegaan", "nl", "error"),
    ("Une erreur s’est produite", "fr", "error"),
    ("Vi bruker informasjonskapsler", "nn", "consent"),
    ("Zaloguj się, aby kontynuować", "pl", "login"),
]
THANKS = [
    ("Kiitos tilauksestasi!", "fi", "thank_you"),
    ("Vielen Dank für Ihre Bestellung", "de-CH", "thank_you"),
    ("Dziękujemy za złożenie zamówienia", "pl", "thank_you"),
    ("Your order has been placed", "en", "thank_you"),
    ("Tellimus on vastu võetud", "et", "thank_you"),
    ("Bestellnummer: 100023", "de", "order_number"),
    ("Numer zamówienia: PL-7731", "pl", "order_number"),
    ("Order #000000123", "en", "order_number"),
    ("N° de commande : FR12", "fr", "order_number"),
]


@pytest.mark.parametrize(("text", "lang", "category"), SNIPPETS)
def test_real_page_wording_is_recognised_first_as_its_category(text: str, lang: str | None, category: str) -> None:
    assert match(text, phrases_for(lang, category)) is not None
    assert find_category(text, lang) == (category, match(text, phrases_for(lang, category)))


@pytest.mark.parametrize(("text", "lang", "category"), THANKS)
def test_confirmation_wording_is_recognised(text: str, lang: str, category: str) -> None:
    assert match(text, phrases_for(lang, category)) is not None
    assert find_category(text, lang) is None  # a confirmation is not an error, challenge or decline page


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Trail Runner 89.00 EUR Add to cart A light running shoe for rough paths. Available in 3 colours.", "en"),
        ("Wanderschuh Kiefer 89,00 € In den Warenkorb Kostenloser Versand ab 50 €", "de"),
        ("Buty trekkingowe Sosna 349,00 zł Dodaj do koszyka Dostawa UPS w 2 dni", "pl"),
        ("Juoksukenkä 89,00 € Lisää ostoskoriin Toimitus 1–3 arkipäivässä", "fi"),
        ("Read our blog index and preferences", None),
    ],
)
def test_a_healthy_page_is_no_category(text: str, lang: str | None) -> None:
    assert find_category(text, lang) is None


@pytest.mark.parametrize(
    ("text", "phrase", "matched"),
    [
        ("HUPS!   JOTAIN\n\tMENI PIELEEN", "hups! jotain meni pieleen", True),
        ("ＳＯＬＤ ＯＵＴ", "sold out", True),  # full-width letters, NFKC
        ("sold\u00a0out", "sold out", True),  # no-break space
        ("we\u2019ll be back soon", "we'll be back soon", True),  # typographic apostrophe
        ("Aus\u00adverkauft", "ausverkauft", True),  # soft hyphen
        ("STRASSE", "straße", True),  # case folding
        ("blog index", "log in", False),  # word edges
        ("preferences", "reference", False),
        ("reference: 12", "reference", True),
        ("Order #12", "order #", True),
        ("Order now", "order no", False),
    ],
)
def test_matching_rules(text: str, phrase: str, matched: bool) -> None:
    assert (match(text, [phrase]) == phrase) is matched


def test_match_returns_the_phrase_as_given_and_the_earliest_in_the_text() -> None:
    phrases = ["Payment Failed", "insufficient funds"]
    assert match("Insufficient funds: payment failed", phrases) == "insufficient funds"
    assert match("nothing here", phrases) is None
    assert match("", phrases) is None
    assert match("text", []) is None


@pytest.mark.parametrize(
    ("lang", "code"),
    [
        ("fi-FI", "fi"),
        ("fi", "fi"),
        ("FI_fi", "fi"),
        ("nb", "nb"),
        ("no", "nb"),
        ("nn-NO", "nb"),
        ("pt-BR", "pt"),
        ("zh-Hant-TW", "zh"),
        ("", None),
        (None, None),
    ],
)
def test_language_code_from_bcp47(lang: str | None, code: str | None) -> None:
    assert language_code(lang) == code


def test_a_known_language_gets_its_own_phrases_and_english_only() -> None:
    book = default_phrasebook()
    assert book.codes_for("fi-FI") == ("fi", "en")
    assert book.codes_for("en-US") == ("en",)
    fi = phrases_for("fi-FI", "decline")
    assert "maksu hylättiin" in fi and "payment declined" in fi
    assert "płatność odrzucona" not in fi


@pytest.mark.parametrize("lang", [None, "", "zz", "ja-JP"])
def test_missing_or_unknown_language_gets_every_language(lang: str | None) -> None:
    book = default_phrasebook()
    assert set(book.codes_for(lang)) == set(book.languages)
    assert book.codes_for(lang)[0] == "en"
    every = phrases_for(lang, "out_of_stock")
    assert {"brak w magazynie", "slutsåld", "laost otsas", "ausverkauft", "sold out"} <= set(every)


def test_scenario_additions_come_first_and_do_not_repeat() -> None:
    phrases = phrases_for("de", "error", extra=["Kasse gestört", "EIN FEHLER IST AUFGETRETEN"])
    assert phrases[:2] == ("Kasse gestört", "EIN FEHLER IST AUFGETRETEN")
    assert "ein fehler ist aufgetreten" not in phrases
    assert match("Die Kasse gestört", phrases) == "Kasse gestört"


def test_unknown_category_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown phrase category 'errors'"):
        phrases_for("en", "errors")


def _language_file(code: str, **overrides: object) -> str:
    data: dict[str, object] = {"language": code, "name": "lietuvių"}
    data.update({category: [f"{category} lt frazė"] for category in CATEGORIES})
    data["error"] = ["kažkas nutiko ne taip", "įvyko klaida"]
    data.update(overrides)
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def test_adding_a_language_is_one_data_file(tmp_path: Path) -> None:
    for path in LANGUAGE_FILES:
        (tmp_path / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "lt.yml").write_text(_language_file("lt"), encoding="utf-8")
    book = PhraseBook.load(tmp_path)
    assert "lt" in book.languages
    assert book.codes_for("lt-LT") == ("lt", "en")
    assert match("Atsiprašome, įvyko klaida", book.phrases_for("lt-LT", "error")) == "įvyko klaida"
    assert find_category("Kažkas nutiko ne taip", None, book=book) == ("error", "kažkas nutiko ne taip")
    assert "lt" not in default_phrasebook().languages


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("language: lt\nname: x\nerror: [a\n", r"lt\.yml:\d+: not valid YAML"),
        ("- a\n- b\n", r"lt\.yml:1: expected a mapping"),
        (_language_file("lv"), r"lt\.yml:1: language 'lv' must be a lower-case ISO 639 code equal to the file name"),
        (_language_file("lt", errors=["x"]), r"lt\.yml:\d+: unknown key 'errors'"),
        (_language_file("lt", decline=[]), r"lt\.yml:\d+: decline: expected a non-empty list"),
        (_language_file("lt", login=["Sign in", "sign  IN"]), r"lt\.yml:\d+: login: 'sign  IN' repeats line \d+"),
        (_language_file("lt", consent=["ok", True]), r"lt\.yml:\d+: consent: expected a phrase"),
        ("language: lt\nname: x\n", r"lt\.yml:1: missing category 'error'"),
    ],
)
def test_a_bad_language_file_names_file_line_and_what_was_expected(tmp_path: Path, content: str, message: str) -> None:
    (tmp_path / "lt.yml").write_text(content, encoding="utf-8")
    with pytest.raises(PhraseFileError, match=message):
        PhraseBook.load(tmp_path)


def test_language_files_ship_in_the_wheel() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "phrases/*.yml" in config["tool"]["setuptools"]["package-data"]["cxmon"]
    assert DATA_DIR == ROOT / "cxmon" / "phrases"


# The phrases the detectors once had built in (English and Finnish): the data must still know each.
FORMER_BUILTIN = {
    "error": (
        "Internal Server Error",
        "Service Unavailable",
        "Bad Gateway",
        "Gateway Timeout",
        "Something went wrong",
        "An error occurred",
        "An unexpected error",
        "Sorry, an error occurred",
        "Tapahtui virhe",
        "Jokin meni vikaan",
        "Palvelussa on häiriö",
        "Odottamaton virhe",
    ),
    "decline": (
        "payment declined",
        "was declined",
        "card declined",
        "payment failed",
        "payment was refused",
        "payment was rejected",
        "payment not accepted",
        "is not available for this order",
        "maksu hylättiin",
        "maksu epäonnistui",
        "maksua ei hyväksytty",
    ),
}


def test_detectors_keep_no_phrase_lists_of_their_own() -> None:
    """Phrases live in cxmon/phrases: no detector module holds a ``*_TEXTS`` list of strings."""
    for path in sorted((ROOT / "cxmon" / "detectors").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Assign) and isinstance(node.value, (ast.Tuple, ast.List)):
                names = [getattr(t, "id", "") for t in node.targets]
                assert not any(n.endswith("_TEXTS") for n in names), f"{path.name}: {names}"


@pytest.mark.parametrize("category", sorted(FORMER_BUILTIN))
def test_the_data_covers_every_phrase_the_detectors_had_built_in(category: str) -> None:
    missing = [
        phrase
        for phrase in FORMER_BUILTIN[category]
        if match(phrase, phrases_for(None, category)) is None
        or not any(match(phrase, phrases_for(lang, category)) for lang in ("en", "fi"))
    ]
    assert not missing


def test_the_detectors_read_their_phrases_from_the_data() -> None:
    """A scenario's extra text and a shipped phrase are both found through the detector settings."""
    from cxmon.detectors import make_config

    config = make_config(out_of_stock_texts=["chwilowo brak"])
    assert config.find("Produkt: chwilowo brak.", "pl", "out_of_stock") == "chwilowo brak"
    assert config.find("Ups! Coś poszło nie tak", "pl", "error") == "coś poszło nie tak"
    assert config.find("Midagi läks valesti", None, "error") is not None


def test_precedence_names_categories() -> None:
    assert set(PRECEDENCE) <= set(CATEGORIES)
