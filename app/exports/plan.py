"""The simplification plan: one row per mark that proposes a change, grouped by agency.

Rows are the marks that are proposed, accepted or implemented (``status="proposed"``), or
accepted and implemented only (``status="accepted"``); drafts and rejected marks never appear.
"Keep" marks are left out too: they change nothing, so there is nothing for an agency to do.

Each row carries the annual cost of its procedure before the review and after this mark
alone (``cost.apply_marks`` with this one mark), and the saving of this mark per year. A
figure that cannot be computed (a missing cost input, income per hour or estimate) is None
with a note saying what is missing; it is never shown as 0. The saving of an agency is the sum
of the savings of its rows that have one; since each row applies one mark alone, marks that
overlap (two marks on the same fee, an abolition beside other marks) can add up to more than
their combined effect, which ``cost.procedure_cost`` gives per procedure.

Each row also has the mark's own estimate per case (hours, fees, other costs), so that an agency
sees what the saving is made of, and the mark's number in the workbench (its page there holds
the discussion and the decision).

Labels (actions, reasons, statuses, notes, column headers and the XLSX sheet names) are rendered
in the locale active when the plan is built (``flask_babel.force_locale``); the procedure title
and the element texts stay as the catalog has them, in the official wording the agencies amend.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from flask_babel import ngettext
from sqlalchemy import select

from app.catalog.labels import CHANNEL, LEVEL, duration_label
from app.catalog.models import Procedure, ProcedureVersion
from app.catalog.records import flatten
from app.extensions import db
from app.review import cost
from app.review.labels import ACTION, DATABASE, FLAG, REASON, STATUS, TARGET_KIND, label
from app.review.models import ACCEPTED_OR_BETTER, PROPOSED_OR_BETTER, Mark
from app.review.rules import EFFECT_FIELDS
from app.review.settings import INCOME_PER_HOUR, get_setting
from app.web.filters import vnd

# Which marks each plan holds ("proposed": proposed or better; "accepted": accepted or better).
PLAN_STATUSES = {"proposed": PROPOSED_OR_BETTER, "accepted": ACCEPTED_OR_BETTER}
LEFT_OUT_ACTIONS = ("keep",)

# (key, header) in the order of the columns of every plan file.
COLUMNS: tuple[tuple[str, Any], ...] = (
    ("agency", _l("Agency")),
    ("code", _l("Procedure code")),
    ("title", _l("Procedure title")),
    ("element_kind", _l("Element")),
    ("element_id", _l("Element ID")),
    ("element_text", _l("Element text")),
    ("action", _l("Action")),
    ("reason", _l("Reason")),
    ("rationale", _l("Rationale")),
    ("legal", _l("Legal text to amend")),
    ("status", _l("Status")),
    ("hours_saved_per_case", _l("Hours saved per case (estimate)")),
    ("fees_saved_vnd", _l("Fees saved per case (VND, estimate)")),
    ("other_saved_vnd", _l("Other costs saved per case (VND, estimate)")),
    ("annual_cost_before", _l("Annual cost before (VND)")),
    ("annual_cost_after", _l("Annual cost after this mark (VND)")),
    ("saving", _l("Saving per year (VND)")),
    ("note", _l("Note")),
    # TRANSLATORS: column header of the plan: the number of the mark in the workbench (its page is /marks/<number>).
    ("mark_id", _l("Mark no. in the workbench")),
)
COLUMN_KEYS = tuple(key for key, _header in COLUMNS)
AMOUNT_COLUMNS = ("fees_saved_vnd", "other_saved_vnd", "annual_cost_before", "annual_cost_after", "saving")
ESTIMATE_COLUMNS = ("hours_saved_per_case", "fees_saved_vnd", "other_saved_vnd")
# Sheet names of the XLSX plan, in the reader's language (Excel: at most 31 characters, none of
# []:*?/\); the plan's formulas name no sheet, so a translated name breaks none of them.
SHEET_NAMES = {
    "plan": lazy_pgettext("name of a spreadsheet sheet", "Plan"),
    "summary": lazy_pgettext("name of a spreadsheet sheet", "Summary"),
}
SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")

# What a gap's field means, for the note of a row.
GAP_LABELS = {
    "hours_per_case": _l("hours per case"),
    "other_costs_vnd": _l("other costs per case"),
    "cases_per_year": _l("cases per year"),
    "income_per_hour": _l("income per hour (review settings)"),
    "hours_saved_per_case": _l("estimated hours saved per case"),
    "fees_saved_vnd": _l("estimated fees saved per case"),
    "other_saved_vnd": _l("estimated other costs saved per case"),
}
COMPONENT_LABELS = {"hours": _l("hours"), "fees": _l("fees"), "other": _l("other costs")}

Progress = Callable[[int, int], None]


@dataclass
class PlanRow:
    mark_id: int
    agency: str
    code: str
    title: str
    element_key: str | None
    element_kind: str
    element_id: str
    element_text: str
    action: str
    reason: str
    rationale: str
    legal: str
    status: str
    hours_saved_per_case: Decimal | None
    fees_saved_vnd: Decimal | None
    other_saved_vnd: Decimal | None
    annual_cost_before: Decimal | None
    annual_cost_after: Decimal | None
    saving: Decimal | None
    note: str

    def values(self) -> list[Any]:
        """The cells of the row, in the order of ``COLUMNS``."""
        return [getattr(self, key) for key in COLUMN_KEYS]


@dataclass
class AgencyGroup:
    agency: str
    rows: list[PlanRow] = field(default_factory=list)

    @property
    def procedures(self) -> int:
        return len({row.code for row in self.rows})

    @property
    def saving(self) -> Decimal:
        """The sum of the savings that could be computed."""
        return sum((row.saving for row in self.rows if row.saving is not None), cost.ZERO)

    @property
    def without_figure(self) -> int:
        return sum(1 for row in self.rows if row.saving is None)


@dataclass
class Plan:
    status: str
    agency_filter: str | None
    groups: list[AgencyGroup]
    income_per_hour: Decimal | None
    income_year: int | None

    @property
    def rows(self) -> list[PlanRow]:
        return [row for group in self.groups for row in group.rows]

    @property
    def row_count(self) -> int:
        return sum(len(group.rows) for group in self.groups)

    @property
    def saving(self) -> Decimal:
        return sum((group.saving for group in self.groups), cost.ZERO)


def headers() -> list[str]:
    return [str(header) for _key, header in COLUMNS]


def sheet_name(key: str) -> str:
    """A sheet's name in the active locale, made valid for Excel."""
    return SHEET_NAME_FORBIDDEN.sub(" ", str(SHEET_NAMES[key])).strip()[:31] or key


