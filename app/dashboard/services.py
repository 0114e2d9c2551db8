"""What the dashboard shows and what the review settings page changes.

The dashboard reads ``app.review.progress`` and ``app.review.cost`` (the figures are counted
there, once); this module only picks the scope and year from a request, puts the figures in
the order the page shows them and lists the data gaps of the cost figure.

The settings page writes through ``app.review.settings.set_setting``, which checks that the
actor is an admin and writes the audit rows; this module reads the form values first, so that
every problem comes back with the input it belongs to and nothing is stored unless all of a
form is valid.
"""
from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.catalog.models import Procedure, ProcedureVersion, PublicationEvent
from app.extensions import db
from app.review import changes
from app.review import progress as progress_figures
from app.review import settings
from app.review.cost import CostReport, Gap, Scope, published_reports
from app.review.models import ReviewSetting
from app.review.progress import Figure
from app.review.rules import parse_number
from app.timeutil import utcnow

TITLES = {
    "reviewed_internal": _l("Internal procedures reviewed"),
    "simplify": _l("Procedures proposed for abolition or simplification"),
    # TRANSLATORS: documents of a dossier and fields of its forms, in procedures offered online.
    "data_fields": _l("Documents and form fields of online services removed or reused"),
    "cost": _l("Annual compliance cost saved"),
}
DESCRIPTIONS = {
    "reviewed_internal": _l("Published internal procedures with a review result: a mark in the view, or a decision "
                            "to keep the procedure."),
    "simplify": _l("Published procedures with a mark to abolish or simplify them, or any of their elements."),
    "data_fields": _l("Documents and form fields of procedures offered online (partly or fully) marked to be "
                      "removed or taken from a database instead. A field counts when its document is removed."),
    "cost": _l("Annual compliance cost saved over the annual cost of the procedures whose figures are complete "
               "(Standard Cost Model). Procedures with missing figures are listed below, not counted as zero."),
}
TOP = 20
MAX_BOARDS = 32  # kept boards (one per filter combination)
# The longest agency or sector name a filter accepts (the columns hold 300 characters).
MAX_FILTER = 300
YEARS = range(2000, 2101)  # what settings.set_setting accepts
# "25.000" reads as 25 to parse_number but as 25,000 to a Vietnamese reader: refused for amounts.
THOUSANDS = re.compile(r"^\d{1,3}([.,]\d{3})+$")


# -- the dashboard -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Filters:
    """The dashboard's filters: an agency, a sector, the year whose settings apply."""

    agency: str = ""
    sector: str = ""
    year: int = 0

    @classmethod
    def from_args(cls, args) -> Filters:
        year = args.get("year", type=int)
        return cls(agency=(args.get("agency") or "").strip()[:MAX_FILTER],
                   sector=(args.get("sector") or "").strip()[:MAX_FILTER],
                   year=year if year in YEARS else settings.current_year())

    @property
    def scope(self) -> Scope:
        return Scope(agency=self.agency or None, sector=self.sector or None)

    def args(self) -> dict[str, Any]:
        """The query string values that reproduce these filters (empty ones left out)."""
        values = {"agency": self.agency, "sector": self.sector}
        return {**{name: value for name, value in values.items() if value}, "year": self.year}


@dataclass
class GapRow:
    """A published procedure left out of the cost figure, with what it lacks."""

    report: CostReport
    gaps: list[Gap]  # missing inputs first, then the marks' missing estimates
    views: list[str]  # the views it is left out of


@dataclass
class Dashboard:
    filters: Filters
    figures: dict[str, Figure]
    by_agency: dict[str, dict[str, Figure]]
    by_sector: dict[str, dict[str, Figure]]
    top: list[CostReport]
    gaps: list[GapRow]
    income: settings.SettingValue
    langs: dict[str, str] = field(default_factory=dict)  # agency or sector name -> its language


def filter_options() -> dict[str, list[str]]:
    """Agencies and sectors of the published procedures, and the years to choose from."""
    def distinct(column) -> list[str]:
        return list(db.session.scalars(
            select(column).distinct().join(Procedure, Procedure.current_version_id == ProcedureVersion.id)
            .where(Procedure.status == "published").order_by(column)))

    years = set(db.session.scalars(select(ReviewSetting.year).distinct()))
    now = settings.current_year()
    years.update((now - 1, now, now + 1))
    return {"agency": distinct(ProcedureVersion.agency), "sector": distinct(ProcedureVersion.sector),
            "year": sorted(years, reverse=True)}


