"""The catalog list's own table: one narrow row per procedure, kept in step with what it shows.

``refresh`` rewrites the rows of some procedures from their shown version; the importer and
publication call it in the transaction that changes them. That transaction then raises the
one-row counter ``catalog_change`` just before it commits (as ``app.review.changes`` does for
marks), so the list's cached filter counts are derived again in every process, and a long
import does not hold the counter's lock while it loads.
"""
from __future__ import annotations

import secrets
import unicodedata
from collections.abc import Iterable

from sqlalchemy import delete, event, insert, select, update
from sqlalchemy.orm import Session

from app.catalog.models import LEVELS, CatalogChange, CatalogEntry, Procedure, ProcedureVersion
from app.extensions import db

CHANGED = "catalog_entries_changed"  # key in Session.info
CHUNK = 2000


def fold(text: str) -> str:
    """Lower case without diacritics (``đ`` has no decomposition: mapped by hand)."""
    decomposed = unicodedata.normalize("NFD", text.lower().replace("đ", "d"))
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def level_bits(levels: Iterable[str] | None) -> int:
    return sum(1 << LEVELS.index(level) for level in set(levels or ()) if level in LEVELS)


def refresh(procedure_ids: Iterable[int]) -> None:
    """Rewrite the catalog rows of these procedures from their shown version."""
    ids = sorted(set(procedure_ids))
    if not ids:
        return
    P, V, E = Procedure.__table__, ProcedureVersion.__table__, CatalogEntry.__table__
    for start in range(0, len(ids), CHUNK):
        part = ids[start:start + CHUNK]
        rows = db.session.execute(
            select(P.c.id, P.c.code, P.c.status, P.c.pending_version_id, P.c.status_changed_at, V.c.id.label("vid"),
                   V.c.title, V.c.lang, V.c.kind, V.c.agency, V.c.sector, V.c.online_level, V.c.levels)
            .select_from(P.join(V, V.c.id == P.c.current_version_id)).where(P.c.id.in_(part))).all()
        db.session.execute(delete(E).where(E.c.procedure_id.in_(part)))
        if rows:
            db.session.execute(insert(E), [{
                "procedure_id": row.id, "version_id": row.vid, "code": row.code, "status": row.status,
                "pending": row.pending_version_id is not None, "title": row.title,
                "title_folded": fold(row.title)[:500], "lang": row.lang, "kind": row.kind,
                "agency": row.agency, "sector": row.sector, "online_level": row.online_level,
                "level_bits": level_bits(row.levels), "status_changed_at": row.status_changed_at,
            } for row in rows])
    db.session.info[CHANGED] = True


@event.listens_for(Session, "before_commit")
def _before_commit(session: Session) -> None:
    if session.info.pop(CHANGED, False):
        bump(session)


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(CHANGED, None)


def bump(session: Session) -> None:
    """Raise the counter; a missing row is created with a random start, so that a re-created
    row does not repeat the numbers of the one before it."""
    raised = session.execute(update(CatalogChange).where(CatalogChange.id == 1)
                             .values(seq=CatalogChange.seq + 1)).rowcount
    if not raised:
        session.add(CatalogChange(id=1, seq=secrets.randbelow(2**30) + 1))
        session.flush()


def current() -> int | None:
    """The counter as this transaction sees it; None when its row is missing."""
    return db.session.scalar(select(CatalogChange.seq).where(CatalogChange.id == 1))
