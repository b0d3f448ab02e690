"""The session services: who may create, register, cancel and record attendance, the
waiting list, and attendance as the completion the reports read."""

import datetime
import threading

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, connections, transaction
from django.utils import timezone

from courses.fiscal import fiscal_year_of, local_today
from courses.models import CourseCompletion
from lms.audit import Actor
from lms.factories import TrackAssignmentFactory
from lms.models import AuditEvent, Notice, OutgoingMail, SessionRegistration, TrainingSession
from lms.reporting.completion import person_course_rows
from lms.sessions.services import (
    attendance_set,
    attended_minutes,
    session_cancel,
    session_create,
    session_register,
    session_update,
)

pytestmark = pytest.mark.django_db


def by(user):
    return Actor(user=user)


def started(session, hours_ago=3):
    """The day of the session has come: it started ``hours_ago`` hours ago, for 2 hours."""
    start = timezone.now() - datetime.timedelta(hours=hours_ago)
    TrainingSession.objects.filter(pk=session.pk).update(
        starts_at=start, ends_at=start + datetime.timedelta(hours=2)
    )
    session.refresh_from_db()
    return session


# --- creating -----------------------------------------------------------------------------


def test_hr_creates_a_session_audited(make_session, people):
    session = make_session()
    event = AuditEvent.objects.get(action=AuditEvent.Action.SESSION_CREATED)
    assert event.actor == people["hr"] and event.detail["session"] == session.pk
    assert str(session).startswith("情報セキュリティ研修（第1回）（")


@pytest.mark.parametrize("role", ["member", "head", "organiser"])
def test_nobody_but_hr_creates_a_session(make_session, people, organization, course, role):
    with pytest.raises(PermissionDenied):
        session_create(
            by=by(people[role]),
            organization=organization,
            title="x",
            course=course,
            starts_at=timezone.now() + datetime.timedelta(days=1),
            ends_at=timezone.now() + datetime.timedelta(days=1, hours=1),
            place="会議室",
            capacity=5,
            organiser=people["organiser"],
            minutes=60,
        )
    assert not TrainingSession.objects.exists()


def test_another_towns_hr_creates_none_here(make_session, neighbour, organization, course, people):
    with pytest.raises(PermissionDenied):
        session_create(
            by=by(neighbour["hr"]),
            organization=organization,
            title="x",
            course=course,
            starts_at=timezone.now() + datetime.timedelta(days=1),
            ends_at=timezone.now() + datetime.timedelta(days=1, hours=1),
            place="会議室",
            capacity=5,
            organiser=people["organiser"],
            minutes=60,
        )


def test_a_session_of_another_towns_course_or_organiser_or_bad_times_is_refused(
    make_session, neighbour
):
    with pytest.raises(ValidationError) as course_error:
        make_session(course=neighbour["course"])
    assert "course" in course_error.value.message_dict
    with pytest.raises(ValidationError) as organiser_error:
        make_session(organiser=neighbour["member"])
    assert "organiser" in organiser_error.value.message_dict
    start = timezone.now() + datetime.timedelta(days=2)
    with pytest.raises(ValidationError) as times:
        make_session(starts_at=start, ends_at=start)
    assert "ends_at" in times.value.message_dict
    with pytest.raises(ValidationError) as capacity:
        make_session(capacity=0)
    assert "capacity" in capacity.value.message_dict
    assert not TrainingSession.objects.exists()


# --- registering --------------------------------------------------------------------------


def test_full_means_the_waiting_list_and_a_cancel_promotes_the_first_waiter(make_session, people):
    session = make_session(capacity=1)
    first = session_register(
        by=by(people["member"]), session_id=session.pk, person=people["member"]
    )
    second = session_register(
        by=by(people["member2"]), session_id=session.pk, person=people["member2"]
    )
    third = session_register(by=by(people["hr"]), session_id=session.pk, person=people["outsider"])
    assert (first.status, second.status, third.status) == ("registered", "waiting", "waiting")

    session_cancel(by=by(people["member"]), session_id=session.pk, person=people["member"])

    statuses = dict(SessionRegistration.objects.values_list("user_id", "status"))
    assert statuses == {
        people["member"].pk: "cancelled",
        people["member2"].pk: "registered",  # the first to wait
        people["outsider"].pk: "waiting",
    }
    assert Notice.objects.filter(user=people["member2"]).count() == 1
    assert not Notice.objects.filter(user=people["outsider"]).exists()
    told = OutgoingMail.objects.get(kind=OutgoingMail.Kind.SESSION_NOTICE)
    assert told.recipient_id == people["member2"].pk and "情報セキュリティ研修" in told.body


