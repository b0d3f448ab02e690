"""No dead ends (issue 16): the next course after a course's last module; due date,
期限超過 and 修了 on the track and course pages (decided by lms/assignments.py, asked
through courses' hook); a way back from a person's pages."""

import datetime
from http import HTTPStatus
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from courses.services import module_complete
from lms.factories import TrackAssignmentFactory
from lms.people.roles import Role


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(datetime.datetime(2026, 11, 28, 9, 0, tzinfo=ZoneInfo("Asia/Tokyo")))


@pytest.fixture
def track(make_course, make_staff, organization, client):
    track, first, (a, b) = make_course(modules=2)
    _, second, (c,) = make_course(modules=1, track=track)
    learner = make_staff()
    client.force_login(learner)
    return {
        "track": track,
        "courses": (first, second),
        "modules": (a, b, c),
        "learner": learner,
        "client": client,
        "organization": organization,
    }


def _html(client, url):
    response = client.get(url)
    assert response.status_code == HTTPStatus.OK
    return response.content.decode()


def test_after_a_courses_last_module_comes_the_next_course_then_the_track(track):
    client, (first, second) = track["client"], track["courses"]
    a, b, c = track["modules"]

    last_of_first = _html(client, b.url)
    last_of_track = _html(client, c.url)

    assert (
        f'href="{second.url}"' in last_of_first and f"次のコース：{second.title}" in last_of_first
    )
    assert f'href="{track["track"].url}"' in last_of_track
    assert f"トラック「{track['track'].title}」に戻る" in last_of_track
    # The first module leads to the second, not to another course.
    assert "次のコース" not in _html(client, a.url)
    for module in (a, b):
        module_complete(user=track["learner"], module=module)
    # A course finished: its page leads on to the next course of the track.
    assert f"次のコース：{second.title}" in _html(client, first.url)


def test_the_track_and_course_pages_show_the_due_date_and_overdue(track):
    TrackAssignmentFactory(
        organization=track["organization"],
        track=track["track"],
        applies_to_all=True,
        due_date=datetime.date(2026, 9, 30),  # past on 28 November
    )
    client, (first, second) = track["client"], track["courses"]
    for module in track["modules"][:2]:
        module_complete(user=track["learner"], module=module)

    track_html = _html(client, track["track"].url)
    first_html = _html(client, first.url)
    second_html = _html(client, second.url)

    assert 'datetime="2026-09-30"' in track_html
    assert "期限超過" in track_html and "修了" in track_html  # the second late, the first done
    assert "期限超過" not in first_html and "このコースを修了しました" in first_html
    assert "期限超過" in second_html and "令和8年9月30日" in second_html  # the town writes 和暦


def test_a_track_not_assigned_shows_no_due_date(track):
    html = _html(track["client"], track["track"].url)

    assert "期限超過" not in html and "期限：" not in html


def test_a_person_page_has_a_way_back_to_the_department(make_staff, departments, client):
    head = make_staff("jumin", position="kacho", roles=[Role.DEPT_HEAD])
    member = make_staff("mado")
    client.force_login(head)

    html = _html(client, reverse("lms:person_progress", args=[member.id]))

    department = departments["mado"]
    assert 'class="breadcrumb"' in html
    assert f'href="{reverse("lms:department_dashboard", args=[department.id])}"' in html
    assert f'aria-current="page">{member.get_full_name()}<' in html


def test_hr_gets_back_to_the_completion_overview(make_staff, client):
    hr = make_staff("jinji", roles=[Role.HR])
    member = make_staff("mado")
    client.force_login(hr)

    html = _html(client, reverse("lms:person_progress", args=[member.id]))

    assert f'href="{reverse("lms:hr_dashboard")}"' in html


def test_it_policy_gets_back_to_the_skills_overview(make_staff, client):
    it_policy = make_staff("somu", roles=[Role.IT_POLICY])
    member = make_staff("mado")
    client.force_login(it_policy)

    html = _html(client, reverse("lms:person_skills", args=[member.id]))

    assert f'href="{reverse("lms:it_dashboard")}"' in html
    assert f'aria-current="page">{member.get_full_name()}<' in html