def column_notes() -> list[str]:
    """What the columns that need it mean, for the summary of the plan."""
    return [
        _("Estimates per case: what the reviewer estimated the mark saves on one case; empty when not "
          "estimated (then the saving cannot be computed, unless the procedure costs nothing there)."),
        _("Mark no. in the workbench: open /marks/<number> in the workbench to see the mark with its "
          "discussion, its history and the decision."),
    ]


def _fold(text: str) -> str:
    return unicodedata.normalize("NFC", text or "").casefold()


def _natural(text: str | None) -> list[Any]:
    """Sort key that puts d2 before d10 (element ids are numbered)."""
    return [(0, int(part), "") if part.isdigit() else (1, 0, part) for part in re.split(r"(\d+)", text or "")]


def agency_matches(agency: str, wanted: str | None) -> bool:
    """``--agency``: a case-insensitive part of the agency's name (Unicode NFC)."""
    return not wanted or _fold(wanted.strip()) in _fold(agency)


def plan_agencies(status: str = "proposed") -> list[str]:
    """The agencies that have rows in the plan, for the filter of the export page."""
    query = (select(ProcedureVersion.agency).distinct()
             .join(Procedure, Procedure.current_version_id == ProcedureVersion.id)
             .join(Mark, Mark.procedure_id == Procedure.id)
             .where(Mark.status.in_(PLAN_STATUSES[status]), Mark.action.not_in(LEFT_OUT_ACTIONS)))
    return sorted(db.session.scalars(query), key=_fold)


# -- texts -------------------------------------------------------------------------------------

