"""Phrases that recognise shop pages, as data: one YAML file per language in this folder.

Detectors read a page's own signals first (status codes, ARIA roles and states, schema.org data);
phrases are the last resort, and they live here as data rather than in code. Each ``<code>.yml``
holds one language's lists, one per category in :data:`CATEGORIES`::

    language: fi          # the file's name without .yml; an ISO 639 code
    name: suomi
    error: [jotain meni pieleen, tapahtui virhe, ...]
    decline: [maksu hylättiin, ...]
    ...

Choosing phrases (:func:`phrases_for`): by the page's ``lang`` attribute (BCP 47: ``fi-FI`` → fi,
``pt-BR`` → pt, ``no``/``nn`` → nb), plus English, since servers, CDNs and payment gateways answer
in English whatever the shop's language; every language when ``lang`` is missing or unknown; and
a scenario's own additions (``detect.*_texts``) first. Adding a language is one data file.

Matching (:func:`match`): both the page text and the phrase are normalised the same way — Unicode
NFKC, case-folded, typographic apostrophes as ``'``, soft hyphens and zero-width characters
removed, every run of whitespace one space — and the phrase must occur as a substring that starts
and ends at word edges, so "log in" does not match "blog index" and "reference" does not match
"preferences". A phrase that begins or ends with punctuation ("order #") has no edge there.

This module imports nothing from cxmon but :mod:`cxmon.errors`, so detectors, the scenario loader
and tools can all use it.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

import yaml

from cxmon.errors import InputError

__all__ = [
    "CATEGORIES",
    "DATA_DIR",
    "PRECEDENCE",
    "YAML_LOADER",
    "Language",
    "PhraseBook",
    "PhraseFileError",
    "default_phrasebook",
    "find_category",
    "language_code",
    "match",
    "normalize",
    "phrases_for",
]

#: The categories every language file lists, and what each recognises.
CATEGORIES: Mapping[str, str] = MappingProxyType(
    {
        "error": "an error page: something went wrong, server error, page not found, service unavailable",
        "decline": "a declined payment: declined, refused, failed, not processed, insufficient funds, card expired",
        "out_of_stock": "a product that cannot be bought: out of stock, sold out, unavailable",
        "maintenance": "a maintenance page: down for maintenance, back soon, temporarily unavailable",
        "challenge": "a bot challenge or block: verify you are human, captcha, access denied, too many requests",
        "consent": "a cookie consent banner or wall: accept cookies, cookie settings, we use cookies",
        "login": "a login wall: sign in to continue, log in",
        "thank_you": "an order confirmation: thank you for your order, order received, order placed",
        "order_number": "the label next to an order number: order number, order no., order #, reference",
    }
)

#: The order in which :func:`find_category` tries the page-recognising categories: a challenge or
#: maintenance page often also says "unavailable", an error page never says "thank you".
PRECEDENCE: tuple[str, ...] = ("challenge", "maintenance", "error", "decline", "out_of_stock", "login", "consent")

#: The folder of the language files shipped with cxmon.
DATA_DIR = Path(__file__).parent

#: ``lang`` primary subtags that share another language's file.
_ALIASES: Mapping[str, str] = MappingProxyType({"no": "nb", "nn": "nb"})
#: Always added to a page's own language (see the module docstring).
_ALWAYS = "en"
_CODE_RE = re.compile(r"[a-z]{2,3}")
# Characters that render as nothing or as an apostrophe; NFKC leaves them alone.
_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff"), None)
_APOSTROPHES = dict.fromkeys(map(ord, "\u2018\u2019\u02bc\u00b4\u0060"), "'")
_SPACE_RE = re.compile(r"\s+")


class PhraseFileError(InputError):
    """A language file that cannot be used; the message names the file, the line and what was expected."""


def normalize(text: str) -> str:
    """The form both page text and phrases are compared in (see the module docstring)."""
    text = unicodedata.normalize("NFKC", text).translate(_INVISIBLE).translate(_APOSTROPHES)
    return _SPACE_RE.sub(" ", text.casefold()).strip()


@dataclass(frozen=True)
class Language:
    """One language file: its code, its own name and its phrases by category."""

    code: str
    name: str
    phrases: Mapping[str, tuple[str, ...]]


def language_code(lang: str | None) -> str | None:
    """The primary language subtag of a BCP 47 tag, lower case, with aliases applied (``nn`` → ``nb``)."""
    if not lang:
        return None
    primary = lang.strip().replace("_", "-").split("-", 1)[0].lower()
    return _ALIASES.get(primary, primary) or None


class PhraseBook:
    """The phrases of every language file in one folder."""

    def __init__(self, languages: Mapping[str, Language]) -> None:
        self.languages: Mapping[str, Language] = MappingProxyType(dict(sorted(languages.items())))
        # Detectors ask for the same lists at every step of every journey.
        self._lists: dict[tuple[str | None, str, tuple[str, ...]], tuple[str, ...]] = {}

    @classmethod
    def load(cls, folder: Path) -> PhraseBook:
        """Read every ``*.yml`` in ``folder``; raises :class:`PhraseFileError` for a bad file."""
        languages = {}
        for path in sorted(Path(folder).glob("*.yml")):
            language = _load_language(path)
            languages[language.code] = language
        if not languages:
            raise PhraseFileError(f"{folder}: no language files (*.yml)")
        return cls(languages)

    def codes_for(self, lang: str | None) -> tuple[str, ...]:
        """The languages whose phrases a page tagged ``lang`` is checked with, in order."""
        code = language_code(lang)
        if code in self.languages:
            rest = (_ALWAYS,) if code != _ALWAYS and _ALWAYS in self.languages else ()
            return (code, *rest)
        first = (_ALWAYS,) if _ALWAYS in self.languages else ()
        return (*first, *(c for c in self.languages if c != _ALWAYS))

    def phrases_for(self, lang: str | None, category: str, extra: Iterable[str] = ()) -> tuple[str, ...]:
        """The phrases of ``category`` for a page tagged ``lang``, the scenario's ``extra`` first, without repeats."""
        if category not in CATEGORIES:
            raise ValueError(f"unknown phrase category {category!r} (known: {', '.join(CATEGORIES)})")
        extra = tuple(extra)
        known = self._lists.get((lang, category, extra))
        if known is not None:
            return known
        found: dict[str, str] = {}
        for phrase in (*extra, *(p for c in self.codes_for(lang) for p in self.languages[c].phrases[category])):
            key = normalize(phrase)
            if key:
                found.setdefault(key, phrase)
        if len(self._lists) > 512:  # page languages and scenario additions are few; bounded anyway
            self._lists.clear()
        self._lists[(lang, category, extra)] = result = tuple(found.values())
        return result


