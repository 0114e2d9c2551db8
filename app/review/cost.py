"""Compliance cost of a procedure (Circular 02/2017/TT-VPCP, Art. 27: the Standard Cost Model),
before and after the review marks.

    cost per case = hours per case x income per hour + fees per case + other costs per case
    annual cost   = cost per case x cases per year

The hours, other costs and cases per year are the ``cost`` inputs of the current version; the
fees per case are the sum of the ``amount_vnd`` of its fees (a procedure that lists no fee
charges none); the income per hour is a yearly setting (``settings.INCOME_PER_HOUR``).

After the marks, in two views: ``accepted`` (accepted and implemented marks) and ``proposed``
(proposed as well). Each mark estimates what it saves per case: hours, fees (VND), other costs
(VND); abolishing saves the whole cost; keeping saves nothing. Marks whose element was removed
(flag ``orphaned``) are left out and listed.

Nothing missing is taken as zero: a missing input or estimate is a ``Gap`` and the figures it
feeds are None. One exception: an estimate left blank for a component that costs nothing now
(a fee-free procedure's fees) can only save 0, so it counts as 0, not as a gap. The catalog
totals count the marks whose unknown estimates keep their procedure out of the sum
(``unknown_marks``), so that a total is never shown bare as if it were all.

Savings larger than the cost are cut to the cost, per component (hours, fees, other costs),
and each cut is listed as a ``Clamp``. A procedure with no cases a year has an
annual cost of 0, and a share saved of None where the cost is 0 (nothing to divide by).

A ``Scope`` narrows the catalog figures to the procedures of one agency and/or sector (of their
current version); ``catalog_cost_by`` sums per agency or sector from the same three queries.

Amounts are ``Decimal`` (built from the stored floats through their shortest text form, so 1.5
hours is exactly 1.5): sums and products of VND amounts stay exact.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, case, cast, func, literal, null, select, true

from app.catalog.models import Fee, Procedure, ProcedureVersion
from app.extensions import db
from app.review.models import ACCEPTED_OR_BETTER, PROPOSED_OR_BETTER, Mark
from app.review.rules import EFFECT_FIELDS
from app.review.settings import INCOME_PER_HOUR, get_setting

ZERO = Decimal(0)
VIEWS = {"accepted": ACCEPTED_OR_BETTER, "proposed": PROPOSED_OR_BETTER}
# Effect field of a mark -> the cost component it reduces.
COMPONENT = {"hours_saved_per_case": "hours", "fees_saved_vnd": "fees", "other_saved_vnd": "other"}
# The dimensions a catalog figure can be broken down by (columns of the current version).
GROUPS = {"agency": ProcedureVersion.agency, "sector": ProcedureVersion.sector}


def _dec(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


@dataclass(frozen=True)
class Scope:
    """The procedures a catalog figure is over: all, or those whose current version belongs to
    an agency and/or a sector (an empty value does not narrow)."""

    agency: str | None = None
    sector: str | None = None

    def condition(self):
        """A condition on ``ProcedureVersion`` (joined as the current version)."""
        parts = [GROUPS[name] == value for name, value in (("agency", self.agency), ("sector", self.sector))
                 if value]
        return and_(true(), *parts)


@dataclass(frozen=True)
class CostInputs:
    """The inputs of one procedure's formula, from its current version (and, to group and list
    the procedure, its title, language, agency and sector)."""

    procedure_id: int
    code: str
    hours_per_case: Decimal | None
    fees_per_case: Decimal | None  # None when a fee has no amount
    other_costs_vnd: Decimal | None
    cases_per_year: Decimal | None
    fees_without_amount: tuple[str, ...] = ()  # element keys of those fees
    title: str | None = None
    lang: str | None = None
    agency: str | None = None
    sector: str | None = None


@dataclass(frozen=True)
class MarkEffect:
    """What one mark says it saves per case (None: not estimated)."""

    mark_id: int
    action: str
    status: str
    flag: str | None = None
    hours_saved_per_case: Decimal | None = None
    fees_saved_vnd: Decimal | None = None
    other_saved_vnd: Decimal | None = None


@dataclass(frozen=True)
class Gap:
    """A missing figure: ``ref`` is the procedure code or the mark id, ``field`` what is missing."""

    ref: str
    field: str


@dataclass(frozen=True)
class Clamp:
    """Savings on ``component`` (hours, fees, other) of ``requested`` cut to ``allowed``."""

    component: str
    requested: Decimal
    allowed: Decimal


@dataclass
class CostView:
    """The cost after the marks of one view."""

    view: str
    mark_ids: list[int] = field(default_factory=list)
    saved_per_case: Decimal | None = None
    cost_per_case_after: Decimal | None = None
    saved_annual: Decimal | None = None
    annual_cost_after: Decimal | None = None
    share_saved: Decimal | None = None
    gaps: list[Gap] = field(default_factory=list)  # missing estimates of the marks
    clamped: list[Clamp] = field(default_factory=list)
    excluded: list[int] = field(default_factory=list)  # orphaned marks, not counted
    to_recheck: list[int] = field(default_factory=list)  # counted, but their element's text changed


@dataclass
class CostReport:
    inputs: CostInputs
    income_per_hour: Decimal | None
    income_year: int | None
    cost_per_case: Decimal | None
    annual_cost: Decimal | None
    gaps: list[Gap]  # missing inputs of the formula
    views: dict[str, CostView]

    @property
    def accepted(self) -> CostView:
        return self.views["accepted"]

    @property
    def proposed(self) -> CostView:
        return self.views["proposed"]


# -- the formula (pure) ------------------------------------------------------------------------

def cost_per_case(inputs: CostInputs, income_per_hour: Decimal | None) -> tuple[Decimal | None, list[Gap]]:
    """hours x income + fees + other costs, or None with the gaps that prevent it."""
    gaps = []
    if inputs.hours_per_case is None:
        gaps.append(Gap(inputs.code, "hours_per_case"))
    if income_per_hour is None:
        gaps.append(Gap(inputs.code, "income_per_hour"))
    if inputs.fees_per_case is None:
        gaps.extend(Gap(inputs.code, key) for key in inputs.fees_without_amount)
    if inputs.other_costs_vnd is None:
        gaps.append(Gap(inputs.code, "other_costs_vnd"))
    if gaps:
        return None, gaps
    return inputs.hours_per_case * income_per_hour + inputs.fees_per_case + inputs.other_costs_vnd, []


def annual(per_case: Decimal | None, cases_per_year: Decimal | None) -> Decimal | None:
    if per_case is None or cases_per_year is None:
        return None
    return per_case * cases_per_year


def apply_marks(inputs: CostInputs, income_per_hour: Decimal | None, effects: list[MarkEffect],
                view: str) -> CostView:
    """The cost after the marks whose status the view counts."""
    result = CostView(view=view)
    counted = []
    for effect in effects:
        if effect.status not in VIEWS[view]:
            continue
        if effect.flag == "orphaned":
            result.excluded.append(effect.mark_id)
            continue
        if effect.flag == "text_changed":
            result.to_recheck.append(effect.mark_id)
        counted.append(effect)
        result.mark_ids.append(effect.mark_id)
    before, _gaps = cost_per_case(inputs, income_per_hour)
    if before is None:
        return result  # the report lists the missing inputs
    available = {"hours": inputs.hours_per_case, "fees": inputs.fees_per_case, "other": inputs.other_costs_vnd}
    if any(effect.action == "abolish" for effect in counted):
        saved = dict(available)  # an abolished procedure costs nothing
    else:
        saved = {"hours": ZERO, "fees": ZERO, "other": ZERO}
        for effect in counted:
            if effect.action == "keep":
                continue
            for name in EFFECT_FIELDS:
                value = getattr(effect, name)
                if value is None and available[COMPONENT[name]] == 0:
                    continue  # nothing to save on a component that costs nothing
                if value is None:
                    result.gaps.append(Gap(str(effect.mark_id), name))
                else:
                    saved[COMPONENT[name]] += value
        if result.gaps:
            return result
        for component, requested in saved.items():
            if requested > available[component]:
                result.clamped.append(Clamp(component, requested, available[component]))
                saved[component] = available[component]
    saved_per_case = saved["hours"] * income_per_hour + saved["fees"] + saved["other"]
    result.saved_per_case = saved_per_case
    result.cost_per_case_after = before - saved_per_case
    result.share_saved = saved_per_case / before if before > 0 else None
    if inputs.cases_per_year is not None:
        result.saved_annual = saved_per_case * inputs.cases_per_year
        result.annual_cost_after = result.cost_per_case_after * inputs.cases_per_year
    return result


def report(inputs: CostInputs, income_per_hour: Decimal | None, income_year: int | None,
           effects: list[MarkEffect]) -> CostReport:
    per_case, gaps = cost_per_case(inputs, income_per_hour)
    if inputs.cases_per_year is None:
        gaps.append(Gap(inputs.code, "cases_per_year"))
    return CostReport(inputs=inputs, income_per_hour=income_per_hour, income_year=income_year,
                      cost_per_case=per_case, annual_cost=annual(per_case, inputs.cases_per_year), gaps=gaps,
                      views={view: apply_marks(inputs, income_per_hour, effects, view) for view in VIEWS})


# -- loading -----------------------------------------------------------------------------------

def _reports(condition, year: int | None) -> list[CostReport]:
    """Cost reports of the procedures matching ``condition`` (on ``Procedure`` and its current
    ``ProcedureVersion``), in three queries."""
    income = get_setting(INCOME_PER_HOUR, year)
    P, V = Procedure, ProcedureVersion
    current = V.id == P.current_version_id
    rows = db.session.execute(
        select(P.id, P.code, V.hours_per_case, V.other_costs_vnd, V.cases_per_year, V.title, V.lang, V.agency,
               V.sector)
        .join(V, current).where(condition).order_by(P.code)).all()
    fees: dict[int, list[tuple[str, Any]]] = defaultdict(list)
    for procedure_id, eid, amount in db.session.execute(
            select(P.id, Fee.eid, Fee.amount_vnd).join(V, current).join(Fee, Fee.version_id == V.id)
            .where(condition).order_by(Fee.position)):
        fees[procedure_id].append((f"fee:{eid}", amount))
    effects: dict[int, list[MarkEffect]] = defaultdict(list)
    for mark in db.session.execute(
            select(Mark.id, Mark.procedure_id, Mark.action, Mark.status, Mark.flag, *[
                getattr(Mark, name) for name in EFFECT_FIELDS])
            .join(P, P.id == Mark.procedure_id).join(V, current)
            .where(condition, Mark.status.in_(PROPOSED_OR_BETTER)).order_by(Mark.id)):
        effects[mark.procedure_id].append(MarkEffect(
            mark.id, mark.action, mark.status, mark.flag,
            *[_dec(getattr(mark, name)) for name in EFFECT_FIELDS]))
    reports = []
    for row in rows:
        missing = tuple(key for key, amount in fees[row.id] if amount is None)
        inputs = CostInputs(
            procedure_id=row.id, code=row.code, hours_per_case=_dec(row.hours_per_case),
            fees_per_case=None if missing else sum((_dec(amount) for _key, amount in fees[row.id]), ZERO),
            other_costs_vnd=_dec(row.other_costs_vnd), cases_per_year=_dec(row.cases_per_year),
            fees_without_amount=missing, title=row.title, lang=row.lang, agency=row.agency, sector=row.sector)
        reports.append(report(inputs, income.value, income.year, effects[row.id]))
    return reports


def procedure_cost(procedure_id: int, year: int | None = None) -> CostReport | None:
    """The cost report of one procedure's current version (None: no such procedure or version)."""
    found = _reports(Procedure.id == procedure_id, year)
    return found[0] if found else None


