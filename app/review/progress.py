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
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, exists, func, literal, or_, select

from app.catalog.models import Document, FormField, Procedure, ProcedureVersion
from app.extensions import db
from app.review.cost import catalog_cost
from app.review.models import ACCEPTED_OR_BETTER, PROPOSED_OR_BETTER, Mark
from app.review.settings import target

VIEWS = {"proposed": PROPOSED_OR_BETTER, "accepted": ACCEPTED_OR_BETTER}
DATA_ACTIONS = ("remove", "reuse_from_database")
ONLINE = ("partial", "full")


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


def _published():
    """Published procedures joined to their current version."""
    return (select(func.count(Procedure.id)).select_from(Procedure)
            .join(ProcedureVersion, ProcedureVersion.id == Procedure.current_version_id)
            .where(Procedure.status == "published"))


def _has_mark(*conditions) -> Any:
    return exists().where(Mark.procedure_id == Procedure.id, *conditions)


def _count(query) -> int:
    return db.session.scalar(query) or 0


def reviewed_internal(year: int | None = None) -> Figure:
    population = _published().where(ProcedureVersion.kind == "internal")
    kept = and_(Mark.action == "keep", Mark.status != "rejected")
    ratios = {view: Ratio(_count(population.where(_has_mark(or_(Mark.status.in_(statuses), kept)))),
                          _count(population))
              for view, statuses in VIEWS.items()}
    return Figure("reviewed_internal", ratios["proposed"], ratios["accepted"], target("reviewed_internal", year))


def simplification(year: int | None = None) -> Figure:
    population = _published()
    total = _count(population)
    ratios, abolished = {}, {}
    for view, statuses in VIEWS.items():
        ratios[view] = Ratio(_count(population.where(_has_mark(Mark.action != "keep", Mark.status.in_(statuses)))),
                             total)
        abolished[view] = Ratio(_count(population.where(_has_mark(Mark.action == "abolish",
                                                                  Mark.status.in_(statuses)))), total)
    return Figure("simplify", ratios["proposed"], ratios["accepted"], target("simplify", year),
                  details={"abolish": abolished})


def data_fields(year: int | None = None) -> Figure:
    def population(model):
        return (select(func.count(model.id)).select_from(model)
                .join(ProcedureVersion, ProcedureVersion.id == model.version_id)
                .join(Procedure, Procedure.current_version_id == ProcedureVersion.id)
                .where(Procedure.status == "published", ProcedureVersion.online_level.in_(ONLINE)))

    documents, fields = population(Document), population(FormField)
    document_key = literal("document:") + Document.eid
    field_marked = or_(Mark.element_key == literal("field:") + FormField.eid,
                       Mark.element_key == literal("document:") + FormField.document_eid)
    totals = {"documents": _count(documents), "fields": _count(fields)}
    ratios, details = {}, {}
    for view, statuses in VIEWS.items():
        marked = (Mark.status.in_(statuses), Mark.action.in_(DATA_ACTIONS))
        counts = {
            "documents": _count(documents.where(_has_mark(*marked, Mark.element_key == document_key))),
            "fields": _count(fields.where(_has_mark(*marked, field_marked))),
        }
        details[view] = {name: Ratio(counts[name], totals[name]) for name in totals}
        ratios[view] = Ratio(sum(counts.values()), sum(totals.values()))
    return Figure("data_fields", ratios["proposed"], ratios["accepted"], target("data_fields", year),
                  details=details)


def cost_saved(year: int | None = None) -> Figure:
    totals = catalog_cost(year)
    ratios = {view: Ratio(totals[view].saved_annual, totals[view].annual_cost) for view in VIEWS}
    return Figure("cost", ratios["proposed"], ratios["accepted"], target("cost", year),
                  details={"incomplete": {view: totals[view].incomplete for view in VIEWS},
                           "procedures": {view: totals[view].procedures for view in VIEWS}})


def progress(year: int | None = None) -> dict[str, Figure]:
    """All four figures of the dashboard, keyed as the targets are."""
    figures = (reviewed_internal(year), simplification(year), data_fields(year), cost_saved(year))
    return {figure.key: figure for figure in figures}
