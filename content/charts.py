"""Server-drawn SVG charts: the one home of their geometry (no JavaScript library, no CDN).

A chart is a plain value computed here and drawn by a template include
(``content/charts/bars.html``, ``content/charts/line.html``), which also renders the
chart's data table, so every chart carries its figures as text: the table is what a
screen reader reads (the SVG is ``role="img"`` with a title and a description) and
what a printed page keeps. Every chart has a visible scale (ticks and grid lines on
its value axis), a legend for its series and, where there is one, a target line.

The apps above draw through these two functions: ``bar_chart`` (horizontal bars,
stacked when there are several series) and ``line_chart`` (values over time).
"""

import datetime
import math
from dataclasses import dataclass, field

# Geometry, in SVG user units (the SVG scales to its box; the CSS keeps labels legible).
BAR_HEIGHT = 26
BAR_GAP = 12
LABEL_WIDTH = 200
PLOT_WIDTH = 360
VALUE_WIDTH = 80
TOP = 30  # room for the tick labels above the plot
LEGEND_HEIGHT = 28
LINE_PLOT_HEIGHT = 200
LINE_LEFT = 56
LINE_BOTTOM = 44


@dataclass(frozen=True)
class Series:
    """One series of a chart: its name (for the legend and the table's column) and its
    CSS modifier (``chart__fill--<css>``): colours live in charts.css only."""

    label: str
    css: str


@dataclass(frozen=True)
class Segment:
    series: Series
    value: float
    x: float
    width: float


@dataclass(frozen=True)
class BarRow:
    label: str
    y: float
    text_y: float
    segments: tuple[Segment, ...]
    value_text: str
    href: str = ""
    indent: bool = False
    marker_x: float | None = None


@dataclass(frozen=True)
class Tick:
    position: float  # x for bar charts, y for line charts
    label: str


@dataclass(frozen=True)
class LegendItem:
    label: str
    css: str
    x: float
    line: bool = False  # a target line rather than a filled swatch


@dataclass(frozen=True)
class Target:
    position: float
    label: str
    value: float


@dataclass
class Table:
    """The chart's figures as text: a caption, column headings, rows of cells (the first
    cell of each row is its heading)."""

    caption: str
    columns: list[str]
    rows: list[list[str]]


@dataclass
class BarChart:
    id: str
    title: str
    desc: str
    rows: list[BarRow]
    ticks: list[Tick]
    legend: list[LegendItem]
    target: Target | None
    table: Table
    width: float
    height: float
    plot_left: float = LABEL_WIDTH
    plot_width: float = PLOT_WIDTH
    plot_top: float = TOP
    plot_bottom: float = 0
    legend_y: float = 0
    bar_height: float = BAR_HEIGHT
    kind: str = "bars"


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    label: str
    value: float


@dataclass
class LineSeries:
    series: Series
    points: list[Point]

    @property
    def path(self) -> str:
        return " ".join(
            f"{'M' if index == 0 else 'L'}{point.x:.1f},{point.y:.1f}"
            for index, point in enumerate(self.points)
        )


@dataclass
class LineChart:
    id: str
    title: str
    desc: str
    lines: list[LineSeries]
    y_ticks: list[Tick]
    x_ticks: list[Tick]
    legend: list[LegendItem]
    target: Target | None
    table: Table
    width: float
    height: float
    plot_left: float = LINE_LEFT
    plot_right: float = 0
    plot_top: float = TOP
    plot_bottom: float = 0
    legend_y: float = 0
    kind: str = "line"
    empty: bool = field(default=False)


def nice_maximum(value: float) -> float:
    """The smallest 1, 2, 2.5 or 5 × 10ⁿ at or above ``value`` (at least 1): a scale's end."""
    if value <= 1:
        return 1
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if step * magnitude >= value:
            return step * magnitude
    return 10 * magnitude  # pragma: no cover - the loop always returns


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def _scale_ticks(maximum: float, count: int, unit: str) -> list[tuple[float, str]]:
    return [
        (maximum * i / count, f"{_number(maximum * i / count)}{unit}") for i in range(count + 1)
    ]


