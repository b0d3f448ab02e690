"""開示請求 is one audited action: the export and its event, one transaction."""

import pytest
from django.urls import reverse

from lms.audit import Actor
from lms.models import AuditEvent
from lms.people.roles import Role
from lms.privacy import disclosure
from lms.privacy.disclosure import SECTIONS, person_data_disclose


@pytest.fixture
def hr(make_staff):
    return make_staff("jinji", roles=[Role.HR])


def test_disclosing_writes_one_event_that_the_export_lists(hr, make_staff):
    person = make_staff("mado")
    before = AuditEvent.objects.count()

    data = person_data_disclose(user=person, actor=Actor(user=hr, ip_address="192.0.2.1"))

    event = AuditEvent.objects.get(action="person_data_exported")
    assert AuditEvent.objects.count() == before + 1
    assert (event.actor, event.subject, event.ip_address) == (hr, person, "192.0.2.1")
    assert event.detail == {"staff_number": person.staff_number}
    assert {"action": "person_data_exported", "by": hr.staff_number} in [
        {"action": e["action"], "by": e["by"]} for e in data["audit_events_about_this_person"]
    ]
    assert list(data) == ["generated_at", *SECTIONS]


def test_a_failed_export_leaves_no_event(hr, make_staff, monkeypatch):
    person = make_staff("mado")

    def fail(**kwargs):
        raise RuntimeError("the read failed")

    monkeypatch.setattr(disclosure, "person_data_export", fail)

    with pytest.raises(RuntimeError):
        person_data_disclose(user=person, actor=Actor(hr))

    assert not AuditEvent.objects.filter(action="person_data_exported").exists()


def test_the_screen_records_who_asked_once(client, hr, make_staff):
    person = make_staff("mado")
    client.force_login(hr)

    client.get(reverse("lms:person_export", args=[person.pk]))

    event = AuditEvent.objects.get(action="person_data_exported")
    assert (event.actor, event.subject, event.ip_address) == (hr, person, "127.0.0.1")


def test_the_export_lists_the_mail_sent_to_the_person(hr, make_staff, organization):
    from lms.models import OutgoingMail

    person = make_staff("mado", email="person@example.jp")
    OutgoingMail.objects.create(
        organization=organization,
        recipient=person,
        address=person.email,
        kind="reminder",
        subject="[しんか] 受講期限のお知らせ",
        body="本文",
    )
    OutgoingMail.objects.create(
        organization=organization,
        recipient=hr,
        address="hr@example.jp",
        kind="reminder",
        subject="ほかの人へのメール",
        body="本文",
    )

    data = person_data_disclose(user=person, actor=Actor(hr))

    assert [(m["address"], m["subject"], m["status"], m["sent_at"]) for m in data["mail"]] == [
        ("person@example.jp", "[しんか] 受講期限のお知らせ", "queued", None)
    ]
