"""Hostile probes: いますぐ通知 per-recipient limit."""
# ruff: noqa: F811

import datetime

import pytest

from lms.audit import Actor
from lms.models import Notice
from lms.people.roles import Role
from lms.reporting.reminders import RemindersTooSoon, ReminderTarget, reminders_now_send
from tests.lms.reporting.test_reminders_now import NOW, TODAY, _today, division  # noqa: F401

pytestmark = pytest.mark.django_db


def _send(sender, target, today=TODAY):
    try:
        return reminders_now_send(sender=sender, target=target, by=Actor(user=sender), today=today)
    except RemindersTooSoon:
        return None


def test_many_senders_one_person_within_minutes_is_one_notice(division, make_staff):
    member = make_staff(division["seisaku"])
    senders = [division["hr"], division["head"]] + [
        make_staff("jinji", roles=[Role.HR]) for _ in range(3)
    ]
    for sender in senders:
        _send(sender, ReminderTarget.of_person(member))
        _send(sender, ReminderTarget.of_department(division["seisaku"]))
    assert Notice.objects.filter(user=member).count() == 1


def test_same_sender_after_group_interval_through_another_target(
    division, make_staff, time_machine
):
    member = make_staff(division["seisaku"])
    _send(division["hr"], ReminderTarget.of_person(member))
    time_machine.move_to(NOW + datetime.timedelta(minutes=45), tick=False)
    _send(division["hr"], ReminderTarget.of_department(division["bu"]))
    time_machine.move_to(NOW + datetime.timedelta(minutes=95), tick=False)
    _send(division["hr"], ReminderTarget.of_town(division["bu"].organization))
    assert Notice.objects.filter(user=member).count() == 1


def test_a_tomorrow_as_of_day_does_not_reset_the_limit(division, make_staff):
    """The `today` parameter (an as-of day) must not move the 24-hour window."""
    member = make_staff(division["seisaku"])
    _send(division["hr"], ReminderTarget.of_person(member))
    _send(
        division["hr"], ReminderTarget.of_person(member), today=TODAY + datetime.timedelta(days=1)
    )
    assert Notice.objects.filter(user=member).count() == 1
