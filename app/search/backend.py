"""The search backend: everything the app asks of the index, in one place.

``services`` (the pages, the CLI, bulk marking) calls only these functions; how the index is
stored (Whoosh segments with posting arrays beside them), opened, matched and scored stays
behind them:

* ``apply_pending`` indexes and removes what the publication outbox says; ``rebuild`` builds a
  fresh generation and switches to it;
* ``query`` runs a request with facet counts, a page of ranked hits and snippet terms;
  ``matching_ids`` gives every procedure a request lists, without ranking;
* ``indexed_statuses`` and ``document_count`` say what the index holds (for ``check`` and
  the admin page).
"""
from __future__ import annotations

import numpy as np
from flask import current_app

from app.search import indexer, querying, store, synonyms
from app.search import facets as facet_arrays
from app.search.engine import text_of
from app.search.querying import SearchOutcome, SearchRequest

__all__ = ["apply_pending", "rebuild", "query", "matching_ids", "indexed_statuses", "document_count"]


def _folder() -> str:
    return current_app.config["SEARCH_INDEX_DIR"]


def _searcher():
    searcher, key, extras = store.searchers.get(_folder())
    if searcher is None:
        indexer.ensure_index()
        searcher, key, extras = store.searchers.get(_folder())
    return searcher, key, extras


def apply_pending() -> int:
    """Index and remove the procedures of the outbox events not yet applied; how many events."""
    return indexer.apply_pending()


def rebuild(progress=None) -> dict:
    """A fresh generation from the database, then an atomic switch to it."""
    return indexer.rebuild(progress=progress)


def query(request: SearchRequest, review=None) -> SearchOutcome:
    """Hits of one page, the total, facet counts (over what is listed) and snippet terms.
    ``review`` is (fingerprint, states, {procedure id: state index}) for the review facet."""
    searcher, key, extras = _searcher()
    return querying.run(searcher, key, extras, request, review=review)


def matching_ids(request: SearchRequest, review=None) -> list[int]:
    """Every procedure id a request lists (all words, or most of them, as the page shows),
    filters applied, in code order; ``review`` as for ``query`` (needed only to filter by it)."""
    searcher, _key, extras = _searcher()
    parsed = querying.parse(searcher.schema, request.text)
    engine = querying.engine_for(searcher, extras)
    arrays = querying.facets_with_review(engine, review)
    alternatives = synonyms.alternatives(list(parsed.loose)) if parsed.loose else []
    listed = querying.listed(engine, searcher.schema, parsed, request, alternatives,
                             querying.Deadline(querying.TIME_BUDGET))[0]
    allowed, _counts = facet_arrays.apply(arrays, listed, request.filter_dict())
    order = np.argsort(engine.code_rank[allowed], kind="stable")
    return [int(engine.pid[allowed[index]]) for index in order]


def indexed_statuses() -> dict[int, str]:
    """{procedure id: status} of every live document of the index."""
    searcher, _key, _extras = _searcher()
    reader = searcher.reader()
    statuses = list(reader.column_reader("status"))
    found: dict[int, str] = {}
    for docnum, stored in reader.iter_docs():
        found[int(stored["id"])] = text_of(statuses[docnum]) if docnum < len(statuses) else ""
    return found


def document_count() -> int:
    searcher, _key, _extras = _searcher()
    return searcher.doc_count()
