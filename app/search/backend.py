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

The reading functions take the (searcher, key, extras) that ``services`` leases from the store
for the length of a request (the store keeps a generation open while a lease holds it).
"""
from __future__ import annotations

import numpy as np
from app.search import indexer, querying, synonyms
from app.search import facets as facet_arrays
from app.search.engine import text_of
from app.search.querying import SearchOutcome, SearchRequest

__all__ = ["apply_pending", "rebuild", "query", "matching_ids", "indexed_statuses", "document_count"]


def apply_pending() -> int:
    """Index and remove the procedures of the outbox events not yet applied; how many events."""
    return indexer.apply_pending()


def rebuild(progress=None) -> dict:
    """A fresh generation from the database, then an atomic switch to it."""
    return indexer.rebuild(progress=progress)


def query(leased, request: SearchRequest, review=None) -> SearchOutcome:
    """Hits of one page, the total, facet counts (over what is listed) and snippet terms, from
    a leased (searcher, key, extras). ``review`` is (fingerprint, states, {procedure id: state
    index}) for the review facet."""
    searcher, key, extras = leased
    return querying.run(searcher, key, extras, request, review=review)


def matching_ids(leased, request: SearchRequest, review=None) -> list[int]:
    """Every procedure id a request lists (all words, or most of them, as the page shows),
    filters applied, in code order; ``review`` as for ``query`` (needed only to filter by it)."""
    searcher, _key, extras = leased
    parsed = querying.parse(searcher.schema, request.text)
    engine = querying.engine_for(searcher, extras)
    arrays = querying.facets_with_review(engine, review)
    alternatives = synonyms.alternatives(list(parsed.loose)) if parsed.loose else []
    listed = querying.listed(engine, searcher.schema, parsed, request, alternatives,
                             querying.Deadline(querying.TIME_BUDGET))[0]
    allowed, _counts = facet_arrays.apply(arrays, listed, request.filter_dict())
    order = np.argsort(engine.code_rank[allowed], kind="stable")
    return [int(engine.pid[allowed[index]]) for index in order]


def indexed_statuses(leased) -> dict[int, str]:
    """{procedure id: status} of every live document of the index."""
    reader = leased[0].reader()
    statuses = list(reader.column_reader("status")) if reader.doc_count_all() else []
    found: dict[int, str] = {}
    for docnum, stored in reader.iter_docs():
        found[int(stored["id"])] = text_of(statuses[docnum]) if docnum < len(statuses) else ""
    return found


def document_count(leased) -> int:
    return leased[0].doc_count()
