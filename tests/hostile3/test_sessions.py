"""Hostile probes: training sessions."""

import datetime
from http import HTTPStatus

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from courses.models import CourseCompletion, CoursePage
from lms.audit import Actor
from lms.models import SessionRegistration
from lms.sessions.services import attendance_set, session_cancel, session_register, session_update
from tests.lms.sessions.test_services import started

pytestmark = pytest.mark.django_db


def test_staff_cannot_register_someone_else_by_user_id(client, people, make_session):
    session = make_session()
    client.force_login(people["member"])
    client.post(reverse("lms:session_register", args=[session.pk]), {"user": people["member2"].pk})
    client.post(reverse("lms:session_register", args=[session.pk]), {"staff_number": "M2"})
    assert not SessionRegistration.objects.filter(user=people["member2"]).exists()


def test_staff_cannot_cancel_someone_elses_seat(client, people, make_session):
    session = make_session()
    session_register(by=Actor(user=people["hr"]), session_id=session.pk, person=people["member2"])
    client.force_login(people["member"])
    client.post(reverse("lms:session_cancel", args=[session.pk]), {"user": people["member2"].pk})
    assert SessionRegistration.objects.get(user=people["member2"]).status == "registered"


def test_head_cannot_register_outside_department(client, people, make_session):
    session = make_session()
    client.force_login(people["head"])
    client.post(reverse("lms:session_register", args=[session.pk]), {"staff_number": "J1"})
    client.post(reverse("lms:session_register", args=[session.pk]), {"user": people["hr"].pk})
    assert not SessionRegistration.objects.exclude(user=people["head"]).exists()


def test_head_and_hr_cannot_register_another_towns_person(client, people, make_session, neighbour):
    session = make_session()
    for who in ("head", "hr"):
        client.force_login(people[who])
        client.post(reverse("lms:session_register", args=[session.pk]), {"staff_number": "B1"})
        client.post(
            reverse("lms:session_register", args=[session.pk]), {"user": neighbour["member"].pk}
        )
    with pytest.raises(PermissionDenied):
        session_register(
            by=Actor(user=people["hr"]), session_id=session.pk, person=neighbour["member"]
        )
    assert not SessionRegistration.objects.exists()


def test_other_town_hr_cannot_see_register_or_mark(client, people, make_session, neighbour):
    session = make_session()
    reg = session_register(
        by=Actor(user=people["hr"]), session_id=session.pk, person=people["member"]
    )
    started(session)
    client.force_login(neighbour["hr"])
    assert client.get(reverse("lms:session_detail", args=[session.pk])).status_code == 404
    r = client.post(
        reverse("lms:session_attendance", args=[session.pk]), {f"attended-{reg.pk}": "present"}
    )
    assert r.status_code == 404
    r = client.post(reverse("lms:session_register", args=[session.pk]))
    assert r.status_code == 404
    with pytest.raises(PermissionDenied):
        attendance_set(by=Actor(user=neighbour["hr"]), session_id=session.pk, marks={reg.pk: True})
    assert not CourseCompletion.objects.exists()


def test_attendance_of_waiting_or_cancelled_registration_refused(people, make_session):
    session = make_session(capacity=1)
    hr = Actor(user=people["hr"])
    session_register(by=hr, session_id=session.pk, person=people["member"])
    waiting = session_register(by=hr, session_id=session.pk, person=people["member2"])
    assert waiting.status == "waiting"
    started(session)
    with pytest.raises(ValidationError):
        attendance_set(by=hr, session_id=session.pk, marks={waiting.pk: True})
    assert not CourseCompletion.objects.exists()


def test_unicode_digit_registration_id_is_a_400_not_a_crash(client, people, make_session):
    session = make_session()
    session_register(by=Actor(user=people["hr"]), session_id=session.pk, person=people["member"])
    started(session)
    client.raise_request_exception = False
    client.force_login(people["organiser"])
    r = client.post(reverse("lms:session_attendance", args=[session.pk]), {"attended-²": "present"})
    assert r.status_code == HTTPStatus.BAD_REQUEST


def test_unicode_digit_user_id_in_register_is_not_a_crash(client, people, make_session):
    session = make_session()
    client.raise_request_exception = False
    client.force_login(people["hr"])
    r = client.post(reverse("lms:session_register", args=[session.pk]), {"user": "²"})
    assert r.status_code in (HTTPStatus.FOUND, HTTPStatus.BAD_REQUEST)


def test_organiser_cannot_mark_own_attendance_even_among_others(people, make_session):
    session = make_session()
    hr = Actor(user=people["hr"])
    own = session_register(by=hr, session_id=session.pk, person=people["organiser"])
    other = session_register(by=hr, session_id=session.pk, person=people["member"])
    started(session)
    with pytest.raises(ValidationError):
        attendance_set(
            by=Actor(user=people["organiser"]),
            session_id=session.pk,
            marks={other.pk: True, own.pk: True},
        )
    assert not CourseCompletion.objects.exists()
    assert SessionRegistration.objects.get(pk=other.pk).attended is None


