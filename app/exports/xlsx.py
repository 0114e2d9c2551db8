"""The simplification plan as an Excel workbook (openpyxl, write-only: rows are streamed to the
file, so a national plan of tens of thousands of rows stays within a small memory).

Sheet "Plan": a bold, frozen header row with an autofilter; per agency a group header row, the
rows of its marks and a subtotal row whose saving is ``=SUBTOTAL(9, <that agency's rows>)``; a
grand total ``=SUBTOTAL(9, <all rows>)`` below the filtered range. SUBTOTAL skips other SUBTOTAL
cells in its range and, with function 9, sums only the rows a filter leaves visible, so the
totals stay right when the user filters. The group and subtotal rows carry the agency's name
in the agency column, so filtering on an agency keeps them with its rows.

Sheet "Summary": per agency the marks, the procedures and the saving, then a total, what
the export was made of and what some columns mean. The sheet names are in the plan's language
(``plan.sheet_name``); no formula names a sheet.

Every text cell is written as text (``data_type`` "s"; a value a spreadsheet could take for a
formula also with ``quotePrefix``): imported titles, agencies and reviewers' texts starting with
``=`` never become formulas. The SUBTOTAL cells are the only formulas, made by :func:`_formula`.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from flask_babel import gettext as _
from flask_babel import ngettext
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from app.exports.cells import as_text_cell
from app.exports.plan import AMOUNT_COLUMNS, COLUMN_KEYS, Plan, column_notes, headers, sheet_name
from app.web.filters import format_moment

# Excel's grouping follows the reader's own settings: 1,500,000 in English, 1.500.000 in Vietnamese.
VND_FORMAT = "#,##0"
HOURS_FORMAT = "#,##0.##"
WIDTHS = {
    "agency": 28, "code": 11, "title": 40, "element_kind": 12, "element_id": 9, "element_text": 36,
    "action": 36, "reason": 22, "rationale": 48, "legal": 36, "status": 12, "hours_saved_per_case": 12,
    "fees_saved_vnd": 16, "other_saved_vnd": 16, "annual_cost_before": 20,
    "annual_cost_after": 20, "saving": 20, "note": 40, "mark_id": 12,
}
WRAPPED = ("agency", "title", "element_text", "action", "reason", "rationale", "legal", "note")
BOLD = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDE3EA")
GROUP_FILL = PatternFill("solid", fgColor="F2F4F7")
WRAP = Alignment(wrap_text=True, vertical="top")
TOP = Alignment(vertical="top")


def column_letter(key: str) -> str:
    return get_column_letter(COLUMN_KEYS.index(key) + 1)


def write_plan(plan: Plan, path: Path, *, exported_at: datetime,
               progress: Callable[[int, int], None] | None = None) -> None:
    """Write the plan to ``path`` (an .xlsx file)."""
    workbook = Workbook(write_only=True)
    _plan_sheet(workbook, plan, progress)
    _summary_sheet(workbook, plan, exported_at)
    workbook.save(path)


def _cell(sheet, value, *, bold=False, fill=None, number_format=None, alignment=None) -> WriteOnlyCell:
    """A cell; a str value is always text, never a formula."""
    cell = as_text_cell(sheet, value)
    return _style(cell, bold=bold, fill=fill, number_format=number_format, alignment=alignment)


def _formula(sheet, formula: str, **style) -> WriteOnlyCell:
    """One of the plan's own formulas (SUBTOTAL), never built from data."""
    cell = WriteOnlyCell(sheet, value=formula)
    assert cell.data_type == "f", formula
    return _style(cell, **style)


def _text_row(sheet, values) -> list:
    return [_cell(sheet, value) if isinstance(value, str) else value for value in values]


def _style(cell, *, bold=False, fill=None, number_format=None, alignment=None) -> WriteOnlyCell:
    if bold:
        cell.font = BOLD
    if fill is not None:
        cell.fill = fill
    if number_format:
        cell.number_format = number_format
    if alignment is not None:
        cell.alignment = alignment
    return cell


