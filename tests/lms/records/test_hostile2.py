"""Hostile review 2: recorded and imported completions (findings are strict xfails)."""

from http import HTTPStatus

import pytest
from django.urls import reverse

from courses.models import CourseCompletion
from lms.models import ReminderNow
from lms.people.roles import Role
from lms.records.imports import completions_import_plan

pytestmark = pytest.mark.django_db

HEADER = "職員番号,コース,修了日,備考"


def record_url(person):
    return reverse("lms:completion_record", args=[person.pk])


def test_a_date_in_year_one_is_refused_in_japanese_not_a_500(client, people, courses):
    client.force_login(people["hr"])
    client.raise_request_exception = False
    response = client.post(
        record_url(people["member"]),
        {"course": courses["one_off"].pk, "completed_on": "0001-01-01", "reason": "古い記録"},
    )
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert not CourseCompletion.objects.exists()


@pytest.mark.xfail(
    strict=True, reason="finding (contested; docs/records.md accepts it): HR imports their own"
)
def test_hr_may_not_import_their_own_completion(organization, people, courses):
    data = f"{HEADER}\r\nH1,security-basics,2024-04-01,自分で\r\n".encode()
    plan = completions_import_plan(organization=organization, data=data, filename="c.csv")
    assert not plan.ok


# ---------------------------------------------------------------------------------------
# Held (no finding): each probe of the review that the code refused as it should.


def test_held_a_sub_unit_head_and_another_town_cannot_record_or_remind(
    client, people, courses, neighbour, departments, make_staff
):
    mado_head = make_staff("mado", "kacho", roles=[Role.DEPT_HEAD])
    jumin_member = make_staff("jumin")
    client.force_login(mado_head)
    assert client.get(record_url(jumin_member)).status_code == HTTPStatus.NOT_FOUND
    url = reverse("lms:department_remind", args=[departments["jumin"].pk])
    assert client.post(url).status_code == HTTPStatus.NOT_FOUND
    assert client.get(url).status_code == HTTPStatus.METHOD_NOT_ALLOWED
    person_url = reverse("lms:person_remind", args=[jumin_member.pk])
    assert client.post(person_url, {"confirm": "1"}).status_code == HTTPStatus.NOT_FOUND

    client.force_login(neighbour["hr"])
    assert client.post(url, {"confirm": "1"}).status_code == HTTPStatus.NOT_FOUND
    assert (
        client.post(
            reverse("lms:person_remind", args=[people["member"].pk]), {"confirm": "1"}
        ).status_code
        == HTTPStatus.NOT_FOUND
    )
    assert not ReminderNow.objects.exists()


def test_held_the_head_cannot_record_for_themselves_or_staff_for_anyone(client, people, courses):
    for viewer, subject in (("head", "head"), ("staff", "member"), ("hr", "hr")):
        client.force_login(people[viewer])
        response = client.post(
            record_url(people[subject]),
            {"course": courses["one_off"].pk, "completed_on": "2025-04-01", "reason": "x"},
        )
        assert response.status_code == HTTPStatus.NOT_FOUND
    assert not CourseCompletion.objects.exists()


def test_held_a_forged_preview_token_applies_nothing(client, people, courses):
    client.force_login(people["hr"])
    response = client.post(reverse("completions_import"), {"token": "forged"})
    assert response.status_code == HTTPStatus.FOUND
    assert not CourseCompletion.objects.exists()


def test_held_another_persons_evidence_under_a_tampered_person_id(client, people, courses):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(people["hr"])
    client.post(
        record_url(people["member"]),
        {
            "course": courses["one_off"].pk,
            "completed_on": "2025-04-01",
            "reason": "集合研修",
            "evidence": SimpleUploadedFile("e.pdf", b"%PDF-1.4 x", "application/pdf"),
        },
    )
    completion = CourseCompletion.objects.get()
    url = reverse("lms:completion_evidence", args=[people["outsider"].pk, completion.pk])
    assert client.get(url).status_code == HTTPStatus.NOT_FOUND
    client.force_login(people["staff"])
    url = reverse("lms:completion_evidence", args=[people["member"].pk, completion.pk])
    assert client.get(url).status_code == HTTPStatus.NOT_FOUND


def test_the_import_refuses_a_date_in_year_one_at_the_preview(organization, people, courses):
    data = f"{HEADER}\r\nM1,security-basics,0001-01-01,古い記録\r\n".encode()
    plan = completions_import_plan(organization=organization, data=data, filename="c.csv")
    assert not plan.ok
