"""The HR and department pages' charts, drawn by ``content.charts`` (server-side SVG).

- completion rate per department (bars, with the target line),
- 職位別: completion rate per position,
- the trend of the completion rate over the fiscal year, from the stored report runs,
- a department's courses by state (修了/受講中/未着手) per 係 and per person.
"""

import datetime

from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from content.charts import Series, bar_chart, line_chart
from courses.fiscal import fiscal_year_bounds

# The completion rate a town aims for by the due dates; drawn as the target line of the
# completion charts (a line, not a rule: nothing is decided by it).
COMPLETION_TARGET_PERCENT = 80


def _percent(rate: float) -> float:
    return round(rate * 100, 1)


def _rate_series() -> list[Series]:
    return [Series(label=_("Completion rate"), css="rate")]


def _target_label() -> str:
    return _("Target %(percent)s%%") % {"percent": COMPLETION_TARGET_PERCENT}


def _rate_chart(*, id, title, desc, rows):
    """Completion rate (0–100 %) per row of a report summary, with the target line."""
    return bar_chart(
        id=id,
        title=title,
        desc=desc,
        caption=title,
        series=_rate_series(),
        rows=rows,
        maximum=100,
        unit="%",
        target=COMPLETION_TARGET_PERCENT,
        target_label=_target_label(),
    )


def completion_chart(departments: list[dict]):
    """Completion rate per department from a report summary (units indented)."""
    return _rate_chart(
        id="completion-chart",
        title=_("Completion rate by department"),
        desc=_(
            "Bars show each department's completion rate from 0 to 100%; the dashed line "
            "is the target. The same figures are in the table."
        ),
        rows=[
            {
                "label": row["name"],
                "values": [_percent(row["rate"])],
                "indent": row["path"].count("/") > 2,
            }
            for row in departments
        ],
    )


def position_chart(positions: list[dict]):
    """職位別: completion rate per position (by rank) from a report summary."""
    return _rate_chart(
        id="position-chart",
        title=_("Completion rate by position"),
        desc=_(
            "Bars show each position's completion rate from 0 to 100%; the dashed line "
            "is the target. The same figures are in the table."
        ),
        rows=[{"label": row["name"], "values": [_percent(row["rate"])]} for row in positions],
    )


def trend_chart(points: list[tuple[datetime.date, float]], *, fiscal_year: int, date_label=None):
    """The completion rate as of each report of the fiscal year (one point per as-of day),
    placed on the year from 1 April to 31 March."""
    start, end = fiscal_year_bounds(fiscal_year)
    label = date_label or (lambda day: date_format(day, "MONTH_DAY_FORMAT"))
    return line_chart(
        id="trend-chart",
        title=_("Completion rate over the fiscal year"),
        desc=_(
            "The line shows the completion rate of each report of the fiscal year, from "
            "1 April to 31 March; the dashed line is the target. The same figures are in "
            "the table."
        ),
        caption=_("Completion rate of each report of the fiscal year"),
        x_label=_("As of"),
        series=_rate_series(),
        points=[(day, [_percent(rate)]) for day, rate in points],
        date_label=label,
        maximum=100,
        unit="%",
        target=COMPLETION_TARGET_PERCENT,
        target_label=_target_label(),
        x_start=start,
        x_end=end,
    )


def _state_series() -> list[Series]:
    return [
        Series(label=pgettext("completion", "Completed"), css="done"),
        Series(label=pgettext("completion", "In progress"), css="progress"),
        Series(label=pgettext("completion", "Not started"), css="notstarted"),
    ]


def state_chart(rows: list[dict], *, id: str, title: str, caption: str):
    """Courses by state (修了/受講中/未着手) per row (a 係 or a person), as counts: a
    row's bar is as long as its assigned courses. ``rows``: label, completed,
    in_progress, not_started."""
    return bar_chart(
        id=id,
        title=title,
        desc=_(
            "Each bar is split into completed, in-progress and not-started courses. The "
            "same figures are in the table."
        ),
        caption=caption,
        series=_state_series(),
        rows=[
            {
                "label": row["label"],
                "values": [row["completed"], row["in_progress"], row["not_started"]],
                "indent": row.get("indent", False),
            }
            for row in rows
        ],
    )
