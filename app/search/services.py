"""The search interface used by the pages, the CLI and the tests.

Nothing outside ``app.search`` imports Whoosh: callers use ``search``, ``matching_ids``, ``reindex``,
``apply_pending``, ``check`` and ``health``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import defer, selectinload

from app.catalog.models import Procedure, ProcedureVersion, PublicationEvent
from app.core import jobs
from app.extensions import db
from app.review import changes
from app.search import documents, indexer, querying, rebuilds, snippets, store
from app.search import facets as facet_arrays
from app.search.querying import QueryError, SearchRequest
from app.search.rebuilds import RebuildRunning

__all__ = ["QueryError", "RebuildRunning", "SearchRequest", "SearchPage", "search", "matching_ids", "reindex",
           "rebuild_status", "rebuild_running", "apply_pending", "check", "health"]


@dataclass
class ResultItem:
    procedure: Procedure
    version: ProcedureVersion
    score: float
    snippet: snippets.Snippet | None


@dataclass
class SearchPage:
    request: SearchRequest
    items: list[ResultItem]
    total: int
    facets: dict[str, list[tuple[str, int]]]
    suggestion: str | None

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.request.per_page))


def _folder() -> str:
    return current_app.config["SEARCH_INDEX_DIR"]


def _searcher():
    searcher, key, extras = store.searchers.get(_folder())
    if searcher is None:
        indexer.ensure_index()
        searcher, key, extras = store.searchers.get(_folder())
    return searcher, key, extras


def review_states() -> tuple[tuple, tuple[str, ...], dict[int, int]]:
    """(fingerprint, state names, {procedure id: state index}) for the review state facet:
    it comes from the marks in the database, read again only when they changed."""
    return changes.procedure_states()


def search(request: SearchRequest) -> SearchPage:
    """Run a search; raise QueryError for a query that cannot be read."""
    searcher, key, extras = _searcher()
    outcome = querying.run(searcher, key, extras, request, review=review_states())
    ids = [hit.procedure_id for hit in outcome.hits]
    rows = {procedure.id: (procedure, version) for procedure, version in db.session.execute(
        select(Procedure, ProcedureVersion).join(ProcedureVersion, ProcedureVersion.id == Procedure.current_version_id)
        .where(Procedure.id.in_(ids))
        .options(defer(ProcedureVersion.changes), selectinload(ProcedureVersion.translations)))} if ids else {}
    items = []
    for hit in outcome.hits:
        if hit.procedure_id not in rows:
            continue  # removed from the database since the index saw it; the indexer catches up
        procedure, version = rows[hit.procedure_id]
        items.append(ResultItem(procedure, version, hit.score, snippets.best_snippet(version.record, outcome.terms, cache_key=version.content_hash)))
    return SearchPage(request, items, outcome.total, outcome.facets, outcome.suggestion)


def matching_ids(request: SearchRequest) -> list[int]:
    """Every procedure id that a request's query and filters match, without paging, in code
    order: for acting on a whole result set (bulk marking). Raises QueryError as ``search`` does.

    Only the match and the filters run (no scores, snippets or facet counts to show), and the
    outcome is not cached: a result set of thousands of ids is used once.
    """
    searcher, _key, extras = _searcher()
    parsed = querying.parse(searcher.schema, request.text)
    engine = querying.engine_for(searcher, extras)
    chosen = request.filter_dict()
    # The review state comes from the database, as on the search page.
    arrays = querying.facets_with_review(engine, review_states() if chosen.get("review") else None)
    allowed, _counts = facet_arrays.apply(arrays, engine.matches(parsed.match), chosen)
    order = np.argsort(engine.code_rank[allowed], kind="stable")
    return [int(engine.pid[allowed[index]]) for index in order]


def search_json(text: str, limit: int = 10) -> list[dict[str, Any]]:
    """Hits for the CLI: code, title, score, best first."""
    page = search(SearchRequest(text=text, per_page=limit))
    return [{"code": item.procedure.code, "title": item.version.title, "score": round(item.score, 4),
             "status": item.procedure.status,
             "matched": f"{item.snippet.kind} {item.snippet.element_id}".strip() if item.snippet else None}
            for item in page.items]


def index_exists() -> bool:
    return store.current(_folder()) is not None


def apply_pending() -> int:
    return indexer.apply_pending()


def reindex(progress=None) -> dict:
    """Rebuild the index from the database into a fresh generation, then switch to it;
    ``RebuildRunning`` when a rebuild is already under way (in any process)."""
    return indexer.rebuild(progress=progress)


REBUILD_JOB_KIND = "reindex"


@jobs.handler(REBUILD_JOB_KIND)
def run_rebuild(job: jobs.Running) -> dict | None:
    """A rebuild requested from the admin page, run by a job worker of the node that asked."""
    try:
        return reindex()
    except RebuildRunning:
        return None  # another process started one a moment earlier: its status shows


def rebuild_status() -> rebuilds.RebuildStatus:
    """How far the current or last rebuild is, whichever process runs it."""
    return rebuilds.read(_folder())


def rebuild_running() -> bool:
    return rebuilds.is_running(_folder())


@dataclass
class CheckReport:
    missing: list[str]  # searchable in the database, absent from the index
    extra: list[str]  # in the index, not searchable in the database
    wrong_status: list[str]
    lag: int  # outbox events not yet applied

    @property
    def ok(self) -> bool:
        return not (self.missing or self.extra or self.wrong_status)


def check() -> CheckReport:
    """Compare the index with the database."""
    searcher, _key, _extras = _searcher()
    indexed: dict[int, str] = {}
    status_column = searcher.reader().column_reader("status")
    statuses = list(status_column)
    for docnum, stored in searcher.reader().iter_docs():
        raw = statuses[docnum] if docnum < len(statuses) else b""
        indexed[int(stored["id"])] = raw.decode("utf-8") if isinstance(raw, bytes) else str(raw)
    rows = dict(db.session.execute(select(Procedure.id, Procedure.status)
                                   .where(Procedure.status.in_(documents.SEARCHABLE_STATUSES))).all())
    codes = dict(db.session.execute(select(Procedure.id, Procedure.code)).all())
    return CheckReport(
        missing=sorted(codes[pid] for pid in rows.keys() - indexed.keys()),
        extra=sorted(codes.get(pid, str(pid)) for pid in indexed.keys() - rows.keys()),
        wrong_status=sorted(codes[pid] for pid in rows.keys() & indexed.keys() if rows[pid] != indexed[pid]),
        lag=_lag(),
    )


def _lag() -> int:
    generation = store.current(_folder())
    applied = store.read_state(generation.path).get("last_seq", 0) if generation else 0
    return db.session.scalar(select(func.count(PublicationEvent.seq)).where(PublicationEvent.seq > applied)) or 0


def health() -> dict[str, Any]:
    """Figures for the admin page: documents, outbox position, last rebuild, size."""
    generation = store.current(_folder())
    if generation is None:
        return {"exists": False, "lag": _lag()}
    state = store.read_state(generation.path)
    searcher, _key, _extras = _searcher()
    outbox_last = db.session.scalar(select(func.max(PublicationEvent.seq))) or 0
    return {
        "exists": True,
        "generation": generation.name,
        "documents": searcher.doc_count(),
        "last_seq": state.get("last_seq", 0),
        "outbox_last_seq": outbox_last,
        "lag": _lag(),
        "built_at": state.get("built_at"),
        "build_seconds": state.get("build_seconds"),
        "last_applied_at": state.get("last_applied_at"),
        "size_bytes": store.folder_size(generation.path),
    }
