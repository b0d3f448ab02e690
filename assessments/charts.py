"""A quiz result's chart: the score against the pass mark, drawn by ``content.charts``."""

from django.utils.translation import gettext as _

from content.charts import Series, bar_chart

from .models import Quiz


def score_chart(*, score_percent: int, pass_mark_percent: int, kind: str, label: str = ""):
    """The score (0–100 %) as one bar with the pass mark as the target line; a skill
    check has no pass mark (it measures levels), so its chart has no line."""
    has_pass_mark = kind != Quiz.Kind.SKILL_CHECK
    return bar_chart(
        id="score-chart",
        title=_("Your score"),
        desc=(
            _("The bar shows your score from 0 to 100%; the dashed line is the pass mark.")
            if has_pass_mark
            else _("The bar shows your score from 0 to 100%.")
        ),
        caption=_("Your score"),
        series=[Series(label=_("Score"), css="score")],
        rows=[{"label": label or _("This attempt"), "values": [score_percent]}],
        maximum=100,
        unit="%",
        target=pass_mark_percent if has_pass_mark else None,
        target_label=_("Pass mark %(mark)s%%") % {"mark": pass_mark_percent},
    )
