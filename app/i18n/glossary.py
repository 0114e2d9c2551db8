"""One word per domain term in each language: the glossary `translations/glossary.json`
(kept in the repo beside the catalogs) and the check `flask translate check` runs with it.

Two rules per locale:
- ``terms``: an entry whose msgid is exactly the English term (a trailing ``:`` aside) is
  translated exactly as the glossary says, so a status, its filter and its column read alike.
  A term may name contexts where the same English word means something else.
- ``avoid``: words that must not appear in any translation (a replaced synonym).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from babel.messages.catalog import Catalog

GLOSSARY_FILE = Path(__file__).resolve().parent.parent.parent / "translations" / "glossary.json"


@dataclass(frozen=True)
class Term:
    english: str
    use: str
    except_contexts: frozenset[str] = frozenset()


@dataclass(frozen=True)
class LocaleGlossary:
    terms: dict[str, Term] = field(default_factory=dict)
    avoid: tuple[str, ...] = ()


class GlossaryError(ValueError):
    """The glossary file cannot be read; the message names what is wrong."""


def load(path: Path = GLOSSARY_FILE) -> dict[str, LocaleGlossary]:
    """The glossary of each locale; an absent file is an empty glossary."""
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise GlossaryError(f"{path}: {exc}") from exc
    if not isinstance(data, dict):
        raise GlossaryError(f"{path}: expected an object of locales")
    glossaries = {}
    for locale, section in data.items():
        terms = {}
        for english, value in (section.get("terms") or {}).items():
            if isinstance(value, str):
                value = {"use": value}
            if not isinstance(value, dict) or not isinstance(value.get("use"), str) or not value["use"].strip():
                raise GlossaryError(f"{path}: {locale}: term {english!r} needs a translation ('use')")
            terms[english] = Term(english, value["use"], frozenset(value.get("except_contexts") or ()))
        avoid = tuple(word for word in section.get("avoid") or () if isinstance(word, str) and word.strip())
        glossaries[locale] = LocaleGlossary(terms, avoid)
    return glossaries


def _strip(text: str) -> str:
    return text.strip().rstrip(":").strip()


def _same(a: str, b: str) -> bool:
    """Equal but for the case of the first letter (a term may start a sentence or not)."""
    a, b = _strip(a), _strip(b)
    return a == b or (a[:1].lower() == b[:1].lower() and a[1:] == b[1:])


def problems(catalog: Catalog, locale: str, glossary: LocaleGlossary) -> list[tuple[str, str | None, str]]:
    """(msgid, context, problem) for each entry that breaks the locale's glossary."""
    found = []
    for message in catalog:
        if not message.id or "fuzzy" in message.flags:
            continue
        strings = [message.string] if isinstance(message.string, str) else list(message.string)
        msgid = message.id if isinstance(message.id, str) else message.id[0]
        term = glossary.terms.get(_strip(msgid))
        if term and message.context not in term.except_contexts and strings[0] and not _same(strings[0], term.use):
            found.append((msgid, message.context,
                          f"glossary: {term.english!r} is {term.use!r} in this language, not {strings[0]!r}"))
        for word in glossary.avoid:
            if any(word.casefold() in text.casefold() for text in strings if text):
                found.append((msgid, message.context, f"glossary: {word!r} is not used in this language"))
    return found