def dashboard(filters: Filters) -> Dashboard:
    """Every figure of the dashboard page for the filters; the cost inputs are loaded once."""
    scope, year = filters.scope, filters.year
    reports = published_reports(year, scope)
    figures = progress_figures.progress(year, scope, reports=reports)
    langs: dict[str, str] = {}
    for item in reports:
        langs.setdefault(item.inputs.agency, item.inputs.lang)
        langs.setdefault(item.inputs.sector, item.inputs.lang)
    return Dashboard(
        filters=filters, figures=figures,
        by_agency=progress_figures.breakdown("agency", year, scope, reports=reports),
        by_sector=progress_figures.breakdown("sector", year, scope, reports=reports),
        top=top_by_cost(reports), gaps=gap_rows(reports, figures["cost"]),
        income=settings.get_setting(settings.INCOME_PER_HOUR, year), langs=langs)


# -- the computed board, kept while nothing it counts changed ----------------------------------

# A board that took longer than this to compute is not computed again while a request waits:
# the last one is shown, marked with its time, while a new one is computed in the background.
# A small catalog's board is always computed on the spot (and so always current).
SLOW_SECONDS = 1.0


@dataclass
class BoardState:
    """A board and how current it is: ``computed_at`` (UTC) and whether a newer one is being
    computed because marks, publications or settings changed since."""

    board: Dashboard
    computed_at: datetime
    refreshing: bool = False


@dataclass
class _Entry:
    key: tuple
    board: Dashboard
    computed_at: datetime
    seconds: float


_boards: dict[Filters, _Entry] = {}
_refreshing: set[Filters] = set()
_boards_lock = threading.Lock()


def freshness() -> tuple | None:
    """What the board counts, as numbers that change whenever it does (marks, publications,
    review settings, the current year); None when the marks have no change counter."""
    marks = changes.current()
    if marks is None:
        return None
    catalog = db.session.scalar(select(func.max(PublicationEvent.seq)))
    count, updated = db.session.execute(select(func.count(ReviewSetting.id), func.max(ReviewSetting.updated_at))).one()
    return marks, catalog, count, str(updated), settings.current_year()


def _compute(filters: Filters, key: tuple | None) -> _Entry:
    started = time.perf_counter()
    board = dashboard(filters)
    entry = _Entry(key, board, utcnow(), time.perf_counter() - started)
    if key is not None:
        with _boards_lock:
            _boards[filters] = entry
            while len(_boards) > MAX_BOARDS:
                _boards.pop(next(iter(_boards)))
    return entry


def current_board(filters: Filters) -> BoardState:
    """The dashboard for the filters: the kept one when nothing changed since it was computed;
    computed now when it is quick (or there is none yet); else the kept one, flagged, while a
    new one is computed in the background (see ``SLOW_SECONDS``)."""
    key = freshness()  # read before anything it counts
    with _boards_lock:
        entry = _boards.get(filters)
        if entry is not None and key is not None and entry.key == key:
            return BoardState(entry.board, entry.computed_at)
        if entry is not None and key is not None and entry.seconds >= SLOW_SECONDS:
            start = filters not in _refreshing
            _refreshing.add(filters)
        else:
            start = None
    if start is None:
        fresh = _compute(filters, key)
        return BoardState(fresh.board, fresh.computed_at)
    if start:
        app = current_app._get_current_object()
        threading.Thread(target=_refresh, args=(app, filters), name="dashboard-refresh", daemon=True).start()
    return BoardState(entry.board, entry.computed_at, refreshing=True)


def _refresh(app, filters: Filters) -> None:
    with app.app_context():
        try:
            _compute(filters, freshness())
        except Exception:  # the page keeps the last board and says it is refreshing; log why not
            app.logger.exception("dashboard refresh failed")
        finally:
            with _boards_lock:
                _refreshing.discard(filters)
            db.session.remove()


def forget_boards() -> None:
    """Drop every kept board (tests; after restoring a database)."""
    with _boards_lock:
        _boards.clear()


def top_by_cost(reports: list[CostReport], limit: int = TOP) -> list[CostReport]:
    """The procedures of highest annual cost (ties by code); those whose cost is unknown cannot
    be ranked and are listed with the gaps instead."""
    known = [item for item in reports if item.annual_cost is not None]
    return sorted(known, key=lambda item: (-item.annual_cost, item.inputs.code))[:limit]