def element_text(kind: str, data: dict[str, Any] | None) -> str:
    """The words of an element an agency recognises: a document's name, a field's label..."""
    if not data:
        return ""
    if kind == "document":
        return data.get("name", "")
    if kind == "field":
        return data.get("label", "")
    if kind == "channel":
        time = data.get("processing_time") or {}
        parts = [label(CHANNEL, data.get("channel"))]
        if time.get("value") is not None and time.get("unit"):
            parts.append(duration_label(time["value"], time["unit"]))
        return " · ".join(part for part in parts if part)
    if kind == "fee":
        amount = data.get("amount_vnd")
        parts = [data.get("name") or data.get("text", "")]
        if amount is not None:
            parts.append(vnd(amount))
        return " · ".join(part for part in parts if part)
    return data.get("text", "")


def action_text(mark: Mark, elements: dict[str, dict[str, Any]]) -> str:
    """The action with its values spelled out: "Reuse from a database: National population
    database", "Shorten processing time to 5 working days"."""
    params = mark.params or {}
    name = label(ACTION, mark.action)
    action = mark.action
    if action == "reuse_from_database" and params.get("database"):
        database = params.get("name") if params["database"] == "other" and params.get("name") \
            else label(DATABASE, params["database"])
        return _("%(action)s: %(database)s", action=name, database=database)
    if action == "shorten_time" and params.get("value") is not None and params.get("unit"):
        return _("Shorten processing time to %(duration)s",
                 duration=duration_label(params["value"], params["unit"]))
    if action == "reduce_fee" and params.get("amount_vnd") is not None:
        return _("Reduce the fee to %(amount)s", amount=vnd(params["amount_vnd"]))
    if action == "fewer_copies" and params.get("copies") is not None:
        copies = int(params["copies"])
        return ngettext("Reduce to %(num)s copy", "Reduce to %(num)s copies", copies)
    if action == "accept_copy" and params.get("form"):
        return _("Accept an electronic copy") if params["form"] == "e_copy" else _("Accept a copy")
    if action == "change_level" and params.get("level"):
        return _("Change level (decentralise) to %(level)s", level=label(LEVEL, params["level"]))
    if action == "merge_with" and params.get("code"):
        return _("Merge with procedure %(code)s", code=params["code"])
    if action == "merge_with" and params.get("key"):
        return _("Merge with %(element)s", element=_element_name(params["key"], elements))
    if action in ("merge_steps", "parallel_steps") and params.get("steps"):
        steps = ", ".join(_element_name(key, elements) for key in params["steps"])
        return _("%(action)s: %(steps)s", action=name, steps=steps)
    if action == "replace" and params.get("by"):
        return _("Replace by: %(by)s", by=params["by"])
    return name


def _element_name(key: str, elements: dict[str, dict[str, Any]]) -> str:
    kind, _sep, ident = key.partition(":")
    text = element_text(kind, elements.get(key))
    return f"{ident} ({text})" if text else ident


def legal_text(mark: Mark, record: dict[str, Any]) -> str:
    """The legal basis number with its title, and any free text, one per line."""
    parts = []
    if mark.legal_number:
        summary = next((item.get("summary") for item in record.get("legal_basis") or []
                        if item.get("number") == mark.legal_number), None)
        parts.append(f"{mark.legal_number} — {summary}" if summary else mark.legal_number)
    if mark.legal_text:
        parts.append(mark.legal_text)
    return "\n".join(parts)


def _gap_text(gap: cost.Gap) -> str:
    if gap.field.startswith("fee:"):
        return _("amount of fee %(fee)s", fee=gap.field.partition(":")[2])
    return str(GAP_LABELS.get(gap.field, gap.field))


def _note(report: cost.CostReport, view: cost.CostView | None, mark: Mark) -> str:
    notes = []
    if mark.flag == "orphaned":
        notes.append(_("%(flag)s: the element is not in the current version; no saving is counted.",
                       flag=label(FLAG, mark.flag)))
    elif mark.flag:
        notes.append(label(FLAG, mark.flag))
    missing = [_gap_text(gap) for gap in report.gaps]
    if view is not None:
        missing += [_gap_text(gap) for gap in view.gaps]
    if missing:
        notes.append(_("Cannot compute: %(missing)s.", missing=", ".join(dict.fromkeys(missing))))
    if view is not None:
        for clamp in view.clamped:
            notes.append(_("Saving on %(component)s cut to the cost.",
                           component=COMPONENT_LABELS.get(clamp.component, clamp.component)))
    return " ".join(notes)


# -- building ----------------------------------------------------------------------------------