def bar_chart(
    *,
    id: str,
    title: str,
    desc: str,
    caption: str,
    series: list[Series],
    rows: list[dict],
    maximum: float | None = None,
    unit: str = "",
    target: float | None = None,
    target_label: str = "",
    value_text=None,
    ticks: int = 4,
    marker_label: str = "",
    extra_columns: list[tuple[str, list[str]]] = (),
) -> BarChart:
    """Horizontal bars, one per row, stacked by series.

    ``rows``: dicts with ``label``, ``values`` (one number per series) and optionally
    ``href`` and ``indent`` (a child row, e.g. a 係 under its 課). ``maximum`` is the end
    of the scale (default: a round number at or above the largest total); ``unit`` is
    written after each tick and value (``%``). ``target`` draws a dashed line at that
    value with ``target_label`` in the legend. ``value_text(row)`` is the text at the
    end of each bar (default: the total with the unit). A row's ``marker`` (a value or
    None) is drawn as a dark tick across its bar, named ``marker_label`` in the legend and
    the table. ``extra_columns`` are (heading, one cell per row) added to the table.
    """
    totals = [sum(row["values"]) for row in rows]
    maximum = maximum or nice_maximum(max(totals, default=0))
    scale = PLOT_WIDTH / maximum
    drawn = [
        _bar_row(index, row, series, maximum, value_text(row) if value_text else None, unit)
        for index, row in enumerate(rows)
    ]
    plot_bottom = TOP + max(len(rows), 1) * (BAR_HEIGHT + BAR_GAP)
    legend = _legend(series, target_label if target is not None else "", marker_label)
    chart_target = None
    if target is not None:
        chart_target = Target(
            position=round(LABEL_WIDTH + min(target, maximum) * scale, 1),
            label=target_label,
            value=target,
        )
    return BarChart(
        id=id,
        title=title,
        desc=desc,
        rows=drawn,
        ticks=[
            Tick(position=round(LABEL_WIDTH + value * scale, 1), label=label)
            for value, label in _scale_ticks(maximum, ticks, unit)
        ],
        legend=legend,
        target=chart_target,
        table=_bar_table(caption, series, rows, unit, marker_label, extra_columns),
        width=LABEL_WIDTH + PLOT_WIDTH + VALUE_WIDTH,
        height=plot_bottom + LEGEND_HEIGHT + 8,
        plot_bottom=plot_bottom,
        legend_y=plot_bottom + 10,
    )


def _bar_row(index, row, series, maximum, text, unit) -> BarRow:
    """One bar: its segments laid end to end from the scale's 0, its text at the end."""
    scale = PLOT_WIDTH / maximum
    y = TOP + index * (BAR_HEIGHT + BAR_GAP)
    x = LABEL_WIDTH
    segments = []
    for item, value in zip(series, row["values"], strict=True):
        width = min(value, maximum) * scale
        segments.append(Segment(series=item, value=value, x=round(x, 1), width=round(width, 1)))
        x += width
    marker = row.get("marker")
    return BarRow(
        label=row["label"],
        y=y,
        text_y=y + BAR_HEIGHT * 0.68,
        segments=tuple(segments),
        value_text=text if text is not None else f"{_number(sum(row['values']))}{unit}",
        href=row.get("href", ""),
        indent=row.get("indent", False),
        marker_x=(
            round(LABEL_WIDTH + min(marker, maximum) * scale, 1) if marker is not None else None
        ),
    )


def _bar_table(caption, series, rows, unit, marker_label, extra_columns) -> Table:
    """The bars' figures: each series, the total when there are several, the marker."""
    several = len(series) > 1
    return Table(
        caption=caption,
        columns=["", *(item.label for item in series)]
        + ([_total_label()] if several else [])
        + ([marker_label] if marker_label else [])
        + [heading for heading, _ in extra_columns],
        rows=[
            [row["label"], *(f"{_number(v)}{unit}" for v in row["values"])]
            + ([f"{_number(sum(row['values']))}{unit}"] if several else [])
            + (
                ["—" if row.get("marker") is None else _number(row["marker"])]
                if marker_label
                else []
            )
            + [cells[i] for _, cells in extra_columns]
            for i, row in enumerate(rows)
        ],
    )