def test_cancelling_a_waiting_place_promotes_nobody(make_session, people):
    session = make_session(capacity=1)
    for person in ("member", "member2", "outsider"):
        session_register(by=by(people["hr"]), session_id=session.pk, person=people[person])
    session_cancel(by=by(people["hr"]), session_id=session.pk, person=people["member2"])
    statuses = dict(SessionRegistration.objects.values_list("user_id", "status"))
    assert statuses[people["outsider"].pk] == "waiting"
    assert not Notice.objects.exists()


def test_raising_the_capacity_seats_the_waiters_in_order(make_session, people):
    session = make_session(capacity=1)
    for person in ("member", "member2", "outsider"):
        session_register(by=by(people["hr"]), session_id=session.pk, person=people[person])
    with pytest.raises(ValidationError):
        session_update(by=by(people["hr"]), session_id=session.pk, capacity=0)
    session_update(by=by(people["hr"]), session_id=session.pk, capacity=2)
    statuses = dict(SessionRegistration.objects.values_list("user_id", "status"))
    assert statuses[people["member2"].pk] == "registered"
    assert statuses[people["outsider"].pk] == "waiting"


def test_a_head_registers_their_department_only(make_session, people):
    session = make_session()
    registration = session_register(
        by=by(people["head"]), session_id=session.pk, person=people["member"]
    )
    assert registration.registered_by == people["head"]
    with pytest.raises(PermissionDenied):
        session_register(by=by(people["head"]), session_id=session.pk, person=people["outsider"])
    with pytest.raises(PermissionDenied):  # nor cancel for someone outside it
        session_cancel(by=by(people["head"]), session_id=session.pk, person=people["outsider"])
    event = AuditEvent.objects.get(action=AuditEvent.Action.SESSION_REGISTERED)
    assert event.subject == people["member"] and event.actor == people["head"]


def test_staff_register_themselves_only(make_session, people):
    session = make_session()
    with pytest.raises(PermissionDenied):
        session_register(by=by(people["member"]), session_id=session.pk, person=people["member2"])
    session_register(by=by(people["member"]), session_id=session.pk, person=people["member"])
    with pytest.raises(PermissionDenied):
        session_cancel(by=by(people["member2"]), session_id=session.pk, person=people["member"])
    with pytest.raises(ValidationError):  # twice
        session_register(by=by(people["member"]), session_id=session.pk, person=people["member"])
    assert SessionRegistration.objects.count() == 1


def test_nobody_registers_across_towns(make_session, people, neighbour):
    session = make_session()
    with pytest.raises(PermissionDenied):  # our HR, their member
        session_register(by=by(people["hr"]), session_id=session.pk, person=neighbour["member"])
    with pytest.raises(PermissionDenied):  # their member, themselves
        session_register(
            by=by(neighbour["member"]), session_id=session.pk, person=neighbour["member"]
        )
    with pytest.raises(PermissionDenied):  # their HR, our member
        session_register(by=by(neighbour["hr"]), session_id=session.pk, person=people["member"])
    assert not SessionRegistration.objects.exists()


def test_a_session_that_started_takes_no_registration(make_session, people):
    session = started(make_session())
    with pytest.raises(ValidationError):
        session_register(by=by(people["member"]), session_id=session.pk, person=people["member"])


def test_cancel_then_register_again_goes_to_the_back(make_session, people):
    session = make_session(capacity=1)
    session_register(by=by(people["member"]), session_id=session.pk, person=people["member"])
    session_cancel(by=by(people["member"]), session_id=session.pk, person=people["member"])
    session_register(by=by(people["member2"]), session_id=session.pk, person=people["member2"])
    again = session_register(
        by=by(people["member"]), session_id=session.pk, person=people["member"]
    )
    assert again.status == "waiting"


