"""The quiz result chart: the score against the pass mark (none for a skill check)."""

import lxml.html
from django.template.loader import render_to_string

from assessments.charts import score_chart


def _render(chart):
    return lxml.html.fromstring(render_to_string("content/charts/bars.html", {"chart": chart}))


def test_the_score_bar_and_the_pass_mark_line():
    chart = score_chart(score_percent=65, pass_mark_percent=70, kind="quiz")
    tree = _render(chart)

    row = tree.get_element_by_id("score-chart-table").xpath(".//tbody/tr")[0]
    assert [c.text_content() for c in row.xpath("./th|./td")][1] == "65%"
    bar = tree.xpath("//g[@class='chart__row']/rect[contains(@class, 'chart__fill--score')]")[0]
    assert float(bar.get("width")) == round(0.65 * chart.plot_width, 1)
    line = tree.xpath("//line[@class='chart__target']")[0]
    assert float(line.get("x1")) == round(chart.plot_left + 0.70 * chart.plot_width, 1)
    # The bar ends left of the line: the score is below the pass mark.
    assert float(bar.get("x")) + float(bar.get("width")) < float(line.get("x1"))


def test_a_skill_check_has_no_pass_mark():
    tree = _render(score_chart(score_percent=17, pass_mark_percent=0, kind="skill_check"))

    assert not tree.xpath("//line[@class='chart__target']")
    assert not [t for t in tree.xpath("//g[@class='chart__legend']//text") if "合格" in t.text]
