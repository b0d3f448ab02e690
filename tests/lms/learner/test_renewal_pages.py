"""What a learner sees of a renewal course (docs/renewal.md): 失効日, the warning, expiry."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from courses.models import CoursePage
from courses.services import module_complete
from lms.factories import TrackAssignmentFactory
from lms.learner.selectors import mypage_for_user

TOKYO = ZoneInfo("Asia/Tokyo")
TODAY = datetime.date(2026, 11, 28)


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(datetime.datetime(2026, 11, 28, 9, 0, tzinfo=TOKYO))


@pytest.fixture
def renewal(make_course, make_staff, organization):
    track, course, modules = make_course(modules=1)
    CoursePage.objects.filter(pk=course.pk).update(validity_months=12, expiry_warning_days=30)
    course.refresh_from_db()
    TrackAssignmentFactory(
        organization=organization, track=track, applies_to_all=True,
        due_date=datetime.date(2027, 3, 15),
    )  # fmt: skip
    learner = make_staff()
    organization.era_display = "seireki"
    organization.save()
    return {"track": track, "course": course, "module": modules[0], "learner": learner}


def _complete_on(renewal, day):
    moment = datetime.datetime.combine(day, datetime.time(10), TOKYO)
    module_complete(user=renewal["learner"], module=renewal["module"], at=moment)


def _pages(client, renewal):
    client.force_login(renewal["learner"])
    mypage = client.get(reverse("lms:mypage")).content.decode()
    course = client.get(renewal["course"].url).content.decode()
    return mypage, course


def test_a_valid_completion_shows_its_expiry_date(client, renewal):
    _complete_on(renewal, datetime.date(2026, 6, 10))
    mypage, course = _pages(client, renewal)
    for html in (mypage, course):
        assert "失効日：2027年6月10日" in html
        assert "まもなく失効します" not in html
    assert "修了後 12 か月有効" in course
    page = mypage_for_user(user=renewal["learner"], today=TODAY)
    assert page.course_status[renewal["course"].pk] == "completed"


def test_near_the_expiry_the_learner_is_warned_and_may_renew(client, renewal):
    _complete_on(renewal, datetime.date(2025, 12, 20))  # expires 2026-12-20: 22 days left
    mypage, course = _pages(client, renewal)
    for html in (mypage, course):
        assert "失効日：2026年12月20日" in html
        assert "まもなく失効します" in html
    # Renewing now starts the next round and a new validity.
    _complete_on(renewal, TODAY)
    mypage, _course = _pages(client, renewal)
    assert "失効日：2027年11月28日" in mypage and "まもなく失効します" not in mypage


def test_after_the_expiry_the_course_is_due_again_on_its_expiry_date(client, renewal):
    _complete_on(renewal, datetime.date(2025, 11, 1))  # expired on 2026-11-01
    mypage, course = _pages(client, renewal)
    for html in (mypage, course):
        assert "修了は 2026年11月1日 に失効しました" in html
    page = mypage_for_user(user=renewal["learner"], today=TODAY)
    track = page.assigned[0]
    assert page.course_status[renewal["course"].pk] == "not_started"
    assert track.courses[0].due_date == datetime.date(2026, 11, 1)
    assert track.overdue  # due on the expiry date, before today
    assert "このコースの期限は 2026年11月1日 でした" in course


def test_another_learner_sees_no_expiry(client, renewal, make_staff):
    _complete_on(renewal, datetime.date(2026, 6, 10))
    other = make_staff()
    client.force_login(other)
    html = client.get(renewal["course"].url).content.decode()
    assert "失効日：" not in html
