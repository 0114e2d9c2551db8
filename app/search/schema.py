"""The Whoosh schema: only what search needs; the text shown to users comes from the database."""
from __future__ import annotations

from whoosh.fields import ID, KEYWORD, NUMERIC, TEXT, Schema

from app.search.analysis import english_analyzer, exact_analyzer, folded_analyzer

FACETS = ("agency", "sector", "level", "kind", "online_level", "status")


def build_schema() -> Schema:
    exact, folded = exact_analyzer(), folded_analyzer()
    return Schema(
        id=ID(stored=True, unique=True),
        code=ID(stored=True, sortable=True),
        # Titles (source and translations) also go into body; the separate field lets a
        # title match rank higher.
        title=TEXT(analyzer=exact, field_boost=3.0, phrase=True),
        body=TEXT(analyzer=exact, phrase=True),
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
