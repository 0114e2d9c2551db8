"""The search interface used by the pages, the CLI and the tests.

Nothing outside ``app.search`` imports Whoosh: callers use ``search``, ``matching_ids``, ``reindex``,
``apply_pending``, ``check`` and ``health``. What is asked of the index itself goes through
``backend``; this module leases the searcher and joins the answers with the database.
"""
from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import defer, selectinload

from app.catalog.models import Procedure, ProcedureVersion, PublicationEvent
from app.extensions import db
from app.review import changes
from app.search import backend, documents, indexer, nodes, postings, querying, rebuilds, snippets, store
from app.search.analysis import tokenize
from app.search.querying import QueryError, QueryTooExpensive, SearchRequest
from app.search.rebuilds import RebuildRunning
from app.search.store import IndexUnavailable

__all__ = ["IndexUnavailable", "QueryError", "QueryTooExpensive", "RebuildRunning", "SearchRequest", "SearchPage",
           "FILTERS", "request_from_args", "search", "matching_ids", "reindex", "request_rebuild", "rebuilds_overview", "apply_pending", "check", "health"]

# Every searcher this process opens gets its engine at once: damage shows when opening, and the
# first search finds the columns loaded.
store.searchers.prepare = querying.engine_for


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
    complete: int = 0  # the first ``complete`` procedures hold every word; the others most of them
    corrected: str | None = None  # the query as run, when typos were corrected

    @property
    def partial(self) -> int:
        """Listed procedures that hold most, not all, of the words."""
        return self.total - self.complete

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.request.per_page))


def _folder() -> str:
    return current_app.config["SEARCH_INDEX_DIR"]


@contextmanager
def _searcher() -> Iterator[tuple[Any, Any, dict]]:
    """The current searcher for the block; ``IndexUnavailable`` when this node has no usable
    index. A search never builds one: it asks this node's search worker for a rebuild."""
    try:
        with store.searchers.lease(_folder()) as leased:
            yield leased
    except IndexUnavailable as exc:
        _ask_for_rebuild(exc)
        raise


def _ask_for_rebuild(problem: IndexUnavailable) -> None:
    try:
        if nodes.may_repair():
            nodes.request_rebuild(nodes=[nodes.this_node()], reason=problem.reason)
            indexer.nudge()
    except Exception:  # the database may be what is down; the page still answers
        db.session.rollback()


def review_states() -> tuple[tuple, tuple[str, ...], dict[int, int]]:
    """(fingerprint, state names, {procedure id: state index}) for the review state facet:
    it comes from the marks in the database, read again only when they changed."""
    return changes.procedure_states()


# The filters a search page (and a saved search, a result list, a bulk selection) may carry.
FILTERS = ("agency", "sector", "level", "kind", "online_level", "status", "review")


def request_from_args(args) -> SearchRequest:
    """A search request from a query string (``request.args``): known filters only, bounded."""
    filters = tuple((name, tuple(sorted({v for v in args.getlist(name) if v})[:50])) for name in FILTERS
                    if any(args.getlist(name)))
    try:
        page = min(500, max(1, int(args.get("page", 1))))
    except ValueError:
        page = 1
    sort = args.get("sort", "relevance")
    return SearchRequest(text=(args.get("q") or "").strip(), filters=filters,
                         sort=sort if sort in ("relevance", "code", "newest") else "relevance",
                         page=page, per_page=20, literal=args.get("exact") == "1")


def search(request: SearchRequest) -> SearchPage:
    """Run a search; raise QueryError for a query that cannot be read, IndexUnavailable when
    this node has no usable index."""
    review = review_states()
    with _searcher() as leased:
        outcome = backend.query(leased, request, review=review)
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
    return SearchPage(request, items, outcome.total, outcome.facets, outcome.suggestion, outcome.complete,
                      outcome.corrected)


def matching_ids(request: SearchRequest) -> list[int]:
    """Every procedure id that a request's query and filters match, without paging, in code
    order: for acting on a whole result set (bulk marking). Raises QueryError as ``search`` does.

    Only the match and the filters run (no scores, snippets or facet counts to show), and the
    outcome is not cached: a result set of thousands of ids is used once.
    """
    # The review state comes from the database, as on the search page.
    review = review_states() if request.filter_dict().get("review") else None
    with _searcher() as leased:
        return backend.matching_ids(leased, request, review)


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
    return backend.apply_pending()


