"""Geometry of the dashboard's SVG charts, computed on the server.

These functions only place bars and lines (in SVG user units); ``templates/dashboard/_charts.html``
draws them, so every text in a chart goes through the template's autoescaping and translation.
No chart needs JavaScript, and each one has a table beside it with the same numbers.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from app.review.progress import Figure

VIEWS = ("proposed", "accepted")
SCALE = 300  # the length of a bar at 100 %
BAR = 14  # the thickness of a bar
GAP = 4  # between the two bars of a row
ROW = 2 * BAR + GAP + 12  # a row of the bar chart: two bars and the space below them
LABEL = 240  # room for the agency names on the left of the bar chart
VALUE = 50  # room for the percentage written at the end of a bar
NAME_LIMIT = 38  # characters of a name written in the chart (the full name is in its <title>)


def _length(share: Decimal | None) -> float:
    """Bar length of a share, kept within 0 to 100 %."""
    if share is None:
        return 0.0
    return float(max(Decimal(0), min(Decimal(1), share)) * SCALE)


@dataclass(frozen=True)
class Bar:
    view: str
    x: float
    y: float
    width: float
    share: Decimal | None
    height: int = BAR


@dataclass(frozen=True)
class ProgressChart:
    """Two bars of one figure (as proposed, as accepted) on a 0-100 % track, with the target."""

    key: str
    width: int
    height: int
    track: float
    bars: tuple[Bar, ...]
    target_x: float | None
    target: Decimal | None


def progress_chart(figure: Figure) -> ProgressChart:
    bars = tuple(Bar(view, 0, 4 + index * (BAR + GAP), _length(getattr(figure, view).share),
                     getattr(figure, view).share)
                 for index, view in enumerate(VIEWS))
    height = 4 + len(VIEWS) * (BAR + GAP) + 4
    target_x = None if figure.target is None else _length(figure.target)
    return ProgressChart(figure.key, SCALE + VALUE, height, SCALE, bars, target_x, figure.target)


@dataclass(frozen=True)
class ChartRow:
    name: str  # the whole name, for the <title> of the row
    short: str  # the name as written in the chart
    y: float
    bars: tuple[Bar, ...]


@dataclass(frozen=True)
class BarChart:
    """One row per group (agency) with its two bars for one figure, and the target line."""

    key: str
    width: int
    height: int
    label_width: int
    rows: tuple[ChartRow, ...]
    target_x: float | None
    target: Decimal | None


def _short(name: str) -> str:
    return name if len(name) <= NAME_LIMIT else name[:NAME_LIMIT - 1].rstrip() + "…"


def bar_chart(groups: dict[str, dict[str, Figure]], key: str) -> BarChart:
    """A bar chart of figure ``key`` for each group of a breakdown (in the breakdown's order)."""
    rows = []
    goal = None
    for index, (name, figures) in enumerate(groups.items()):
        figure = figures[key]
        goal = figure.target
        y = 8 + index * ROW
        bars = tuple(Bar(view, LABEL, y + position * (BAR + GAP), _length(getattr(figure, view).share),
                         getattr(figure, view).share)
                     for position, view in enumerate(VIEWS))
        rows.append(ChartRow(name, _short(name), y, bars))
    height = 8 + len(rows) * ROW + 8
    target_x = None if goal is None else LABEL + _length(goal)
    return BarChart(key, LABEL + SCALE + VALUE, height, LABEL, tuple(rows), target_x, goal)