def _x_ticks(start, end, days, x_of, date_label) -> list[Tick]:
    """The time axis: its two ends and up to a few days between, kept 110 units apart
    so their labels do not overlap."""
    between = days[1 : -1 : max(1, len(days) // 5)] if len(days) > 6 else days
    ticks: list[Tick] = []
    for day in sorted({start, end, *between}):
        position = x_of(day)
        if not ticks or position - ticks[-1].position >= 110:
            ticks.append(Tick(position=position, label=date_label(day)))
    return ticks


def _total_label() -> str:
    from django.utils.translation import gettext

    return gettext("Total")


def _legend(series: list[Series], target_label: str, marker_label: str = "") -> list[LegendItem]:
    items, x = [], 0.0
    for item in series:
        items.append(LegendItem(label=item.label, css=item.css, x=x))
        x += 34 + 14 * len(item.label)
    if marker_label:
        items.append(LegendItem(label=marker_label, css="self", x=x))
        x += 34 + 14 * len(marker_label)
    if target_label:
        items.append(LegendItem(label=target_label, css="target", x=x, line=True))
    return items


def line_chart(
    *,
    id: str,
    title: str,
    desc: str,
    caption: str,
    x_label: str,
    series: list[Series],
    points: list[tuple[datetime.date, list[float | None]]],
    date_label,
    maximum: float,
    unit: str = "",
    target: float | None = None,
    target_label: str = "",
    ticks: int = 4,
    x_start: datetime.date | None = None,
    x_end: datetime.date | None = None,
) -> LineChart:
    """Values over time: ``points`` are (day, one value per series or None), in day order;
    days are placed in proportion to time between ``x_start`` and ``x_end`` (default: the
    first and last day). ``date_label(day)`` writes a day (for the axis and the table)."""
    plot_width = PLOT_WIDTH + 120
    plot_right = LINE_LEFT + plot_width
    plot_bottom = TOP + LINE_PLOT_HEIGHT
    days = [day for day, _ in points]
    start = x_start or (min(days) if days else datetime.date.today())
    end = x_end or (max(days) if days else start)
    span = max((end - start).days, 1)

    def x_of(day):
        return round(LINE_LEFT + (day - start).days / span * plot_width, 1)

    def y_of(value):
        return round(plot_bottom - min(value, maximum) / maximum * LINE_PLOT_HEIGHT, 1)

    lines = [
        LineSeries(
            series=item,
            points=[
                Point(x=x_of(day), y=y_of(values[i]), label=date_label(day), value=values[i])
                for day, values in points
                if values[i] is not None
            ],
        )
        for i, item in enumerate(series)
    ]
    x_ticks = _x_ticks(start, end, days, x_of, date_label)
    chart_target = None
    if target is not None:
        chart_target = Target(position=y_of(target), label=target_label, value=target)
    return LineChart(
        id=id,
        title=title,
        desc=desc,
        lines=lines,
        y_ticks=[
            Tick(position=y_of(value), label=label)
            for value, label in _scale_ticks(maximum, ticks, unit)
        ],
        x_ticks=x_ticks,
        legend=_legend(series, target_label if target is not None else ""),
        target=chart_target,
        table=Table(
            caption=caption,
            columns=[x_label, *(item.label for item in series)],
            rows=[
                [date_label(day), *("—" if v is None else f"{_number(v)}{unit}" for v in values)]
                for day, values in points
            ],
        ),
        width=plot_right + 30,
        height=plot_bottom + LINE_BOTTOM + LEGEND_HEIGHT,
        plot_right=plot_right,
        plot_bottom=plot_bottom,
        legend_y=plot_bottom + LINE_BOTTOM,
        empty=not points,
    )
