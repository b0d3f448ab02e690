"""``{% score_chart attempt %}``: a result page's score against the pass mark, in one line."""

from django import template

from assessments.charts import score_chart as _score_chart

register = template.Library()


@register.inclusion_tag("assessments/includes/score_chart.html")
def score_chart(attempt):
    quiz = attempt.quiz
    return {
        "chart": _score_chart(
            score_percent=attempt.score_percent,
            pass_mark_percent=quiz.pass_mark_percent,
            kind=quiz.kind,
        )
    }