@dataclass
class CostTotals:
    """Annual cost and savings summed over the procedures whose figures are complete."""

    view: str
    annual_cost: Decimal = ZERO
    saved_annual: Decimal = ZERO
    procedures: int = 0
    incomplete: dict[str, list[Gap]] = field(default_factory=dict)  # code -> what is missing
    clamped: dict[str, list[Clamp]] = field(default_factory=dict)
    # Marks with an unknown estimate on procedures whose cost is known: what the saving lacks.
    unknown_marks: set[int] = field(default_factory=set)

    @property
    def share_saved(self) -> Decimal | None:
        return self.saved_annual / self.annual_cost if self.annual_cost > 0 else None


def published_reports(year: int | None = None, scope: Scope | None = None) -> list[CostReport]:
    """Cost reports of the published procedures (in ``scope``), by code."""
    return _reports(and_(Procedure.status == "published", (scope or Scope()).condition()), year)


def _add(totals: dict[str, CostTotals], item: CostReport) -> None:
    for view, total in totals.items():
        after = item.views[view]
        if item.annual_cost is None or after.saved_annual is None:
            total.incomplete[item.inputs.code] = item.gaps + after.gaps
            if item.annual_cost is not None:
                total.unknown_marks.update(int(gap.ref) for gap in after.gaps)
            continue
        total.procedures += 1
        total.annual_cost += item.annual_cost
        total.saved_annual += after.saved_annual
        if after.clamped:
            total.clamped[item.inputs.code] = after.clamped


