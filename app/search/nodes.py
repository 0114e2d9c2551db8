"""Index replicas per node and the rebuilds requested of them.

Every node keeps its own index under ``SEARCH_INDEX_DIR``, named by ``NODE_NAME``; its search
worker reports the replica in ``search_node``. A rebuild requested on any node (admin page,
``flask search reindex``) is one job (``app.core.jobs``, kind ``REBUILD_KIND``) per known node,
bound to that node; only that node's search worker claims it (a dedicated kind), one at a time,
and reports progress on the job, so the admin page of any node shows every node. A node whose
index is missing or broken asks for its own rebuild the same way.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from app.core import jobs
from app.extensions import db
from app.search.models import SearchNode
from app.timeutil import utcnow

REBUILD_KIND = "reindex"
# Nodes not seen for this long are not given new rebuilds (a node that comes back builds its
# own index when it finds none).
NODE_TIMEOUT = timedelta(days=7)
# A repair (reason "missing"/"broken") is not requested again this soon after the last one
# finished: an index that breaks again at once is left for an admin, not rebuilt in a loop.
AUTO_PAUSE = timedelta(minutes=5)


def this_node() -> str:
    return current_app.config["NODE_NAME"]


def report(generation: str | None, documents: int, last_seq: int, problem: str | None) -> None:
    """Record this node's replica as its worker sees it now (a short transaction of its own)."""
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


def _rebuilds(node: str):
    return select(jobs.Job).where(jobs.Job.kind == REBUILD_KIND, jobs.Job.node == node)


def has_open_rebuild(node: str | None = None) -> bool:
    node = node or this_node()
    active = db.session.scalars(_rebuilds(node).where(jobs.Job.state.in_(jobs.ACTIVE))).all()
    return any(job.state == "queued" or not jobs.worker_lost(job) for job in active)


def request_rebuild(requested_by_id: int | None = None, nodes: list[str] | None = None,
                    reason: str = "request") -> list[jobs.Job]:
    """Queue a rebuild job for each of ``nodes`` (every known node by default) that has none
    queued or running; returns the jobs queued."""
    queued = []
    for node in nodes or known_nodes():
        if has_open_rebuild(node):
            continue
        queued.append(jobs.enqueue(REBUILD_KIND, label=str(_l("Search index rebuild")), owner_id=requested_by_id,
                                   params={"reason": reason}, node=node))
    return queued


def may_repair(node: str | None = None) -> bool:
    """True when a repair may be requested: none open, and the last rebuild was not itself a
    repair that finished within ``AUTO_PAUSE``."""
    node = node or this_node()
    if has_open_rebuild(node):
        return False
    last = db.session.scalars(_rebuilds(node).order_by(jobs.Job.created_at.desc()).limit(1)).first()
    return (last is None or (last.params or {}).get("reason", "request") == "request"
            or (last.finished_at or last.created_at) < utcnow() - AUTO_PAUSE)


def claim(node: str | None = None) -> str | None:
    """Take this node's oldest queued rebuild; its job id."""
    return jobs.claim(jobs.worker_name(), kinds=[REBUILD_KIND], node=node or this_node())


@dataclass
class NodeView:
    """One node on the admin page: its replica and its latest rebuild."""

    name: str
    node: SearchNode | None
    rebuild: jobs.Job | None
    this: bool

    @property
    def rebuild_state(self) -> str:
        return self.rebuild.state if self.rebuild is not None else "none"

    @property
    def result(self) -> dict:
        return (self.rebuild.result or {}) if self.rebuild is not None else {}

    @property
    def percent(self) -> int:
        return self.rebuild.percent if self.rebuild is not None else 0


def overview() -> list[NodeView]:
    """Every known node (this one first) with its latest rebuild, its state made true first
    (a rebuild whose worker is gone reads as interrupted)."""
    nodes = {node.name: node for node in db.session.scalars(select(SearchNode))}
    latest: dict[str, jobs.Job] = {}
    for job in db.session.scalars(select(jobs.Job).where(jobs.Job.kind == REBUILD_KIND)
                                  .order_by(jobs.Job.created_at, jobs.Job.id)):
        latest[job.node or ""] = job
    for node, job in list(latest.items()):
        latest[node] = jobs.get(job.id) or job
    names = sorted((set(nodes) | set(latest) | {this_node()}) - {""}, key=lambda name: (name != this_node(), name))
    return [NodeView(name, nodes.get(name), latest.get(name), name == this_node()) for name in names]


def any_open() -> bool:
    return any(view.rebuild_state in jobs.ACTIVE for view in overview())