# --- attendance ---------------------------------------------------------------------------


def registered(session, people, *names):
    return [
        session_register(by=by(people["hr"]), session_id=session.pk, person=people[name])
        for name in names
    ]


def test_attendance_before_the_session_is_refused(make_session, people):
    session = make_session()
    (registration,) = registered(session, people, "member")
    with pytest.raises(ValidationError):
        attendance_set(
            by=by(people["organiser"]), session_id=session.pk, marks={registration.pk: True}
        )


@pytest.mark.parametrize("who", ["member2", "head", "outsider"])
def test_only_the_organiser_and_hr_record_attendance(make_session, people, who):
    session = make_session()
    registration, _ = registered(session, people, "member", "member2")
    started(session)
    with pytest.raises(PermissionDenied):
        attendance_set(by=by(people[who]), session_id=session.pk, marks={registration.pk: True})
    assert not CourseCompletion.objects.exists()


def test_another_towns_hr_records_no_attendance(make_session, people, neighbour):
    session = make_session()
    (registration,) = registered(session, people, "member")
    started(session)
    with pytest.raises(PermissionDenied):
        attendance_set(by=by(neighbour["hr"]), session_id=session.pk, marks={registration.pk: True})


def test_a_tampered_registration_id_changes_nothing(make_session, people):
    session, other = make_session(), make_session(title="別の回")
    (mine,) = registered(session, people, "member")
    (theirs,) = registered(other, people, "member2")
    started(session)
    with pytest.raises(ValidationError):
        attendance_set(
            by=by(people["organiser"]),
            session_id=session.pk,
            marks={mine.pk: True, theirs.pk: True},
        )
    assert not CourseCompletion.objects.exists()
    assert SessionRegistration.objects.filter(attended__isnull=False).count() == 0


def test_attendance_completes_the_course_in_the_hr_report_and_undo_removes_only_it(
    make_session, people, organization, course
):
    session = make_session()
    present, absent = registered(session, people, "member", "member2")
    started(session)
    TrackAssignmentFactory(
        organization=organization,
        track=course.get_parent().specific,
        applies_to_all=True,
        fiscal_year=fiscal_year_of(local_today()),
    )

    changed = attendance_set(
        by=by(people["organiser"]),
        session_id=session.pk,
        marks={present.pk: True, absent.pk: False},
    )

    assert changed == 2
    present.refresh_from_db()
    completion = present.completion
    assert completion.user == people["member"] and completion.course_id == course.pk
    assert completion.source == "recorded" and completion.recorded_by == people["organiser"]
    assert completion.completed_at == session.ends_at or completion.completed_at <= timezone.now()
    rows = {
        row.user_id: row
        for row in person_course_rows(organization=organization, as_of=local_today())
        if row.course.pk == course.pk
    }
    assert rows[people["member"].pk].status == "completed"
    assert rows[people["member"].pk].record_label == "記録"
    assert rows[people["member2"].pk].status != "completed"
    events = AuditEvent.objects.filter(action=AuditEvent.Action.SESSION_ATTENDANCE_RECORDED)
    assert {event.subject_id for event in events} == {people["member"].pk, people["member2"].pk}

    # Undo: back to 欠席 deletes the completion attending stored.
    attendance_set(by=by(people["hr"]), session_id=session.pk, marks={present.pk: False})
    assert not CourseCompletion.objects.filter(pk=completion.pk).exists()
    rows = {
        row.user_id: row
        for row in person_course_rows(organization=organization, as_of=local_today())
        if row.course.pk == course.pk
    }
    assert rows[people["member"].pk].status != "completed"


def test_undo_leaves_a_completion_stored_otherwise(make_session, people, course):
    """Someone who already completed the course online attends: their completion counts,
    none is added, and 欠席 afterwards leaves theirs alone."""
    session = make_session()
    (registration,) = registered(session, people, "member")
    started(session)
    own = CourseCompletion.objects.create(
        user=people["member"],
        course=course,
        cycle=0,
        completed_at=timezone.now() - datetime.timedelta(days=30),
    )
    attendance_set(by=by(people["organiser"]), session_id=session.pk, marks={registration.pk: True})
    registration.refresh_from_db()
    assert registration.attended is True and registration.completion is None
    attendance_set(by=by(people["organiser"]), session_id=session.pk, marks={registration.pk: None})
    assert CourseCompletion.objects.filter(pk=own.pk).exists()
    assert CourseCompletion.objects.count() == 1


