"""マイページ's progress chart (days to the due date) and マイスキル's history over time:
SVG with their tables, the figures counted here from the set-up."""

import datetime
from zoneinfo import ZoneInfo

import lxml.html
import pytest
from django.urls import reverse

from assessments.models import SkillArea, SkillResult
from courses.services import module_complete
from lms.factories import TrackAssignmentFactory

TOKYO = ZoneInfo("Asia/Tokyo")


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(datetime.datetime(2026, 11, 28, 9, 0, tzinfo=TOKYO))


def _table(html, table_id):
    table = lxml.html.fromstring(html).get_element_by_id(table_id)
    return [
        [cell.text_content().strip() for cell in row.xpath("./th|./td")]
        for row in table.xpath("./tbody/tr")
    ]


def test_mypage_charts_each_required_track_with_its_days_to_the_due_date(
    client, organization, make_course, make_staff
):
    late, _, late_modules = make_course(modules=4)
    ahead, _, _ = make_course(modules=2)
    due = {late: datetime.date(2026, 9, 30), ahead: datetime.date(2027, 1, 15)}
    for track, day in due.items():
        TrackAssignmentFactory(
            organization=organization, track=track, applies_to_all=True, due_date=day
        )
    learner = make_staff("mado")
    module_complete(user=learner, module=late_modules[0])
    client.force_login(learner)

    html = client.get(reverse("lms:mypage")).content.decode()

    today = datetime.date(2026, 11, 28)
    rows = {row[0]: row[1:] for row in _table(html, "due-chart-table")}
    assert rows[late.title] == [
        f"{100 * 1 // 4}%",
        "令和8年9月30日",
        f"期限を{(today - due[late]).days}日超過",
    ]
    assert rows[ahead.title] == [
        "0%",
        "令和9年1月15日",
        f"期限まであと{(due[ahead] - today).days}日",
    ]
    svg = lxml.html.fromstring(html).xpath(
        "//svg[@aria-labelledby='due-chart-title due-chart-desc']"
    )
    assert svg and svg[0].get("role") == "img"


def test_the_town_that_writes_western_years_sees_them(
    client, organization, make_course, make_staff
):
    organization.era_display = "seireki"
    organization.save()
    track, _, _ = make_course(modules=1)
    TrackAssignmentFactory(
        organization=organization,
        track=track,
        applies_to_all=True,
        due_date=datetime.date(2026, 9, 30),
    )
    client.force_login(make_staff("mado"))

    html = client.get(reverse("lms:mypage")).content.decode()

    assert "2026年度" in html and "令和" not in html
    assert _table(html, "due-chart-table")[0][2] == "2026年9月30日"


def test_the_skill_history_is_a_chart_of_levels_by_day_and_area(client, make_staff):
    areas = [
        SkillArea.objects.create(code=f"area-{i}", name=name, sort_order=i)
        for i, name in enumerate(["データ活用", "情報セキュリティ"])
    ]
    learner = make_staff("mado")
    results = [  # (day, area, level); two on one day: the later one counts
        (datetime.datetime(2026, 5, 10, 9, tzinfo=TOKYO), 0, 1),
        (datetime.datetime(2026, 7, 1, 9, tzinfo=TOKYO), 1, 2),
        (datetime.datetime(2026, 7, 1, 15, tzinfo=TOKYO), 1, 3),
        (datetime.datetime(2026, 10, 5, 9, tzinfo=TOKYO), 0, 2),
    ]
    for at, area, level in results:
        SkillResult.objects.create(user=learner, area=areas[area], level=level, assessed_at=at)
    client.force_login(learner)

    html = client.get(reverse("lms:skills")).content.decode()

    by_day = {}
    for at, area, level in sorted(results):
        by_day.setdefault(at.date(), ["—", "—"])[area] = str(level)
    table = lxml.html.fromstring(html).get_element_by_id("history-chart-table")
    columns = [cell.text_content().strip() for cell in table.xpath("./thead/tr/th")]
    mine = [columns.index(area.name) for area in areas]  # the framework's own areas too
    rows = _table(html, "history-chart-table")
    assert [[row[i] for i in mine] for row in rows] == [by_day[day] for day in sorted(by_day)]
    assert [row[0] for row in rows] == [
        f"令和8年{day.month}月{day.day}日" for day in sorted(by_day)
    ]
