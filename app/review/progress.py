"""Progress of the review against the working group's targets, each figure counted twice:
as proposed (proposed, accepted and implemented marks) and as accepted (accepted and
implemented). The population is always the published procedures, read in their current
version.

- ``reviewed_internal``: internal procedures with at least one mark in the view, or a "keep"
  mark in any state but rejected (deciding to keep a procedure is a review result too).
- ``simplify``: procedures with a proposal to abolish or simplify them. Every mark but "keep"
  simplifies the procedure (removing a document simplifies it as much as a mark "simplify"
  on the whole), so all of them count; ``details`` gives the abolished ones apart.
- ``data_fields``: documents and form fields of procedures offered online (partly or fully)
  marked "remove" or "reuse_from_database"; a field counts as well when its whole document is.
- ``cost``: annual compliance cost saved over annual cost (see ``cost.catalog_cost``), over the
  procedures whose figures are complete; the others are listed in ``details["incomplete"]``.

Every figure takes a ``Scope`` (one agency and/or sector) and ``breakdown`` gives the figures per
agency or sector. The counts are set-based: one query per figure (two for ``data_fields``)
counts the population and both views at once, with ``GROUP BY`` for a breakdown; no query per
procedure.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, case, exists, func, literal, or_, select

from app.catalog.models import Document, FormField, Procedure, ProcedureVersion
from app.extensions import db
from app.review.cost import GROUPS, CostReport, Scope, catalog_cost, catalog_cost_by, published_reports
from app.review.models import ACCEPTED_OR_BETTER, PROPOSED_OR_BETTER, Mark
from app.review.settings import target

VIEWS = {"proposed": PROPOSED_OR_BETTER, "accepted": ACCEPTED_OR_BETTER}
DATA_ACTIONS = ("remove", "reuse_from_database")
ONLINE = ("partial", "full")
KEYS = ("reviewed_internal", "simplify", "data_fields", "cost")

__all__ = ["GROUPS", "KEYS", "Figure", "Ratio", "Scope", "breakdown", "cost_saved", "data_fields", "progress",
           "reviewed_internal", "simplification"]


@dataclass(frozen=True)
class Ratio:
    numerator: int | Decimal
    denominator: int | Decimal

    @property
    def share(self) -> Decimal | None:
        """numerator / denominator, or None when there is nothing to count."""
        if not self.denominator:
            return None
        return Decimal(self.numerator) / Decimal(self.denominator)


@dataclass
class Figure:
    key: str
    proposed: Ratio
    accepted: Ratio
    target: Decimal | None
    details: dict[str, Any] = field(default_factory=dict)


# -- counting ----------------------------------------------------------------------------------

def _has_mark(*conditions) -> Any:
    return exists().where(Mark.procedure_id == Procedure.id, *conditions)


def _count_if(condition) -> Any:
    """How many rows of the group meet ``condition`` (0, not NULL, for an empty group)."""
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _published(scope: Scope | None) -> tuple:
    """Conditions on the published procedures joined to their current version, in scope."""
    return Procedure.status == "published", (scope or Scope()).condition()


def _tally(query, by: str | None) -> dict[str | None, Any]:
    """Run an aggregate query whole (key None) or grouped by agency or sector."""
    if by is None:
        return {None: db.session.execute(query).one()}
    column = GROUPS[by]
    return {row.grp: row for row in db.session.execute(query.add_columns(column.label("grp")).group_by(column))}


def _ratio(row, name: str) -> Ratio:
    return Ratio(int(getattr(row, name)), int(row.total)) if row is not None else Ratio(0, 0)


def _reviewed_internal(goal, scope, by) -> dict[str | None, Figure]:
    kept = and_(Mark.action == "keep", Mark.status != "rejected")
    query = (select(func.count(Procedure.id).label("total"), *[
        _count_if(_has_mark(or_(Mark.status.in_(statuses), kept))).label(view) for view, statuses in VIEWS.items()])
        .select_from(Procedure).join(ProcedureVersion, ProcedureVersion.id == Procedure.current_version_id)
        .where(*_published(scope), ProcedureVersion.kind == "internal"))
    return {group: Figure("reviewed_internal", _ratio(row, "proposed"), _ratio(row, "accepted"), goal)
            for group, row in _tally(query, by).items()}


def _simplification(goal, scope, by) -> dict[str | None, Figure]:
    columns = [func.count(Procedure.id).label("total")]
    for view, statuses in VIEWS.items():
        columns.append(_count_if(_has_mark(Mark.action != "keep", Mark.status.in_(statuses))).label(view))
        columns.append(_count_if(_has_mark(Mark.action == "abolish", Mark.status.in_(statuses)))
                       .label(f"abolish_{view}"))
    query = (select(*columns).select_from(Procedure)
             .join(ProcedureVersion, ProcedureVersion.id == Procedure.current_version_id)
             .where(*_published(scope)))
    return {group: Figure("simplify", _ratio(row, "proposed"), _ratio(row, "accepted"), goal,
                          details={"abolish": {view: _ratio(row, f"abolish_{view}") for view in VIEWS}})
            for group, row in _tally(query, by).items()}


def _data_fields(goal, scope, by) -> dict[str | None, Figure]:
    document_key = literal("document:") + Document.eid
    field_marked = or_(Mark.element_key == literal("field:") + FormField.eid,
                       Mark.element_key == literal("document:") + FormField.document_eid)

    def tally(model, marked):
        columns = [func.count(model.id).label("total")]
        for view, statuses in VIEWS.items():
            columns.append(_count_if(_has_mark(Mark.status.in_(statuses), Mark.action.in_(DATA_ACTIONS), marked))
                           .label(view))
        query = (select(*columns).select_from(model)
                 .join(ProcedureVersion, ProcedureVersion.id == model.version_id)
                 .join(Procedure, Procedure.current_version_id == ProcedureVersion.id)
                 .where(*_published(scope), ProcedureVersion.online_level.in_(ONLINE)))
        return _tally(query, by)

    rows = {"documents": tally(Document, Mark.element_key == document_key), "fields": tally(FormField, field_marked)}
    figures = {}
    for group in {*rows["documents"], *rows["fields"]}:
        details = {view: {name: _ratio(found.get(group), view) for name, found in rows.items()} for view in VIEWS}
        ratios = {view: Ratio(sum(r.numerator for r in parts.values()), sum(r.denominator for r in parts.values()))
                  for view, parts in details.items()}
        figures[group] = Figure("data_fields", ratios["proposed"], ratios["accepted"], goal, details=details)
    return figures


def _cost_figure(totals, goal) -> Figure:
    ratios = {view: Ratio(totals[view].saved_annual, totals[view].annual_cost) for view in VIEWS}
    return Figure("cost", ratios["proposed"], ratios["accepted"], goal,
                  details={"incomplete": {view: totals[view].incomplete for view in VIEWS},
                           "procedures": {view: totals[view].procedures for view in VIEWS},
                           "clamped": {view: totals[view].clamped for view in VIEWS},
                           "unknown_marks": {view: len(totals[view].unknown_marks) for view in VIEWS}})


def _cost_saved(goal, year, scope, by, reports: list[CostReport] | None = None) -> dict[str | None, Figure]:
    if by is None:
        return {None: _cost_figure(catalog_cost(year, scope, reports), goal)}
    return {group: _cost_figure(totals, goal) for group, totals in catalog_cost_by(by, year, scope, reports).items()}


# -- the figures -------------------------------------------------------------------------------

def reviewed_internal(year: int | None = None, scope: Scope | None = None) -> Figure:
    return _reviewed_internal(target("reviewed_internal", year), scope, None)[None]


def simplification(year: int | None = None, scope: Scope | None = None) -> Figure:
    return _simplification(target("simplify", year), scope, None)[None]


def data_fields(year: int | None = None, scope: Scope | None = None) -> Figure:
    return _data_fields(target("data_fields", year), scope, None)[None]


def cost_saved(year: int | None = None, scope: Scope | None = None,
               reports: list[CostReport] | None = None) -> Figure:
    return _cost_saved(target("cost", year), year, scope, None, reports)[None]


def progress(year: int | None = None, scope: Scope | None = None,
             reports: list[CostReport] | None = None) -> dict[str, Figure]:
    """All four figures of the dashboard, keyed as the targets are.

    ``reports`` (``cost.published_reports(year, scope)``) saves loading the cost inputs again."""
    figures = (reviewed_internal(year, scope), simplification(year, scope), data_fields(year, scope),
               cost_saved(year, scope, reports))
    return {figure.key: figure for figure in figures}


def breakdown(by: str, year: int | None = None, scope: Scope | None = None,
              reports: list[CostReport] | None = None) -> dict[str, dict[str, Figure]]:
    """The four figures per agency or sector (``by``) of the published procedures in scope:
    group -> key -> figure, groups in name order. A group without internal procedures or
    online documents has a figure of 0 / 0 there (no share), not a missing row."""
    if by not in GROUPS:
        raise KeyError(by)
    if reports is None:
        reports = published_reports(year, scope)
    goals = {key: target(key, year) for key in KEYS}
    found = {
        "reviewed_internal": _reviewed_internal(goals["reviewed_internal"], scope, by),
        "simplify": _simplification(goals["simplify"], scope, by),
        "data_fields": _data_fields(goals["data_fields"], scope, by),
        "cost": _cost_saved(goals["cost"], year, scope, by, reports),
    }
    empty = {
        "reviewed_internal": lambda: Figure("reviewed_internal", Ratio(0, 0), Ratio(0, 0), goals["reviewed_internal"]),
        "data_fields": lambda: Figure("data_fields", Ratio(0, 0), Ratio(0, 0), goals["data_fields"],
                                      details={view: {"documents": Ratio(0, 0), "fields": Ratio(0, 0)}
                                               for view in VIEWS}),
    }
    # Every published procedure is in the "simplify" population, so its groups are all groups.
    return {group: {key: found[key][group] if group in found[key] else empty[key]() for key in KEYS}
            for group in sorted(found["simplify"])}
