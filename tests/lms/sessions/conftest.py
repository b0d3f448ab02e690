import datetime

import pytest
from django.utils import timezone
from wagtail.models import Page, Site

from courses.factories import CoursePageFactory, LearningHomePageFactory, TrackPageFactory
from lms.audit import Actor
from lms.people.roles import Role
from lms.sessions.services import session_create


@pytest.fixture
def people(make_staff):
    """HR (人事係), the head of 住民課, two members of 窓口係 (under 住民課), one of 人事係
    (outside the head's department), an organiser (a member of staff of 総務課)."""
    return {
        "hr": make_staff("jinji", roles=[Role.HR], staff_number="H1"),
        "head": make_staff("jumin", "kacho", roles=[Role.DEPT_HEAD], staff_number="K1"),
        "member": make_staff("mado", staff_number="M1", family_name="窓口", given_name="花子"),
        "member2": make_staff("mado", staff_number="M2", family_name="窓口", given_name="次郎"),
        "outsider": make_staff("jinji", staff_number="J1", family_name="人事", given_name="三郎"),
        "organiser": make_staff("somu", staff_number="O1", family_name="総務", given_name="講師"),
    }


@pytest.fixture
def course(make_course):
    track, course, _ = make_course(modules=1)
    course.title = "情報セキュリティ集合研修"
    course.save_revision().publish()
    return course


@pytest.fixture
def make_session(organization, people, course):
    """A session of the town's course, created by HR (``session_create``), by default
    tomorrow 10:00–12:00 Japan time with two seats."""

    def make(*, capacity=2, starts_in=datetime.timedelta(days=1), **fields):
        start = timezone.localtime().replace(hour=10, minute=0, second=0, microsecond=0)
        start = start + starts_in
        values = {
            "title": "情報セキュリティ研修（第1回）",
            "course": course,
            "kind": "classroom",
            "starts_at": start,
            "ends_at": start + datetime.timedelta(hours=2),
            "place": "本庁舎 3階 大会議室",
            "capacity": capacity,
            "organiser": people["organiser"],
            "minutes": 120,
        }
        values.update(fields)
        return session_create(by=Actor(user=people["hr"]), organization=organization, **values)

    return make


@pytest.fixture
def neighbour(other_town, make_staff, learning_home):
    """となり町 with its own site and track, a course, a member of staff and its HR."""
    town = other_town["organization"]
    home = LearningHomePageFactory(parent=Page.get_first_root_node(), slug="tonari")
    town.site = Site.objects.create(hostname="tonari.example", root_page=home)
    town.save()
    track = TrackPageFactory(parent=home)
    course = CoursePageFactory(parent=track, slug="tonari-course", title="となり町の研修")
    return {
        "town": town,
        "course": course,
        "member": make_staff(other_town["jumin"], staff_number="B1"),
        "hr": make_staff(other_town["somu"], roles=[Role.HR], staff_number="BH"),
    }
