"""The dashboard as an XLSX workbook: what the page shows for the same filters, one sheet per
section (the figures, by agency, by sector, the procedures of highest cost, the data gaps), with
every row the page pages through. Labels and sheet names in the interface language; imported
texts (agencies, titles) are always written as text, never as formulas."""
from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext, pgettext
from openpyxl import Workbook
from openpyxl.styles import Font

from app.dashboard.services import DESCRIPTIONS, TITLES, Dashboard
from app.exports.cells import mark_text
from app.review.progress import KEYS

VIEWS = ("proposed", "accepted")
PERCENT = "0.0%"
AMOUNT = "#,##0"


def _view(view: str) -> str:
    return _("As proposed") if view == "proposed" else _("As accepted")


def _value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value) if value != value.to_integral_value() else int(value)
    return value


def _row(sheet, values: list[Any], *, bold: bool = False, formats: dict[int, str] | None = None) -> None:
    sheet.append([_value(value) for value in values])
    for index, cell in enumerate(sheet[sheet.max_row]):
        if isinstance(cell.value, str):
            mark_text(cell)  # imported text starting with "=" stays text
        if bold:
            cell.font = Font(bold=True)
        if formats and index in formats:
            cell.number_format = formats[index]


def _sheet(workbook: Workbook, title: str, widths: list[int]):
    sheet = workbook.create_sheet(title[:31])
    for index, width in enumerate(widths):
        sheet.column_dimensions[chr(ord("A") + index)].width = width
    sheet.freeze_panes = "A2"
    return sheet


def _number_format(key: str) -> str:
    return AMOUNT if key == "cost" else "#,##0"


def _breakdown(workbook: Workbook, title: str, heading: str, groups: dict, totals: dict) -> None:
    sheet = _sheet(workbook, title, [40] + [14] * (len(KEYS) * len(VIEWS) * 3))
    header = [heading]
    for key in KEYS:
        for view in VIEWS:
            header += [f"{TITLES[key]} · {_view(view)} · {_('Share')}", f"{TITLES[key]} · {_view(view)} · {_('Count')}",
                       f"{TITLES[key]} · {_view(view)} · {_('Of')}"]
    _row(sheet, header, bold=True)
    formats = {}
    for position, key in enumerate(KEYS):
        for offset, _view_name in enumerate(VIEWS):
            base = 1 + (position * len(VIEWS) + offset) * 3
            formats.update({base: PERCENT, base + 1: _number_format(key), base + 2: _number_format(key)})

    def cells(figures):
        values = []
        for key in KEYS:
            for view in VIEWS:
                ratio = getattr(figures[key], view)
                values += [ratio.share, ratio.numerator, ratio.denominator]
        return values

    for name, figures in groups.items():
        _row(sheet, [name, *cells(figures)], formats=formats)
    _row(sheet, [_("All"), *cells(totals)], bold=True, formats=formats)


def workbook(board: Dashboard) -> bytes:
    """The workbook of one dashboard, as bytes."""
    book = Workbook()
    book.remove(book.active)
    filters = board.filters
    figures = _sheet(book, pgettext("name of a spreadsheet sheet", "Figures"), [48, 16, 14, 20, 20, 12, 60])
    _row(figures, [_("Figure"), _("View"), _("Share"), _("Count"), _("Of"), _("Target"), _("Description")], bold=True)
    for key in KEYS:
        figure = board.figures[key]
        for view in VIEWS:
            ratio = getattr(figure, view)
            _row(figures, [str(TITLES[key]), _view(view), ratio.share, ratio.numerator, ratio.denominator,
                           figure.target, str(DESCRIPTIONS[key])],
                 formats={2: PERCENT, 3: _number_format(key), 4: _number_format(key), 5: PERCENT})
        if key == "cost":
            for view in VIEWS:
                unknown = figure.details.get("unknown_marks", {}).get(view, 0)
                if unknown:
                    _row(figures, [str(TITLES[key]), _view(view),
                                   ngettext("plus %(num)s mark with unknown amounts",
                                            "plus %(num)s marks with unknown amounts", unknown)])
    figures.append([])
    _row(figures, [_("Agency"), filters.agency or _("All")])
    _row(figures, [_("Sector"), filters.sector or _("All")])
    _row(figures, [_("Targets and income per hour of %(year)s", year=filters.year)])
    _row(figures, [_("Income per hour:"), board.income.value], formats={1: AMOUNT})

    _breakdown(book, pgettext("name of a spreadsheet sheet", "By agency"), _("Agency"), board.by_agency, board.figures)
    _breakdown(book, pgettext("name of a spreadsheet sheet", "By sector"), _("Sector"), board.by_sector, board.figures)

    top = _sheet(book, pgettext("name of a spreadsheet sheet", "Highest cost"), [12, 60, 20, 20, 20, 20, 20])
    _row(top, [_("Code"), _("Procedure"), _("Annual cost"), _("After accepted marks"), _("After proposed marks"),
               _("Saved a year, as accepted"), _("Saved a year, as proposed")], bold=True)
    for item in board.top:
        _row(top, [item.inputs.code, item.inputs.title, item.annual_cost, item.accepted.annual_cost_after,
                   item.proposed.annual_cost_after, item.accepted.saved_annual, item.proposed.saved_annual],
             formats={index: AMOUNT for index in range(2, 7)})

    gaps = _sheet(book, pgettext("name of a spreadsheet sheet", "Data gaps"), [12, 60, 60, 30])
    _row(gaps, [_("Code"), _("Procedure"), _("What is missing"), _("Left out of")], bold=True)
    for row in board.gaps:
        _row(gaps, [row.report.inputs.code, row.report.inputs.title,
                    "; ".join(gap_label(gap) for gap in row.gaps), ", ".join(_view(view) for view in row.views)])
    stream = io.BytesIO()
    book.save(stream)
    return stream.getvalue()


def gap_label(gap) -> str:
    """A gap in words, as the page's data gaps table says it (without its link)."""
    field = gap.field
    if field == "hours_per_case":
        return _("hours per case missing")
    if field == "other_costs_vnd":
        return _("other costs per case missing")
    if field == "cases_per_year":
        return _("cases per year missing")
    if field == "income_per_hour":
        return _("income per hour missing")
    if field.startswith("fee:"):
        return _("fee %(id)s has no amount", id=field[4:])
    if field == "hours_saved_per_case":
        return _("mark %(id)s has no estimate of hours saved", id=gap.ref)
    if field == "fees_saved_vnd":
        return _("mark %(id)s has no estimate of fees saved", id=gap.ref)
    if field == "other_saved_vnd":
        return _("mark %(id)s has no estimate of other costs saved", id=gap.ref)
    return _("%(field)s missing", field=field)