@functools.cache
def default_phrasebook() -> PhraseBook:
    """The phrase book shipped with cxmon (read once; immutable)."""
    return PhraseBook.load(DATA_DIR)


def phrases_for(lang: str | None, category: str, extra: Iterable[str] = ()) -> tuple[str, ...]:
    """The shipped phrases of ``category`` for a page tagged ``lang`` (see :meth:`PhraseBook.phrases_for`)."""
    return default_phrasebook().phrases_for(lang, category, extra)


def match(text: str, phrases: Sequence[str]) -> str | None:
    """The phrase (as given) that occurs in ``text`` under the matching rules, the earliest in the text; else None."""
    if not phrases or not text:
        return None
    pattern, originals = _compiled(tuple(phrases))
    if pattern is None:
        return None
    found = pattern.search(_normal_page(text))
    return originals[found.group(0)] if found else None


# A step's page text is matched against several categories in turn: normalised once.
_normal_page = functools.lru_cache(maxsize=8)(normalize)


def find_category(
    text: str,
    lang: str | None,
    categories: Sequence[str] = PRECEDENCE,
    extra: Mapping[str, Iterable[str]] | None = None,
    book: PhraseBook | None = None,
) -> tuple[str, str] | None:
    """The first of ``categories`` whose phrases occur in ``text``, with the matched phrase; else None."""
    book = book or default_phrasebook()
    for category in categories:
        phrase = match(text, book.phrases_for(lang, category, (extra or {}).get(category, ())))
        if phrase is not None:
            return category, phrase
    return None