def _dec(value: Any) -> Decimal | None:
    # As cost.py reads stored floats: through their shortest text, so 1.5 stays exactly 1.5.
    return None if value is None else Decimal(str(value))


def _effect(mark: Mark) -> cost.MarkEffect:
    return cost.MarkEffect(mark.id, mark.action, mark.status, mark.flag,
                           *[_dec(getattr(mark, name)) for name in EFFECT_FIELDS])


def mark_saving(report: cost.CostReport, mark: Mark) -> cost.CostView | None:
    """The cost after this one mark alone (None for a mark whose element was removed: such a
    mark saves nothing that can be counted, which is unknown, not zero)."""
    if mark.flag == "orphaned":
        return None
    return cost.apply_marks(report.inputs, report.income_per_hour, [_effect(mark)], "proposed")


def build_plan(status: str = "proposed", agency: str | None = None,
               progress: Progress | None = None) -> Plan:
    """Collect the plan's rows, sorted by agency, procedure code and element.

    ``progress(done, total)`` is called per procedure whose costs were computed.
    """
    if status not in PLAN_STATUSES:
        raise ValueError(status)
    V = ProcedureVersion
    query = (select(Mark, V.agency, V.title, Procedure.code)
             .join(Procedure, Procedure.id == Mark.procedure_id)
             .join(V, V.id == Procedure.current_version_id)
             .where(Mark.status.in_(PLAN_STATUSES[status]), Mark.action.not_in(LEFT_OUT_ACTIONS)))
    found = [(mark, agency_name, title, code) for mark, agency_name, title, code in db.session.execute(query)
             if agency_matches(agency_name, agency)]
    found.sort(key=lambda item: (_fold(item[1]), item[3], item[0].element_key is not None,
                                 _natural(item[0].element_key), item[0].id))
    procedure_ids = list(dict.fromkeys(mark.procedure_id for mark, *_rest in found))
    reports: dict[int, cost.CostReport] = {}
    # One cost report per procedure, through the public function, so the plan computes
    # exactly as the procedure pages and the dashboard do.
    for done, procedure_id in enumerate(procedure_ids, start=1):
        reports[procedure_id] = cost.procedure_cost(procedure_id)
        if progress:
            progress(done, len(procedure_ids))
    records: dict[int, dict[str, Any]] = {}
    elements: dict[int, dict[str, dict[str, Any]]] = {}
    groups: dict[str, AgencyGroup] = {}
    income, income_year = None, None
    labels: dict[tuple[int, str | None], str] = {}

    def cached(mapping: dict, code: str | None) -> str:
        # Rendering a lazy label costs a catalog lookup; a plan repeats a handful of them.
        key = (id(mapping), code)
        if key not in labels:
            labels[key] = label(mapping, code)
        return labels[key]

    for mark, agency_name, title, code in found:
        if mark.version_id not in records:
            records[mark.version_id] = db.session.get(ProcedureVersion, mark.version_id).record
            elements[mark.version_id] = flatten(records[mark.version_id])
        version_elements = elements[mark.version_id]
        report = reports[mark.procedure_id]
        income, income_year = report.income_per_hour, report.income_year
        view = mark_saving(report, mark)
        kind = mark.target_kind
        data = version_elements.get(mark.element_key) if mark.element_key else None
        row = PlanRow(
            mark_id=mark.id, agency=agency_name, code=code, title=title, element_key=mark.element_key,
            element_kind=cached(TARGET_KIND, kind),
            element_id=mark.element_key.partition(":")[2] if mark.element_key else "",
            element_text=element_text(kind, data),
            action=action_text(mark, version_elements), reason=cached(REASON, mark.reason),
            rationale=mark.rationale or "", legal=legal_text(mark, records[mark.version_id]),
            status=cached(STATUS, mark.status),
            **{name: _dec(getattr(mark, name)) for name in ESTIMATE_COLUMNS},
            annual_cost_before=report.annual_cost,
            annual_cost_after=view.annual_cost_after if view else None,
            saving=view.saved_annual if view else None, note=_note(report, view, mark))
        groups.setdefault(agency_name, AgencyGroup(agency_name)).rows.append(row)
    if not found:
        setting = get_setting(INCOME_PER_HOUR)
        income, income_year = setting.value, setting.year
    return Plan(status=status, agency_filter=agency, groups=list(groups.values()), income_per_hour=income,
                income_year=income_year)
