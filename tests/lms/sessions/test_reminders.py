"""The reminder the day before: once per registration, through the outbox."""

import datetime

import pytest
from django.utils import timezone

from courses.fiscal import local_today
from lms.audit import Actor
from lms.models import OutgoingMail, SessionRegistration
from lms.sessions.reminders import session_reminders_send
from lms.sessions.services import session_cancel, session_register, session_update
from lms.tasks import send_session_reminders

pytestmark = pytest.mark.django_db


def test_tomorrows_registered_people_are_reminded_once(make_session, people):
    tomorrow = make_session(capacity=2)
    later = make_session(title="来週の回", starts_in=datetime.timedelta(days=7))
    hr = Actor(user=people["hr"])
    for person in ("member", "member2", "outsider"):  # the third waits: no seat, no reminder
        session_register(by=hr, session_id=tomorrow.pk, person=people[person])
    session_register(by=hr, session_id=later.pk, person=people["member"])
    session_cancel(by=hr, session_id=tomorrow.pk, person=people["member2"])  # outsider seated
    session_register(by=hr, session_id=tomorrow.pk, person=people["member2"])  # now waiting

    queued = session_reminders_send(today=local_today())

    reminded = OutgoingMail.objects.filter(kind=OutgoingMail.Kind.SESSION_REMINDER)
    assert queued == 2
    assert {m.recipient_id for m in reminded} == {people["member"].pk, people["outsider"].pk}
    assert all("情報セキュリティ研修（第1回）" in m.subject for m in reminded)
    assert all("本庁舎 3階 大会議室" in m.body for m in reminded)
    assert SessionRegistration.objects.filter(reminded_at__isnull=False).count() == 2

    assert send_session_reminders() == 0  # the beat task, again: nothing twice
    assert reminded.count() == 2


def test_a_session_moved_to_another_day_is_reminded_again(make_session, people):
    session = make_session()
    session_register(by=Actor(user=people["hr"]), session_id=session.pk, person=people["member"])
    assert session_reminders_send(today=local_today()) == 1
    moved = session.starts_at + datetime.timedelta(days=1)
    session_update(
        by=Actor(user=people["hr"]),
        session_id=session.pk,
        starts_at=moved,
        ends_at=moved + datetime.timedelta(hours=2),
    )
    assert session_reminders_send(today=local_today()) == 0  # not tomorrow any more
    day_before = timezone.localdate(moved) - datetime.timedelta(days=1)
    assert session_reminders_send(today=day_before) == 1
    assert OutgoingMail.objects.filter(kind=OutgoingMail.Kind.SESSION_REMINDER).count() == 2
