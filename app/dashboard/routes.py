"""Pages of the dashboard package: progress against the four targets, and the review settings
(income per hour, targets) it computes with."""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, flash, make_response, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from app.auth.access import roles_required
from app.dashboard import charts, download, services
from app.extensions import db
from app.review import settings
from app.review.progress import KEYS
from app.web.htmx import render_page, wants_fragment

bp = Blueprint("dashboard", __name__)


# Rows per page of the data gaps table (the count above it is always the whole number) and of
# the agency and sector tables (the agency charts follow the agency table's page).
GAPS_SHOWN = 50
GROUPS_SHOWN = 25


@dataclass
class Paged:
    """One page of a long list, for ``_macros.pagination`` (``param`` names its page argument)."""

    items: Any
    page: int
    pages: int
    total: int
    param: str


def paged(items, param: str, per_page: int) -> Paged:
    """The page of ``items`` (a list or a dict) that ``request.args[param]`` asks for."""
    keys = list(items)
    pages = max(1, math.ceil(len(keys) / per_page))
    page = min(max(1, request.args.get(param, 1, type=int) or 1), pages)
    chosen = keys[(page - 1) * per_page:page * per_page]
    return Paged({key: items[key] for key in chosen} if isinstance(items, dict) else chosen, page, pages,
                 len(keys), param)


@bp.route("/dashboard")
@roles_required("reviewer", "lead", "admin")
def index():
    filters = services.Filters.from_args(request.args)
    state = services.current_board(filters)
    board = state.board
    agencies = paged(board.by_agency, "agency_page", GROUPS_SHOWN)
    return render_page(
        "dashboard/index.html", "dashboard/_dashboard.html", push_url=request.full_path.rstrip("?"),
        board=board, state=state, options=services.filter_options(), keys=KEYS, is_met=services.is_met, plain=services.plain,
        titles=services.TITLES, descriptions=services.DESCRIPTIONS,
        progress_charts={key: charts.progress_chart(figure) for key, figure in board.figures.items()},
        agency_charts={key: charts.bar_chart(agencies.items, key) for key in KEYS}, gaps_shown=GAPS_SHOWN,
        gap_page=paged(board.gaps, "gaps_page", GAPS_SHOWN), agency_page=agencies,
        sector_page=paged(board.by_sector, "sector_page", GROUPS_SHOWN))


@bp.route("/dashboard/download.xlsx")
@roles_required("reviewer", "lead", "admin")
def download_xlsx():
    """What the dashboard shows for the same filters, every row of every table, as XLSX."""
    filters = services.Filters.from_args(request.args)
    board = services.current_board(filters).board
    response = make_response(download.workbook(board))
    response.headers["Content-Type"] = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    response.headers["Content-Disposition"] = f'attachment; filename="dashboard-{filters.year}.xlsx"'
    return response


# -- review settings ---------------------------------------------------------------------------

def _settings_year() -> int:
    year = request.values.get("year", type=int)
    return year if year in services.YEARS else settings.current_year()


def _settings_page(status: int = 200, *, year: int | None = None, errors: dict | None = None,
                   values: dict | None = None, saved: str | None = None, form: str | None = None):
    year = _settings_year() if year is None else year
    return render_page(
        "dashboard/settings.html", "dashboard/_settings.html", status=status, year=year,
        income=settings.get_setting(settings.INCOME_PER_HOUR, year), incomes=services.income_history(),
        targets=services.targets_for(year), target_rows=services.target_history(), target_names=settings.TARGETS,
        errors=errors or {}, values=values or {}, saved=saved, form=form, plain=services.plain,
        titles=services.TITLES,
        can_edit=current_user.has_role("admin"))


@bp.route("/admin/review-settings", endpoint="settings")
@roles_required("lead", "admin")
def settings_page():
    """The settings, read-only for leads (they see which figures the dashboard uses)."""
    return _settings_page()


def _saved(message: str, year: int):
    """After a save: the fragment with a status line for HTMX, else redirect (PRG)."""
    if wants_fragment():
        return _settings_page(year=year, saved=message)
    flash(message, "success")
    return redirect(url_for(".settings", year=year))


@bp.route("/admin/review-settings/income", methods=["POST"])
@roles_required("admin")
def save_income():
    form = request.form
    try:
        changed = services.save_income(form.get("year"), form.get("income"), current_user)
    except services.SettingsInvalid as exc:
        db.session.rollback()
        return _settings_page(422, errors=exc.errors, values=form.to_dict(), form="income")
    db.session.commit()
    year = int(form["year"])
    message = (_("Income per hour for %(year)s saved.", year=year) if changed
               else _("Income per hour for %(year)s was already set to this value.", year=year))
    return _saved(message, year)


@bp.route("/admin/review-settings/targets", methods=["POST"])
@roles_required("admin")
def save_targets():
    form = request.form
    percents = {name: form.get(f"target.{name}") for name in settings.TARGETS}
    try:
        changed = services.save_targets(form.get("year"), percents, current_user)
    except services.SettingsInvalid as exc:
        db.session.rollback()
        return _settings_page(422, year=_settings_year(), errors=exc.errors, values=form.to_dict(), form="targets")
    db.session.commit()
    year = int(form["year"])
    message = ngettext("%(num)s target for %(year)s saved.", "%(num)s targets for %(year)s saved.",
                       len(changed), year=year) if changed else _("No target changed.")
    return _saved(message, year)
