"""The Whoosh schema: only what search needs; the text shown to users comes from the database."""
from __future__ import annotations

from whoosh.fields import ID, KEYWORD, NUMERIC, TEXT, Schema

from app.search.analysis import english_analyzer, exact_analyzer, folded_analyzer

FACETS = ("agency", "sector", "level", "kind", "online_level", "status")
# The fields built from a procedure's texts; the others are ids and columns.
TEXT_FIELDS = ("body", "title", "title_pairs", "pairs", "folded", "en")


def build_schema() -> Schema:
    exact, folded = exact_analyzer(), folded_analyzer()
    return Schema(
        id=ID(stored=True, unique=True),
        pid=NUMERIC(sortable=True, bits=64),  # the procedure id again, as a column for the engine
        code=ID(stored=True, sortable=True),
        # Every word of a procedure is in body (exact diacritics) and in folded (without);
        # titles are written twice, which ranks a title match higher at no extra postings.
        # Matching runs on folded + en; body only adds to the score of exact spellings.
        body=TEXT(analyzer=exact, phrase=False),  # scoring only: phrases run on folded
        title=TEXT(analyzer=exact, phrase=False),  # short: only a ranking bonus
        # Adjacent title words as single tokens ("đăng_ký"): a phrase bonus read from postings
        # instead of position data.
        title_pairs=KEYWORD(lowercase=False, scorable=False),
        # Adjacent syllables, folded ("so_ho", "ho_khau"), of the parts in documents.PAIR_KINDS.
        # Vietnamese words are several syllables long: documents holding the typed syllables
        # side by side rank first.
        pairs=KEYWORD(lowercase=False, scorable=True),
        folded=TEXT(analyzer=folded, phrase=True),
        en=TEXT(analyzer=english_analyzer(), phrase=True),
        agency=ID(sortable=True),
        sector=ID(sortable=True),
        kind=ID(sortable=True),
        online_level=ID(sortable=True),
        status=ID(sortable=True),
        level=KEYWORD(commas=True),
        levels=ID(sortable=True),
        updated=NUMERIC(sortable=True, bits=64),
    )
