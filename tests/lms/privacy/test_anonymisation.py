"""Anonymisation is one audited action: the change and its event, one transaction."""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from lms import audit
from lms.audit import Actor
from lms.models import AuditEvent
from lms.people.roles import Role, roles_audited_here
from lms.privacy import anonymisation
from lms.privacy.anonymisation import PrivacyError, person_anonymise

AFTER_RETENTION = datetime.date(2026, 11, 28)


@pytest.fixture
def hr(make_staff):
    return make_staff("jinji", roles=[Role.HR])


@pytest.fixture
def leaver_with_a_role(leaver):
    with roles_audited_here():  # set-up, not a change under test: no event
        leaver.groups.add(Group.objects.get_or_create(name=Role.STAFF)[0])
    return leaver


def test_anonymising_writes_one_event_with_actor_and_former_staff_number(hr, leaver_with_a_role):
    leaver = leaver_with_a_role

    event = person_anonymise(
        user=leaver, actor=Actor(user=hr, ip_address="192.0.2.1"), today=AFTER_RETENTION
    )

    assert list(AuditEvent.objects.all()) == [event]  # the roles cleared are not a second one
    assert (event.action, event.actor, event.subject) == ("person_anonymised", hr, leaver)
    assert event.ip_address == "192.0.2.1"
    assert event.detail == {"former_staff_number": "9900", "roles_removed": ["staff"]}


def test_a_failure_after_the_event_leaves_neither_change_nor_event(
    hr, leaver_with_a_role, monkeypatch
):
    def record_then_fail(**kwargs):
        audit.audit_record(**kwargs)
        raise RuntimeError("the database went away")

    monkeypatch.setattr(anonymisation, "audit_record", record_then_fail)

    with pytest.raises(RuntimeError):
        person_anonymise(user=leaver_with_a_role, actor=Actor(hr), today=AFTER_RETENTION)

    leaver = type(leaver_with_a_role).objects.get(pk=leaver_with_a_role.pk)
    assert (leaver.staff_number, leaver.family_name) == ("9900", "退職")
    assert list(leaver.groups.values_list("name", flat=True)) == ["staff"]
    assert not AuditEvent.objects.exists()


def test_a_refused_anonymisation_writes_no_event(hr, leaver):
    with pytest.raises(PrivacyError):
        person_anonymise(user=leaver, actor=Actor(hr), today=datetime.date(2024, 1, 1))

    assert not AuditEvent.objects.filter(action="person_anonymised").exists()


def test_the_screen_records_who_anonymised(client, hr, leaver):
    client.force_login(hr)

    client.post(reverse("lms:person_anonymise", args=[leaver.pk]))

    event = AuditEvent.objects.get(action="person_anonymised")
    assert (event.actor, event.subject, event.ip_address) == (hr, leaver, "127.0.0.1")


def test_mail_to_an_anonymised_person_leaves_the_outbox(hr, leaver, organization):
    from lms.models import OutgoingMail

    def mail_to(user):
        return OutgoingMail.objects.create(
            organization=organization,
            recipient=user,
            address=user.email,
            kind="reminder",
            subject="[しんか] 受講期限のお知らせ",
            body="本文",
        )

    mail_to(leaver)
    kept = mail_to(hr)

    person_anonymise(user=leaver, actor=Actor(hr), today=AFTER_RETENTION)

    assert list(OutgoingMail.objects.values_list("pk", flat=True)) == [kept.pk]
