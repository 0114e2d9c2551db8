"""Index replicas per node and the rebuilds requested of them.

Every node keeps its own index under ``SEARCH_INDEX_DIR``, named by ``NODE_NAME``. A rebuild
requested on any node (admin page, ``flask search reindex``) adds one ``search_rebuild`` row per
known node; each node's search worker claims its own rows, one at a time, and reports progress
there, so the admin page of any node shows every node. A node whose index is missing or broken
asks for its own rebuild the same way.

Progress is written through a connection of its own: the rebuild reads the catalog meanwhile in
the session's transaction.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import select, update

from app.admin import jobs
from app.extensions import db
from app.search.models import SearchNode, SearchRebuild
from app.timeutil import utcnow

OPEN_STATES = ("queued", "running")
INTERRUPTED = "interrupted"  # the message of a rebuild whose worker ended before it finished
# A running rebuild whose worker has not reported for this long has lost its worker.
HEARTBEAT_TIMEOUT = timedelta(seconds=60)
# Nodes not seen for this long are not given new rebuilds (a node that comes back builds its
# own index when it finds none).
NODE_TIMEOUT = timedelta(days=7)


def this_node() -> str:
    return current_app.config["NODE_NAME"]


def report(generation: str | None, documents: int, last_seq: int, problem: str | None) -> None:
    """Record this node's replica as its worker sees it now."""
    with db.engine.begin() as connection:
        values = {"seen_at": utcnow(), "generation": generation, "documents": documents, "last_seq": last_seq,
                  "problem": problem}
        changed = connection.execute(update(SearchNode).where(SearchNode.name == this_node()).values(**values))
        if not changed.rowcount:
            connection.execute(SearchNode.__table__.insert().values(name=this_node(), **values))


def known_nodes() -> list[str]:
    since = utcnow() - NODE_TIMEOUT
    names = set(db.session.scalars(select(SearchNode.name).where(SearchNode.seen_at >= since)))
    return sorted(names | {this_node()})


def request_rebuild(requested_by_id: int | None = None, nodes: list[str] | None = None,
                    reason: str = "request") -> list[SearchRebuild]:
    """Queue a rebuild for each of ``nodes`` (every known node by default) that has none
    queued; returns the rows queued. Commits."""
    rows = []
    waiting = set(db.session.scalars(select(SearchRebuild.node).where(SearchRebuild.state == "queued")))
    for node in nodes or known_nodes():
        if node in waiting:
            continue
        row = SearchRebuild(node=node, reason=reason, requested_by_id=requested_by_id)
        db.session.add(row)
        rows.append(row)
    db.session.commit()
    return rows


AUTO_PAUSE = timedelta(minutes=5)


def may_repair(node: str | None = None) -> bool:
    """True unless this node's last rebuild was itself a repair that finished within
    ``AUTO_PAUSE``: an index that breaks again at once is left for an admin, not rebuilt in a loop."""
    node = node or this_node()
    if has_open_rebuild(node):
        return False
    last = db.session.scalars(select(SearchRebuild).where(SearchRebuild.node == node)
                              .order_by(SearchRebuild.id.desc()).limit(1)).first()
    return last is None or last.reason == "request" or (last.finished_at or last.created_at) < utcnow() - AUTO_PAUSE


def has_open_rebuild(node: str | None = None) -> bool:
    node = node or this_node()
    rows = db.session.scalars(select(SearchRebuild).where(SearchRebuild.node == node,
                                                          SearchRebuild.state.in_(OPEN_STATES))).all()
    return any(row.state == "queued" or not _lost(row) for row in rows)


def claim(node: str | None = None) -> SearchRebuild | None:
    """Take this node's oldest queued rebuild (an atomic update: one claimant wins). Commits."""
    node = node or this_node()
    for row_id in db.session.scalars(select(SearchRebuild.id).where(
            SearchRebuild.node == node, SearchRebuild.state == "queued").order_by(SearchRebuild.id)):
        now = utcnow()
        taken = db.session.execute(update(SearchRebuild).where(SearchRebuild.id == row_id,
                                                               SearchRebuild.state == "queued")
                                   .values(state="running", started_at=now, heartbeat_at=now))
        db.session.commit()
        if taken.rowcount:
            return db.session.get(SearchRebuild, row_id)
    return None


def progress(row_id: int, done: int, total: int, phase: str) -> None:
    with db.engine.begin() as connection:
        connection.execute(update(SearchRebuild).where(SearchRebuild.id == row_id)
                           .values(done=done, total=total, phase=phase, heartbeat_at=utcnow()))


def finish(row_id: int, state: str, documents: int = 0, build_seconds: float = 0.0, message: str = "") -> None:
    with db.engine.begin() as connection:
        connection.execute(update(SearchRebuild).where(SearchRebuild.id == row_id).values(
            state=state, documents=documents, build_seconds=build_seconds, message=message[:2000],
            finished_at=utcnow(), heartbeat_at=utcnow()))


def interrupt_lost(node: str | None = None) -> int:
    """Mark as failed ("interrupted") the running rebuilds of a node whose worker died."""
    node = node or this_node()
    count = 0
    for row in db.session.scalars(select(SearchRebuild).where(SearchRebuild.node == node,
                                                              SearchRebuild.state == "running")):
        if _lost(row):
            row.state, row.message, row.finished_at = "failed", INTERRUPTED, utcnow()
            count += 1
    db.session.commit()
    return count


def _lost(row: SearchRebuild) -> bool:
    return row.state == "running" and (row.heartbeat_at or row.created_at) < utcnow() - HEARTBEAT_TIMEOUT


@dataclass
class NodeView:
    """One node on the admin page: its replica and its latest rebuild."""

    name: str
    node: SearchNode | None
    rebuild: SearchRebuild | None
    this: bool

    @property
    def rebuild_state(self) -> str:
        if self.rebuild is None:
            return "none"
        return "failed" if _lost(self.rebuild) else self.rebuild.state

    @property
    def percent(self) -> int:
        row = self.rebuild
        if row is None:
            return 0
        return jobs.percent("running" if row.state in OPEN_STATES else row.state, row.done, row.total)


def overview() -> list[NodeView]:
    """Every known node (this one first) with its latest rebuild."""
    nodes = {node.name: node for node in db.session.scalars(select(SearchNode))}
    latest: dict[str, SearchRebuild] = {}
    for row in db.session.scalars(select(SearchRebuild).order_by(SearchRebuild.id)):
        latest[row.node] = row
    names = sorted(set(nodes) | set(latest) | {this_node()}, key=lambda name: (name != this_node(), name))
    return [NodeView(name, nodes.get(name), latest.get(name), name == this_node()) for name in names]


def any_open() -> bool:
    return any(view.rebuild_state in OPEN_STATES for view in overview())
