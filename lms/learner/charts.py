"""マイページ and マイスキル charts, drawn by ``content.charts`` (server-side SVG)."""

import datetime

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from assessments.levels import Level
from assessments.selectors import SkillProfile
from content.charts import Series, bar_chart, line_chart
from lms.learner.selectors import SKILL_TARGET_LEVEL


def skill_chart(profile: SkillProfile):
    """Measured level (0–4) per area, the person's own rating beside it, the target level."""
    return bar_chart(
        id="skill-chart",
        title=_("Skill level by area"),
        desc=_(
            "Bars show the measured level from 0 to 4 and your own rating; the dashed "
            "line is the level every member of staff aims for. The same figures are in "
            "the table."
        ),
        caption=_("Measured level and your own rating by area"),
        series=[
            Series(label=_("Measured level"), css="level"),
        ],
        rows=[
            {
                "label": category.area.name,
                "values": [category.level],
                "marker": category.self_rating,
            }
            for category in profile.categories
        ],
        marker_label=_("Your rating"),
        maximum=int(Level.SPECIALISED),
        target=SKILL_TARGET_LEVEL,
        target_label=_("Target level %(level)s") % {"level": SKILL_TARGET_LEVEL},
        ticks=int(Level.SPECIALISED),
    )


def skill_history_chart(profile: SkillProfile, *, date_label=None):
    """Measured level of each area over time, one line per area (the history's results:
    the last result of a day counts for that day)."""
    label = date_label or (lambda day: date_format(day, "SHORT_DATE_FORMAT"))
    areas = [category.area for category in profile.categories]
    index = {area.id: i for i, area in enumerate(areas)}
    by_day: dict[datetime.date, list] = {}
    # History is newest first: walk it oldest first so a day's last result wins.
    for result in reversed(profile.history):
        if result.area_id not in index:
            continue
        day = timezone.localdate(result.assessed_at)
        by_day.setdefault(day, [None] * len(areas))[index[result.area_id]] = result.level
    return line_chart(
        id="history-chart",
        title=_("Measured level over time"),
        desc=_(
            "One line per area shows the measured level from 0 to 4 at each skill check; "
            "the dashed line is the target level. The same figures are in the table."
        ),
        caption=_("Measured level by date and area"),
        x_label=pgettext("table", "Date"),
        series=[Series(label=area.name, css=f"s{i % 6}") for i, area in enumerate(areas)],
        points=sorted(by_day.items()),
        date_label=label,
        maximum=int(Level.SPECIALISED),
        target=SKILL_TARGET_LEVEL,
        target_label=_("Target level %(level)s") % {"level": SKILL_TARGET_LEVEL},
        ticks=int(Level.SPECIALISED),
    )


def due_chart(page, *, date_label=None):
    """マイページ: each required track's progress (modules done of all, in %), and the days
    left to its due date in the bar's text (overdue says so)."""
    date_label = date_label or (lambda day: date_format(day, "DATE_FORMAT"))
    rows = []
    for track in page.assigned:
        days = (track.due_date - page.today).days if track.due_date else None
        if track.completed:
            text = pgettext("completion", "Completed")
        elif days is None:
            text = ""
        elif days < 0:
            text = _("%(days)s days overdue") % {"days": -days}
        else:
            text = _("%(days)s days left") % {"days": days}
        rows.append(
            {
                "label": track.page.title,
                "values": [track.percent],
                "text": text,
                "due": date_label(track.due_date) if track.due_date else "—",
            }
        )
    return bar_chart(
        id="due-chart",
        title=_("Progress of required tracks"),
        desc=_(
            "Bars show how much of each required track you have done, from 0 to 100%, "
            "with the days left to its due date. The same figures are in the table."
        ),
        caption=_("Progress and days to the due date"),
        series=[Series(label=_("Progress"), css="progress")],
        rows=rows,
        maximum=100,
        unit="%",
        value_text=lambda row: row["text"] or f"{row['values'][0]}%",
        extra_columns=[
            (_("Due date"), [row["due"] for row in rows]),
            (_("Days to the due date"), [row["text"] for row in rows]),
        ],
    )