def reindex(progress=None) -> dict:
    """Rebuild this node's index from the database into a fresh generation, then switch to
    it, here and now; ``RebuildRunning`` when a rebuild of this node's index is under way."""
    return backend.rebuild(progress=progress)


def request_rebuild(requested_by_id: int | None = None, nudge: bool = True) -> list:
    """Ask every node's search worker to rebuild its replica (admin page, CLI)."""
    rows = nodes.request_rebuild(requested_by_id)
    if nudge:
        indexer.nudge()
    return rows


def rebuild_running_here() -> bool:
    """A rebuild of this node's index holds its lock now (in any process)."""
    return rebuilds.is_running(_folder())


def rebuilds_overview() -> list[nodes.NodeView]:
    """Every node's replica and its latest rebuild, this node first."""
    return nodes.overview()


def rebuild_in_progress() -> bool:
    return nodes.any_open()


@dataclass
class CheckReport:
    missing: list[str]  # searchable in the database, absent from the index
    extra: list[str]  # in the index, not searchable in the database
    wrong_status: list[str]
    lag: int  # outbox events not yet applied
    damage: list[str] = field(default_factory=list)  # the index cannot serve as it is, and why
    unavailable: str | None = None  # "missing" or "broken" when there is no index to compare

    @property
    def ok(self) -> bool:
        return not (self.missing or self.extra or self.wrong_status or self.damage or self.unavailable)


def check(repair: bool = True, checksums: bool = True) -> CheckReport:
    """Compare the index with the database and verify its arrays (sizes, and the checksums
    written with them unless ``checksums`` is false). A missing or damaged index is reported
    and (``repair``) its rebuild requested from this node's search worker."""
    generation = store.current(_folder())
    damage = postings.verify_generation(generation.path, checksums) if generation is not None else []
    indexed: dict[int, str] = {}
    unavailable = None
    try:
        if damage:
            raise IndexUnavailable("broken", damage[0])
        with _searcher() as leased:
            indexed = backend.indexed_statuses(leased)
    except IndexUnavailable as exc:
        unavailable = exc.reason
        if exc.detail and exc.detail not in damage:
            damage.append(exc.detail)
        if repair:
            if damage and generation is not None:
                # Searches stop using it at once (in every process), rather than answer from
                # damaged arrays until the rebuild is done.
                store.mark_broken(generation, "; ".join(damage[:5]))
            _ask_for_rebuild(exc)
    rows = dict(db.session.execute(select(Procedure.id, Procedure.status)
                                   .where(Procedure.status.in_(documents.SEARCHABLE_STATUSES))).all())
    codes = dict(db.session.execute(select(Procedure.id, Procedure.code)).all())
    if unavailable:
        return CheckReport([], [], [], _lag(), damage, unavailable)
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
        return {"exists": False, "lag": _lag(), "problem": store.problem(_folder())}
    state = store.read_state(generation.path)
    try:
        with _searcher() as leased:
            count = backend.document_count(leased)
    except IndexUnavailable as exc:
        return {"exists": False, "lag": _lag(), "problem": exc.detail or exc.reason}
    outbox_last = db.session.scalar(select(func.max(PublicationEvent.seq))) or 0
    return {
        "exists": True,
        "generation": generation.name,
        "documents": count,
        "last_seq": state.get("last_seq", 0),
        "outbox_last_seq": outbox_last,
        "lag": _lag(),
        "built_at": state.get("built_at"),
        "build_seconds": state.get("build_seconds"),
        "last_applied_at": state.get("last_applied_at"),
        "size_bytes": store.folder_size(generation.path),
    }


def warm_up(app) -> threading.Thread:
    """Open this node's index and load the Thai dictionary in a background thread of a web
    worker that just started, so that its first search finds both ready."""
    def work() -> None:
        with app.app_context():
            try:
                tokenize("ไทย")
                with store.searchers.lease(_folder()):
                    pass
            except Exception:  # no index yet, or a damaged one: the first search says so
                pass
            finally:
                db.session.remove()

    thread = threading.Thread(target=work, name="search-warm-up", daemon=True)
    thread.start()
    return thread
