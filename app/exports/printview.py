"""The simplification plan as a page to print: one HTML file with the plan's rows grouped by
agency, each agency's saving and the total, and no menu, switcher or button. It is written by the
export job like the other formats (a large plan is never computed inside a web request) and opened
in the browser from the export's page. Every text is escaped by the template."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

from flask import render_template

from app.exports.plan import COLUMN_KEYS, Plan, headers
from app.exports.xlsx import plan_scope
from app.web.filters import format_moment

# The columns a printed page has room for (the full table is in the XLSX and CSV files).
PRINTED = ("code", "title", "element_kind", "element_text", "action", "reason", "legal", "status", "saving")


def write_plan(plan: Plan, path: Path, *, exported_at: datetime) -> None:
    """Write the print view of ``plan`` to ``path`` (an .html file), in the active locale."""
    names = dict(zip(COLUMN_KEYS, headers()))
    html = render_template("exports/plan_print.html", plan=plan, columns=[(key, names[key]) for key in PRINTED],
                           exported_at=format_moment(exported_at), scope=plan_scope(plan))
    Path(path).write_text(html, encoding="utf-8")