def gap_rows(reports: list[CostReport], figure: Figure) -> list[GapRow]:
    """The procedures the cost figure leaves out, in code order, with each gap named once."""
    incomplete = figure.details["incomplete"]
    rows = []
    for item in reports:
        views = [view for view in ("proposed", "accepted") if item.inputs.code in incomplete[view]]
        if not views:
            continue
        gaps = list(dict.fromkeys(gap for view in views for gap in incomplete[view][item.inputs.code]))
        rows.append(GapRow(item, gaps, views))
    return rows


def plain(value: Decimal | int | None) -> str:
    """A number as a form input or a data attribute takes it: digits and a decimal point."""
    if value is None:
        return ""
    return format(Decimal(value).normalize(), "f")


def is_met(share: Decimal | None, goal: Decimal | None) -> bool | None:
    """Whether a share reaches its target; None when there is no share or no target."""
    if share is None or goal is None:
        return None
    return share >= goal


# -- review settings ---------------------------------------------------------------------------

class SettingsInvalid(ValueError):
    """A settings form that cannot be saved; ``errors`` maps an input name to a message."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(errors.values()))
        self.errors = errors


def income_history() -> list[ReviewSetting]:
    """Every income per hour set, newest year first."""
    return list(db.session.scalars(select(ReviewSetting).where(ReviewSetting.key == settings.INCOME_PER_HOUR)
                                   .order_by(ReviewSetting.year.desc())))


def target_history() -> list[ReviewSetting]:
    """Every target set, newest year first."""
    return list(db.session.scalars(select(ReviewSetting).where(ReviewSetting.key.like("target.%"))
                                   .order_by(ReviewSetting.year.desc(), ReviewSetting.key)))


def targets_for(year: int) -> dict[str, settings.SettingValue]:
    """The target that applies in ``year`` for each figure (set for that year, an earlier one,
    or the default)."""
    return {name: settings.get_setting(f"target.{name}", year) for name in settings.TARGETS}


def _year(value: Any, errors: dict[str, str]) -> int | None:
    text = (value or "").strip() if isinstance(value, str) else value
    try:
        year = int(text)
    except (TypeError, ValueError):
        year = None
    if year not in YEARS:
        errors["year"] = _("Enter a year between %(first)s and %(last)s.", first=YEARS[0], last=YEARS[-1])
        return None
    return year


def _forbid_unless_admin(actor) -> None:
    if actor is None or not actor.has_role("admin"):
        raise settings.SettingError(_("Only an admin may change review settings."))


def save_income(year: Any, value: Any, actor) -> bool:
    """Set the income per hour (VND) for a year; True when the stored value changed.

    The caller commits."""
    _forbid_unless_admin(actor)
    errors: dict[str, str] = {}
    found_year = _year(year, errors)
    text = (value or "").strip() if isinstance(value, str) else value
    number = None
    if isinstance(text, str) and THOUSANDS.match(text):
        errors["income"] = _("Write the amount without thousands separators, for example 25000.")
    else:
        try:
            number = parse_number(text)
        except ValueError:
            number = None
        if number is None:
            errors["income"] = _("Enter an amount of zero or more, for example 25000.")
    if errors:
        raise SettingsInvalid(errors)
    before = settings.get_setting(settings.INCOME_PER_HOUR, found_year)
    settings.set_setting(settings.INCOME_PER_HOUR, number, found_year, actor)
    return not (before.year == found_year and before.value == number)


def save_targets(year: Any, percents: dict[str, Any], actor) -> list[str]:
    """Set the targets given in percent (0-100) for a year; returns the names that changed.

    A target left empty, or equal to the one that already applies in that year, is not stored,
    so saving the form unchanged writes nothing. The caller commits."""
    _forbid_unless_admin(actor)
    errors: dict[str, str] = {}
    found_year = _year(year, errors)
    shares: dict[str, Decimal] = {}
    for name in settings.TARGETS:
        raw = percents.get(name)
        try:
            number = parse_number(raw)
        except ValueError:
            errors[f"target.{name}"] = _("Enter a percentage between 0 and 100.")
            continue
        if number is None:
            continue
        if number > 100:
            errors[f"target.{name}"] = _("Enter a percentage between 0 and 100.")
            continue
        shares[name] = number / 100
    if errors:
        raise SettingsInvalid(errors)
    changed = []
    for name, share in shares.items():
        if settings.target(name, found_year) == share:
            continue
        settings.set_setting(f"target.{name}", share, found_year, actor)
        changed.append(name)
    return changed