@functools.lru_cache(maxsize=256)
def _compiled(phrases: tuple[str, ...]) -> tuple[re.Pattern[str] | None, dict[str, str]]:
    originals: dict[str, str] = {}
    for phrase in phrases:
        key = normalize(phrase)
        if key:
            originals.setdefault(key, phrase)
    if not originals:
        return None, originals
    # Longest first, so of two phrases starting at the same place the fuller one is reported.
    parts = []
    for key in sorted(originals, key=len, reverse=True):
        start = r"(?<!\w)" if re.match(r"\w", key) else ""
        end = r"(?!\w)" if re.search(r"\w$", key) else ""
        parts.append(start + re.escape(key) + end)
    return re.compile("|".join(parts)), originals


YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml reads shipped data files in a tenth of the pure-Python loader's time, a cost every
cxmon process pays once; its nodes carry the same line marks."""


def _load_language(path: Path) -> Language:
    try:
        text = path.read_text(encoding="utf-8")
        root = yaml.compose(text, Loader=YAML_LOADER)
    except (OSError, UnicodeDecodeError) as error:
        raise PhraseFileError(f"{path}: cannot read: {error}") from error
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        raise PhraseFileError(f"{where}: not valid YAML: {getattr(error, 'problem', error)}") from error

    def fail(node: yaml.Node | None, message: str) -> PhraseFileError:
        line = f":{node.start_mark.line + 1}" if node is not None else ""
        return PhraseFileError(f"{path}{line}: {message}")

    if not isinstance(root, yaml.MappingNode):
        raise fail(root, "expected a mapping with language, name and the phrase categories")
    entries: dict[str, tuple[yaml.Node, yaml.Node]] = {}
    for key_node, value_node in root.value:
        key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
        if key is None or (key not in CATEGORIES and key not in ("language", "name")):
            raise fail(key_node, f"unknown key {key!r}; expected language, name or one of: {', '.join(CATEGORIES)}")
        if key in entries:
            raise fail(key_node, f"{key} given twice")
        entries[key] = (key_node, value_node)

    code_entry = entries.get("language")
    if code_entry is None or not isinstance(code_entry[1], yaml.ScalarNode):
        raise fail(root, "expected 'language: <code>' (the file's name without .yml)")
    code = code_entry[1].value
    if not _CODE_RE.fullmatch(code) or code != path.stem:
        raise fail(
            code_entry[1], f"language {code!r} must be a lower-case ISO 639 code equal to the file name {path.stem!r}"
        )
    name_entry = entries.get("name")
    if name_entry is None or not isinstance(name_entry[1], yaml.ScalarNode) or not name_entry[1].value.strip():
        raise fail(root, "expected 'name: <the language's own name>'")

    phrases: dict[str, tuple[str, ...]] = {}
    for category in CATEGORIES:
        if category not in entries:
            raise fail(root, f"missing category {category!r}: a non-empty list of phrases")
        key_node, value_node = entries[category]
        if not isinstance(value_node, yaml.SequenceNode) or not value_node.value:
            raise fail(key_node, f"{category}: expected a non-empty list of phrases")
        seen: dict[str, int] = {}
        items = []
        for item in value_node.value:
            is_text = isinstance(item, yaml.ScalarNode) and item.tag == "tag:yaml.org,2002:str"
            if not is_text or not normalize(item.value):
                raise fail(item, f"{category}: expected a phrase (a non-empty string)")
            key = normalize(item.value)
            if key in seen:
                raise fail(item, f"{category}: {item.value!r} repeats line {seen[key]} (the same after normalising)")
            seen[key] = item.start_mark.line + 1
            items.append(item.value)
        phrases[category] = tuple(items)
    return Language(code=code, name=name_entry[1].value, phrases=MappingProxyType(phrases))
