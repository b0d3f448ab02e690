"""Hostile review 2: いますぐ通知 limits (a finding, fixed: the per-recipient limit across
senders and targets)."""
# ruff: noqa: F811 (the fixtures are imported from the module they live in)

import pytest

from lms.audit import Actor
from lms.models import Notice
from lms.people.roles import Role
from lms.reporting.reminders import RemindersTooSoon, ReminderTarget, reminders_now_send

from .test_reminders_now import TODAY, _today, division  # noqa: F401

pytestmark = pytest.mark.django_db


def test_a_head_and_hr_cannot_send_the_same_people_several_rounds_in_minutes(division, make_staff):
    member = make_staff(division["seisaku"])
    hr2 = make_staff("jinji", roles=[Role.HR])

    def send(sender, target):
        try:
            reminders_now_send(sender=sender, target=target, by=Actor(user=sender), today=TODAY)
        except RemindersTooSoon:
            pass

    send(division["head"], ReminderTarget.of_department(division["bu"]))
    send(division["hr"], ReminderTarget.of_department(division["seisaku"]))
    send(hr2, ReminderTarget.of_town(division["bu"].organization))

    # docs/reminders.md: "a head and HR (or two HR officers) cannot between them send a
    # department several rounds in a few minutes".
    assert Notice.objects.filter(user=member).count() == 1