def test_the_organiser_does_not_mark_their_own_attendance(make_session, people):
    session = make_session(organiser=people["member"])
    (registration,) = registered(session, people, "member")
    started(session)
    with pytest.raises(ValidationError):
        attendance_set(
            by=by(people["member"]), session_id=session.pk, marks={registration.pk: True}
        )
    assert not CourseCompletion.objects.exists()


def test_attended_minutes_counts_attended_sessions_in_the_period(make_session, people):
    first, second = make_session(), make_session(title="第2回", minutes=90)
    for session in (first, second):
        registered(session, people, "member", "member2")
        started(session)
    regs = {(r.session_id, r.user_id): r.pk for r in SessionRegistration.objects.all()}
    attendance_set(
        by=by(people["hr"]),
        session_id=first.pk,
        marks={
            regs[first.pk, people["member"].pk]: True,
            regs[first.pk, people["member2"].pk]: False,
        },
    )
    attendance_set(
        by=by(people["hr"]),
        session_id=second.pk,
        marks={regs[second.pk, people["member"].pk]: True},
    )
    now = timezone.now()
    ids = [people["member"].pk, people["member2"].pk]
    assert attended_minutes(ids, now - datetime.timedelta(days=1), now) == {
        people["member"].pk: 120 + 90
    }
    assert attended_minutes(ids, now, now + datetime.timedelta(days=1)) == {}


# --- the last seat, asked for twice at once -----------------------------------------------


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="row locks are PostgreSQL's (SQLite serialises writers)",
)
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_people_asking_for_the_last_seat_get_one_seat_and_one_waiting_place(
    make_session, people
):
    session = make_session(capacity=1)
    answers = []

    def the_other_person():
        try:
            registration = session_register(
                by=by(people["member2"]), session_id=session.pk, person=people["member2"]
            )
            answers.append(registration.status)
        finally:
            connections.close_all()

    with transaction.atomic():
        mine = session_register(
            by=by(people["member"]), session_id=session.pk, person=people["member"]
        )
        other = threading.Thread(target=the_other_person)
        other.start()
        other.join(timeout=1)
        assert other.is_alive()  # waiting for the session's lock, not counting seats yet
    other.join(timeout=10)

    assert mine.status == "registered" and answers == ["waiting"]
    assert SessionRegistration.objects.filter(status="registered").count() == 1
    assert not mail.outbox


def test_the_course_of_a_session_with_attendance_stays(make_session, people, make_course):
    session = make_session()
    (registration,) = registered(session, people, "member")
    started(session)
    attendance_set(by=by(people["hr"]), session_id=session.pk, marks={registration.pk: True})
    _, other_course, _ = make_course(modules=1)
    with pytest.raises(ValidationError) as error:
        session_update(by=by(people["hr"]), session_id=session.pk, course=other_course)
    assert "course" in error.value.message_dict
    assert TrainingSession.objects.get(pk=session.pk).course_id == session.course_id


def test_attending_a_renewal_course_after_expiry_stores_the_next_round(
    make_session, people, course
):
    """A renewal course's earlier round, expired: attending stores round 1, which counts
    (found reading the merge: the session path gave every attendance round 0)."""
    course.validity_months = 12
    course.save_revision().publish()
    course.refresh_from_db()
    CourseCompletion.objects.create(
        user=people["member"],
        course=course,
        cycle=0,
        completed_at=timezone.now() - datetime.timedelta(days=800),
    )
    session = make_session()
    (registration,) = registered(session, people, "member")
    started(session)

    attendance_set(by=by(people["organiser"]), session_id=session.pk, marks={registration.pk: True})

    registration.refresh_from_db()
    assert registration.completion is not None and registration.completion.cycle == 1
    assert CourseCompletion.objects.filter(user=people["member"], course=course).count() == 2
