"""The server-drawn charts: SVG with a title and description, a visible scale, a legend,
a target line, and the data in the chart's table, computed independently here."""

import datetime

import lxml.html
from django.template.loader import render_to_string

from content.charts import Series, bar_chart, line_chart, nice_maximum

SERIES = [Series("修了", "done"), Series("受講中", "progress"), Series("未着手", "notstarted")]


def _render(template, chart):
    html = render_to_string(template, {"chart": chart})
    return lxml.html.fromstring(html)


def _table(tree, chart_id):
    table = tree.get_element_by_id(f"{chart_id}-table")
    return [
        [cell.text_content().strip() for cell in row.xpath("./th|./td")]
        for row in table.xpath(".//tbody/tr")
    ]


ROWS = [
    {"label": "人事係", "values": [3, 1, 2]},
    {"label": "窓口係", "values": [0, 4, 7]},
    {"label": "企画係", "values": [5, 0, 0]},
]


def test_a_stacked_bar_chart_carries_its_figures_scale_legend_and_target():
    chart = bar_chart(
        id="t",
        title="所属別",
        desc="説明",
        caption="所属別の件数",
        series=SERIES,
        rows=ROWS,
        target=6,
        target_label="目標",
    )
    tree = _render("content/charts/bars.html", chart)
    svg = tree.xpath("//svg")[0]

    assert svg.get("role") == "img"
    assert set(svg.get("aria-labelledby").split()) == {"t-title", "t-desc"}
    assert svg.xpath(".//title")[0].text == "所属別"
    # The table: one row per bar with each series and the total, counted here.
    assert _table(tree, "t") == [
        [row["label"], *map(str, row["values"]), str(sum(row["values"]))] for row in ROWS
    ]
    # The scale runs from 0 to a round number at or above the largest total (11 → 20).
    ticks = [t.text for t in svg.xpath(".//text[contains(@class, 'chart__tick')]")]
    assert ticks[0] == "0" and ticks[-1] == "20" and len(ticks) == 5
    # Bar lengths are proportional to the values on that scale.
    widths = [
        float(r.get("width"))
        for r in svg.xpath(".//g[@class='chart__row']/rect[contains(@class, 'chart__fill--done')]")
    ]
    plot = chart.plot_width
    assert widths == [round(3 / 20 * plot, 1), round(5 / 20 * plot, 1)]  # 0 draws no rect
    # The legend names every series and the target; the target line sits at 6 of 20.
    legend = [t.text for t in svg.xpath(".//g[@class='chart__legend']//text")]
    assert legend == ["修了", "受講中", "未着手", "目標"]
    target = svg.xpath(".//line[@class='chart__target']")[0]
    assert float(target.get("x1")) == round(chart.plot_left + 6 / 20 * plot, 1)


def test_a_percent_chart_with_one_series_has_no_total_column():
    chart = bar_chart(
        id="p",
        title="率",
        desc="",
        caption="率",
        series=[Series("修了率", "rate")],
        rows=[{"label": "総務課", "values": [42.5]}],
        maximum=100,
        unit="%",
    )
    tree = _render("content/charts/bars.html", chart)
    assert _table(tree, "p") == [["総務課", "42.5%"]]
    assert [t.text for t in tree.xpath("//text[contains(@class, 'chart__tick')]")] == [
        "0%",
        "25%",
        "50%",
        "75%",
        "100%",
    ]


def test_a_line_chart_places_days_in_proportion_to_time():
    start, end = datetime.date(2026, 4, 1), datetime.date(2027, 3, 31)
    points = [(datetime.date(2026, 4, 1), [10.0]), (datetime.date(2026, 10, 1), [55.0])]
    chart = line_chart(
        id="l",
        title="推移",
        desc="",
        caption="推移",
        x_label="時点",
        series=[Series("修了率", "rate")],
        points=points,
        date_label=lambda d: d.isoformat(),
        maximum=100,
        unit="%",
        target=80,
        target_label="目標",
        x_start=start,
        x_end=end,
    )
    tree = _render("content/charts/line.html", chart)
    assert _table(tree, "l") == [["2026-04-01", "10%"], ["2026-10-01", "55%"]]
    circles = tree.xpath("//g[contains(@class, 'chart__series')]/circle")
    span = (end - start).days
    plot_width = chart.plot_right - chart.plot_left
    expected_x = [
        round(chart.plot_left + (d - start).days / span * plot_width, 1) for d, _ in points
    ]
    assert [float(c.get("cx")) for c in circles] == expected_x
    height = chart.plot_bottom - chart.plot_top
    assert [float(c.get("cy")) for c in circles] == [
        round(chart.plot_bottom - v / 100 * height, 1) for _, (v,) in points
    ]
    target = tree.xpath("//line[@class='chart__target']")[0]
    assert float(target.get("y1")) == round(chart.plot_bottom - 0.8 * height, 1)
    assert "目標" in [t.text for t in tree.xpath("//g[@class='chart__legend']//text")]


def test_nice_maximum_is_a_round_number_at_or_above_the_value():
    for value, expected in [(0, 1), (1, 1), (3, 5), (11, 20), (21, 25), (26, 50), (669, 1000)]:
        assert nice_maximum(value) == expected