def test_requeue_does_not_jump_the_waiting_list(people, make_session):
    session = make_session(capacity=1)
    hr = Actor(user=people["hr"])
    session_register(by=hr, session_id=session.pk, person=people["member"])
    first = session_register(by=hr, session_id=session.pk, person=people["member2"])
    late = session_register(by=hr, session_id=session.pk, person=people["outsider"])
    session_cancel(
        by=Actor(user=people["outsider"]), session_id=session.pk, person=people["outsider"]
    )
    session_register(
        by=Actor(user=people["outsider"]), session_id=session.pk, person=people["outsider"]
    )
    session_cancel(by=hr, session_id=session.pk, person=people["member"])
    assert SessionRegistration.objects.get(pk=first.pk).status == "registered"
    assert SessionRegistration.objects.get(pk=late.pk).status == "waiting"


def test_capacity_cannot_drop_below_registered(people, make_session):
    session = make_session(capacity=2)
    hr = Actor(user=people["hr"])
    session_register(by=hr, session_id=session.pk, person=people["member"])
    session_register(by=hr, session_id=session.pk, person=people["member2"])
    with pytest.raises(ValidationError):
        session_update(by=hr, session_id=session.pk, capacity=1)


def test_a_person_marked_absent_cannot_cancel(people, make_session):
    session = make_session()
    reg = session_register(
        by=Actor(user=people["hr"]), session_id=session.pk, person=people["member"]
    )
    started(session)
    attendance_set(by=Actor(user=people["organiser"]), session_id=session.pk, marks={reg.pk: False})
    with pytest.raises(ValidationError):
        session_cancel(
            by=Actor(user=people["member"]), session_id=session.pk, person=people["member"]
        )


def test_attending_a_session_of_a_renewal_course_renews_it(people, make_session, course):
    """Round 0 expired long ago; attending a session of the course must store the next
    round, as a recorded completion would (courses/renewal.py)."""
    CoursePage.objects.filter(pk=course.pk).update(validity_months=12)
    course.refresh_from_db()
    CourseCompletion.objects.create(
        user=people["member"],
        course=course,
        cycle=0,
        completed_at=timezone.now() - datetime.timedelta(days=500),
        source="recorded",
        recorded_by=people["hr"],
        recorded_at=timezone.now(),
        reason="紙の記録",
    )
    session = make_session(course=course)
    reg = session_register(
        by=Actor(user=people["hr"]), session_id=session.pk, person=people["member"]
    )
    started(session)
    attendance_set(by=Actor(user=people["organiser"]), session_id=session.pk, marks={reg.pk: True})
    cycles = sorted(
        CourseCompletion.objects.filter(user=people["member"]).values_list("cycle", flat=True)
    )
    assert cycles == [0, 1]


def test_a_replaced_organiser_can_no_longer_mark(client, people, make_session, make_staff):
    session = make_session()
    reg = session_register(
        by=Actor(user=people["hr"]), session_id=session.pk, person=people["member"]
    )
    session_update(by=Actor(user=people["hr"]), session_id=session.pk, organiser=people["member2"])
    started(session)
    client.force_login(people["organiser"])
    r = client.post(
        reverse("lms:session_attendance", args=[session.pk]), {f"attended-{reg.pk}": "present"}
    )
    assert r.status_code == 404
    assert not CourseCompletion.objects.exists()


def test_hr_cannot_mark_own_attendance(people, make_session):
    session = make_session()
    own = session_register(by=Actor(user=people["hr"]), session_id=session.pk, person=people["hr"])
    started(session)
    with pytest.raises(ValidationError):
        attendance_set(by=Actor(user=people["hr"]), session_id=session.pk, marks={own.pk: True})


def test_other_town_hr_cannot_edit_and_staff_cannot_manage(client, people, make_session, neighbour):
    session = make_session()
    client.force_login(neighbour["hr"])
    r = client.post(reverse("lms:session_edit", args=[session.pk]), {"capacity": "1"})
    assert r.status_code == 404
    client.force_login(people["member"])
    assert client.get(reverse("lms:session_manage")).status_code == 404
    assert client.get(reverse("lms:session_create")).status_code == 404
    assert client.get(reverse("lms:session_attendance", args=[session.pk])).status_code == 404


def test_head_cannot_cancel_outsiders_waiting_place(client, people, make_session):
    session = make_session(capacity=1)
    hr = Actor(user=people["hr"])
    session_register(by=hr, session_id=session.pk, person=people["member"])
    session_register(by=hr, session_id=session.pk, person=people["outsider"])
    client.force_login(people["head"])
    client.post(reverse("lms:session_cancel", args=[session.pk]), {"staff_number": "J1"})
    client.post(reverse("lms:session_cancel", args=[session.pk]), {"user": people["outsider"].pk})
    assert SessionRegistration.objects.get(user=people["outsider"]).status == "waiting"


def test_sheet_naming_another_sessions_person_stores_nothing(client, people, make_session):
    from django.core.files.uploadedfile import SimpleUploadedFile

    session, other = make_session(), make_session(title="別の回")
    hr = Actor(user=people["hr"])
    session_register(by=hr, session_id=session.pk, person=people["member"])
    session_register(by=hr, session_id=other.pk, person=people["member2"])
    started(session)
    sheet = "職員番号,出欠\nM1,出席\nM2,出席\n".encode()
    client.force_login(people["organiser"])
    r = client.post(
        reverse("lms:session_attendance", args=[session.pk]),
        {"sheet": SimpleUploadedFile("a.csv", sheet, content_type="text/csv")},
    )
    assert r.status_code == 400
    assert not CourseCompletion.objects.exists()
