"""The bilingual glossary of core administrative terms (vi, en, th), shipped as data in the
package (``data/glossary.txt``): a query word that is a term of the glossary is also looked
for as the same concept's terms in the other two languages, at a weight below synonyms."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from app.search.synonym_format import normalise_term

GLOSSARY_FILE = Path(__file__).resolve().parent / "data" / "glossary.txt"
COLUMNS = ("vi", "en", "th")


def parse(text: str) -> list[dict[str, tuple[str, ...]]]:
    """Concepts from lines ``vi terms | en terms | th terms`` (terms separated by commas)."""
    concepts = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        cells = line.split("|")
        if len(cells) != len(COLUMNS):
            raise ValueError(f"glossary line {number}: expected {len(COLUMNS)} columns (vi | en | th)")
        concept = {}
        for lang, cell in zip(COLUMNS, cells):
            terms = tuple(term for term in (normalise_term(t) for t in cell.split(",")) if term)
            if terms:
                concept[lang] = terms
        if len(concept) < 2:
            raise ValueError(f"glossary line {number}: a concept needs terms in two languages at least")
        concepts.append(concept)
    return concepts


@lru_cache(maxsize=1)
def concepts() -> tuple[dict[str, tuple[str, ...]], ...]:
    return tuple(parse(GLOSSARY_FILE.read_text(encoding="utf-8")))
