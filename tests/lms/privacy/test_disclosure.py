"""開示請求 is one audited action: the export and its event, one transaction."""

import datetime
import json
from http import HTTPStatus

import pytest
from django.urls import reverse

from lms.audit import Actor
from lms.models import AuditEvent, DisclosureRequest
from lms.people.posts import organization_of
from lms.people.roles import Role
from lms.privacy import disclosure
from lms.privacy.disclosure import SECTIONS, person_data_disclose


@pytest.fixture
def hr(make_staff):
    return make_staff("jinji", roles=[Role.HR])


def _request(hr, **overrides):
    """What HR records for a request: the keyword arguments of ``person_data_disclose``."""
    return {
        "organization": organization_of(hr, day=datetime.date.today()),
        "reference_number": "R8-001",
        "received_on": datetime.date(2026, 11, 20),
        "reason": "本人からの開示請求（個人情報保護法）",
        **overrides,
    }


FORM = {
    "reference_number": "R8-開示-001",
    "received_on": "2026-11-20",
    "requester": "self",
    "requester_name": "",
    "reason": "本人からの開示請求",
}


def test_disclosing_writes_one_event_that_the_export_lists(hr, make_staff):
    person = make_staff("mado")
    before = AuditEvent.objects.count()

    data = person_data_disclose(
        user=person, actor=Actor(user=hr, ip_address="192.0.2.1"), **_request(hr)
    )

    event = AuditEvent.objects.get(action="person_data_exported")
    record = DisclosureRequest.objects.get()
    assert AuditEvent.objects.count() == before + 1
    assert (event.actor, event.subject, event.ip_address) == (hr, person, "192.0.2.1")
    assert event.detail == {
        "staff_number": person.staff_number,
        "disclosure_request": record.pk,
        "reference_number": "R8-001",
    }
    assert (record.subject, record.recorded_by, record.requester) == (person, hr, "self")
    assert data["disclosure_request"]["reference_number"] == "R8-001"
    assert {"action": "person_data_exported", "by": hr.staff_number} in [
        {"action": e["action"], "by": e["by"]} for e in data["audit_events_about_this_person"]
    ]
    assert list(data) == ["disclosure_request", "generated_at", *SECTIONS]


def test_a_failed_export_leaves_no_event(hr, make_staff, monkeypatch):
    person = make_staff("mado")

    def fail(**kwargs):
        raise RuntimeError("the read failed")

    monkeypatch.setattr(disclosure, "person_data_export", fail)

    with pytest.raises(RuntimeError):
        person_data_disclose(user=person, actor=Actor(hr), **_request(hr))

    assert not AuditEvent.objects.filter(action="person_data_exported").exists()
    assert not DisclosureRequest.objects.exists()


def test_the_screen_records_who_asked_once(client, hr, make_staff):
    person = make_staff("mado")
    client.force_login(hr)

    client.post(reverse("lms:person_export", args=[person.pk]), FORM)

    event = AuditEvent.objects.get(action="person_data_exported")
    assert (event.actor, event.subject, event.ip_address) == (hr, person, "127.0.0.1")


def test_the_page_asks_for_the_request_and_exports_nothing_on_get(client, hr, make_staff):
    person = make_staff("mado")
    client.force_login(hr)

    page = client.get(reverse("lms:person_export", args=[person.pk]))

    assert page.status_code == HTTPStatus.OK
    assert page["Content-Type"].startswith("text/html")
    assert "受付番号" in page.content.decode()
    assert not AuditEvent.objects.filter(action="person_data_exported").exists()
    assert not DisclosureRequest.objects.exists()


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"reference_number": ""}, "reference_number", "この項目は必須です"),
        ({"reason": ""}, "reason", "この項目は必須です"),
        ({"received_on": "2999-01-01"}, "received_on", "受付日に未来の日付は指定できません。"),
        ({"received_on": "令和8年"}, "received_on", "日付を正しく入力してください。"),
        ({"requester": "agent"}, "requester_name", "代理人の氏名を入力してください。"),
        ({"requester": "mayor"}, "requester", "正しく選択してください。"),
        ({"reason": "あ" * 501}, "reason", "この値は 500 文字以下でなければなりません"),
    ],
)
def test_a_bad_request_is_named_and_nothing_is_exported(
    client, hr, make_staff, change, field, message
):
    person = make_staff("mado")
    client.force_login(hr)

    response = client.post(reverse("lms:person_export", args=[person.pk]), {**FORM, **change})

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert message in response.content.decode()
    assert field in response.context["form"].errors
    assert not AuditEvent.objects.filter(action="person_data_exported").exists()
    assert not DisclosureRequest.objects.exists()


def test_a_reference_number_is_recorded_once_per_town(client, hr, make_staff):
    person = make_staff("mado")
    client.force_login(hr)
    url = reverse("lms:person_export", args=[person.pk])

    first = client.post(url, FORM)
    again = client.post(url, FORM)

    assert first.status_code == HTTPStatus.OK
    assert again.status_code == HTTPStatus.BAD_REQUEST
    assert "この受付番号の開示請求はすでに記録されています。" in again.content.decode()
    assert DisclosureRequest.objects.count() == 1
    listed = client.get(url).content.decode()
    assert "R8-開示-001" in listed  # listed as recorded, received on the town's way of writing
    assert "令和8年11月20日（2026年11月20日）" in listed


def test_an_agents_request_names_the_agent(client, hr, make_staff):
    person = make_staff("mado")
    client.force_login(hr)

    response = client.post(
        reverse("lms:person_export", args=[person.pk]),
        {**FORM, "requester": "agent", "requester_name": "山田 花子"},
    )

    data = json.loads(response.content)
    assert data["disclosure_request"]["requested_by"] == "agent"
    assert data["disclosure_request"]["representative_or_agent"] == "山田 花子"
    assert DisclosureRequest.objects.get().requester_name == "山田 花子"


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

    data = person_data_disclose(user=person, actor=Actor(hr), **_request(hr))

    assert [(m["address"], m["subject"], m["status"], m["sent_at"]) for m in data["mail"]] == [
        ("person@example.jp", "[しんか] 受講期限のお知らせ", "queued", None)
    ]


def test_a_reference_number_typed_another_way_is_the_same_request(client, hr, make_staff):
    """Full-width characters and letter case do not make a second request of one number."""
    person = make_staff("mado")
    client.force_login(hr)
    url = reverse("lms:person_export", args=[person.pk])

    first = client.post(url, FORM)
    wide = client.post(url, {**FORM, "reference_number": "ｒ８－開示－００１"})

    assert first.status_code == HTTPStatus.OK
    assert wide.status_code == HTTPStatus.BAD_REQUEST
    assert "この受付番号の開示請求はすでに記録されています。" in wide.content.decode()
    assert DisclosureRequest.objects.count() == 1