def catalog_cost(year: int | None = None, scope: Scope | None = None,
                 reports: list[CostReport] | None = None) -> dict[str, CostTotals]:
    """Totals per view over the published procedures (in ``scope``); a procedure with a missing
    input or estimate is left out of both sums and listed in ``incomplete`` with its gaps.

    ``reports`` (from ``published_reports``) saves loading them again."""
    totals = {view: CostTotals(view) for view in VIEWS}
    for item in published_reports(year, scope) if reports is None else reports:
        _add(totals, item)
    return totals


def catalog_cost_by(by: str, year: int | None = None, scope: Scope | None = None,
                    reports: list[CostReport] | None = None) -> dict[str, dict[str, CostTotals]]:
    """``catalog_cost`` per agency or sector (``by``): group -> view -> totals."""
    if by not in GROUPS:
        raise KeyError(by)
    groups: dict[str, dict[str, CostTotals]] = {}
    for item in published_reports(year, scope) if reports is None else reports:
        group = getattr(item.inputs, by)
        _add(groups.setdefault(group, {view: CostTotals(view) for view in VIEWS}), item)
    return groups


def mark_saving_sql(mark, version, income_per_hour: Decimal | None):
    """A SQL expression: what one mark saves a year on the procedure's ``version`` (a row of
    ``ProcedureVersion``), as its estimate says (abolishing: the whole cost; keeping: 0); NULL
    when a figure it needs is missing. The same rules as ``apply_marks`` for one mark, without
    the cut to the cost (that needs all marks of the procedure): for sorting and showing a
    queue of proposals."""
    if income_per_hour is None:
        # A typed NULL: PostgreSQL reads a bare NULL parameter as text.
        return cast(null(), db.Float)
    income = literal(float(income_per_hour), type_=db.Float)
    fees = (select(case((func.count(Fee.id) == func.count(Fee.amount_vnd), func.coalesce(func.sum(Fee.amount_vnd), 0)),
                        else_=None))
            .where(Fee.version_id == version.id).scalar_subquery())

    def estimate(value, available):
        # A blank estimate on a component that costs nothing saves 0 (as in apply_marks).
        return func.coalesce(value, case((available == 0, 0), else_=None))

    per_case = (estimate(mark.hours_saved_per_case, version.hours_per_case) * income
                + estimate(mark.fees_saved_vnd, fees) + estimate(mark.other_saved_vnd, version.other_costs_vnd))
    whole = version.hours_per_case * income + fees + version.other_costs_vnd
    return cast(case((mark.action == "keep", literal(0, type_=db.Float)),
                     (mark.action == "abolish", whole * version.cases_per_year),
                     else_=per_case * version.cases_per_year), db.Float)