def _plan_sheet(workbook: Workbook, plan: Plan, progress) -> None:
    sheet = workbook.create_sheet(sheet_name("plan"))
    width = len(COLUMN_KEYS)
    last_letter = get_column_letter(width)
    # Column widths, the frozen header and the filter go before the first row is streamed.
    for key in COLUMN_KEYS:
        sheet.column_dimensions[column_letter(key)].width = WIDTHS[key]
    sheet.freeze_panes = "A2"
    total_rows = plan.row_count
    # Header, then per agency a group row, its marks and a subtotal row.
    last_filtered = 1 + sum(len(group.rows) + 2 for group in plan.groups)
    sheet.auto_filter.ref = f"A1:{last_letter}{last_filtered}"

    sheet.append([_cell(sheet, text, bold=True, fill=HEADER_FILL, alignment=WRAP) for text in headers()])
    saving = column_letter("saving")
    title_index, saving_index = COLUMN_KEYS.index("title"), COLUMN_KEYS.index("saving")
    row_number, written = 1, 0
    for group in plan.groups:
        group_row = [None] * width
        group_row[0] = _cell(sheet, group.agency, bold=True, fill=GROUP_FILL, alignment=WRAP)
        group_row[title_index] = _cell(sheet, ngettext("%(num)s mark", "%(num)s marks", len(group.rows)),
                                       fill=GROUP_FILL)
        sheet.append(group_row)
        row_number += 1
        first = row_number + 1
        for row in group.rows:
            cells = []
            for key, value in zip(COLUMN_KEYS, row.values(), strict=True):
                if key in AMOUNT_COLUMNS:
                    cells.append(_cell(sheet, value, number_format=VND_FORMAT, alignment=TOP))
                elif key == "hours_saved_per_case":
                    cells.append(_cell(sheet, value, number_format=HOURS_FORMAT, alignment=TOP))
                elif key in WRAPPED:
                    cells.append(_cell(sheet, value, alignment=WRAP))
                else:
                    cells.append(_cell(sheet, value, alignment=TOP))
            sheet.append(cells)
            row_number += 1
            written += 1
            if progress and (written % 500 == 0 or written == total_rows):
                progress(written, total_rows)
        subtotal = [None] * width
        subtotal[0] = _cell(sheet, group.agency, bold=True, alignment=WRAP)
        subtotal[title_index] = _cell(sheet, _("Subtotal: %(agency)s", agency=group.agency), bold=True,
                                      alignment=WRAP)
        subtotal[saving_index] = _formula(sheet, f"=SUBTOTAL(9,{saving}{first}:{saving}{row_number})", bold=True,
                                       number_format=VND_FORMAT)
        sheet.append(subtotal)
        row_number += 1
    if plan.groups:
        total = [None] * width
        total[title_index] = _cell(sheet, _("Total"), bold=True)
        total[saving_index] = _formula(sheet, f"=SUBTOTAL(9,{saving}2:{saving}{row_number})", bold=True,
                                    number_format=VND_FORMAT)
        sheet.append(total)


def _summary_sheet(workbook: Workbook, plan: Plan, exported_at: datetime) -> None:
    sheet = workbook.create_sheet(sheet_name("summary"))
    for letter, width in zip("ABCDE", (40, 12, 14, 22, 22), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A2"
    sheet.append([_cell(sheet, text, bold=True, fill=HEADER_FILL, alignment=WRAP) for text in (
        _("Agency"), _("Marks"), _("Procedures"), _("Saving per year (VND)"), _("Marks without a saving figure"))])
    for group in plan.groups:
        sheet.append([_cell(sheet, group.agency, alignment=WRAP), len(group.rows), group.procedures,
                      _cell(sheet, group.saving, number_format=VND_FORMAT), group.without_figure])
    sheet.append([_cell(sheet, _("Total"), bold=True), _cell(sheet, plan.row_count, bold=True),
                  _cell(sheet, sum(group.procedures for group in plan.groups), bold=True),
                  _cell(sheet, plan.saving, bold=True, number_format=VND_FORMAT),
                  _cell(sheet, sum(group.without_figure for group in plan.groups), bold=True)])
    sheet.append([])
    sheet.append(_text_row(sheet, [_("Exported"), format_moment(exported_at)]))
    sheet.append(_text_row(sheet, [_("Marks included"), plan_scope(plan)]))
    if plan.agency_filter:
        sheet.append(_text_row(sheet, [_("Agency filter"), plan.agency_filter]))
    if plan.income_per_hour is None:
        sheet.append(_text_row(sheet, [_("Income per hour (VND)"), _("not set: costs cannot be computed")]))
    else:
        sheet.append(_text_row(sheet, [_("Income per hour (VND)"),
                                       _cell(sheet, plan.income_per_hour, number_format=VND_FORMAT),
                                       _("set for %(year)s", year=plan.income_year) if plan.income_year else ""]))
    sheet.append(_text_row(sheet, [_("Savings are those of each mark applied alone; overlapping marks on one "
                                     "procedure can add up to more than their combined effect.")]))
    for note in column_notes():
        sheet.append(_text_row(sheet, [note]))


def plan_scope(plan: Plan) -> str:
    if plan.status == "accepted":
        return _("accepted and implemented")
    return _("proposed, accepted and implemented")
