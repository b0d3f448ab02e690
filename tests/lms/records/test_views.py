import datetime
from http import HTTPStatus

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from courses.fiscal import local_today
from courses.models import CourseCompletion
from lms.factories import TrackAssignmentFactory
from lms.models import AuditEvent
from tests.lms.records.test_completions_import import csv_bytes

pytestmark = pytest.mark.django_db


def yesterday() -> str:
    return (local_today() - datetime.timedelta(days=1)).isoformat()


def record_url(person):
    return reverse("lms:completion_record", args=[person.pk])


def post_record(client, person, course, **extra):
    data = {
        "course": course.pk,
        "completed_on": yesterday(),
        "completed_time": "14:30",
        "reason": "集合研修に出席",
        **extra,
    }
    return client.post(record_url(person), data)


def test_hr_records_from_the_persons_page_and_sees_it_marked(client, people, courses):
    client.force_login(people["hr"])
    page = client.get(reverse("lms:person_progress", args=[people["member"].pk]))
    assert record_url(people["member"]) in page.content.decode()
    assert client.get(record_url(people["member"])).status_code == HTTPStatus.OK

    response = post_record(
        client,
        people["member"],
        courses["one_off"],
        evidence=SimpleUploadedFile("修了証.pdf", b"%PDF-1.4 certificate"),
    )

    assert response.status_code == HTTPStatus.FOUND
    completion = CourseCompletion.objects.get(user=people["member"])
    assert completion.source == "recorded"
    assert completion.completed_at.astimezone(datetime.UTC).hour == 5  # 14:30 in Japan
    page = client.get(reverse("lms:person_progress", args=[people["member"].pk])).content.decode()
    assert "記録された修了" in page and ">記録<" in page and "集合研修に出席" in page
    evidence = client.get(
        reverse("lms:completion_evidence", args=[people["member"].pk, completion.pk])
    )
    assert evidence.status_code == HTTPStatus.OK
    assert b"".join(evidence.streaming_content) == b"%PDF-1.4 certificate"
    assert (
        evidence["Cache-Control"].startswith("no-store") or "no-store" in evidence["Cache-Control"]
    )
    assert AuditEvent.objects.filter(action="completion_evidence_downloaded").count() == 1


def test_a_head_records_for_their_department_and_the_department_page_marks_it(
    client, people, courses, organization, departments
):
    TrackAssignmentFactory(organization=organization, track=courses["track"], applies_to_all=True)
    client.force_login(people["head"])

    assert post_record(client, people["member"], courses["one_off"]).status_code == HTTPStatus.FOUND

    page = client.get(reverse("lms:department_dashboard", args=[departments["jumin"].pk]))
    assert "うち記録 1" in page.content.decode()


@pytest.mark.parametrize(("viewer", "subject"), [("head", "outsider"), ("staff", "member")])
def test_those_who_may_not_record_get_not_found(client, people, courses, viewer, subject):
    client.force_login(people[viewer])

    assert client.get(record_url(people[subject])).status_code == HTTPStatus.NOT_FOUND
    assert (
        post_record(client, people[subject], courses["one_off"]).status_code == HTTPStatus.NOT_FOUND
    )
    assert not CourseCompletion.objects.exists()


def test_hr_of_another_town_gets_not_found(client, people, courses, neighbour):
    client.force_login(neighbour["hr"])

    response = post_record(client, people["member"], courses["one_off"])

    assert response.status_code == HTTPStatus.NOT_FOUND
    assert not CourseCompletion.objects.exists()


def test_a_tampered_course_id_is_refused_in_japanese(client, people, courses, neighbour):
    client.force_login(people["hr"])

    response = post_record(client, people["member"], neighbour["course"])

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "正しく選択してください" in response.content.decode()
    assert not CourseCompletion.objects.exists()


def test_a_future_date_is_refused_on_the_form(client, people, courses):
    client.force_login(people["hr"])
    tomorrow = (local_today() + datetime.timedelta(days=1)).isoformat()

    response = post_record(client, people["member"], courses["one_off"], completed_on=tomorrow)

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "未来" in response.content.decode()
    assert not CourseCompletion.objects.exists()


def test_evidence_is_not_served_to_staff_or_another_towns_hr(client, people, courses, neighbour):
    client.force_login(people["hr"])
    post_record(
        client,
        people["member"],
        courses["one_off"],
        evidence=SimpleUploadedFile("c.png", b"\x89PNG\r\n\x1a\nimage"),
    )
    completion = CourseCompletion.objects.get()
    url = reverse("lms:completion_evidence", args=[people["member"].pk, completion.pk])
    tampered = reverse("lms:completion_evidence", args=[people["outsider"].pk, completion.pk])

    assert client.get(tampered).status_code == HTTPStatus.NOT_FOUND  # the id of another person
    for viewer in (people["staff"], neighbour["hr"]):
        client.force_login(viewer)
        assert client.get(url).status_code == HTTPStatus.NOT_FOUND


def upload(client, data, name="completions.csv"):
    return client.post(reverse("completions_import"), {"file": SimpleUploadedFile(name, data)})


def test_the_import_screen_previews_then_applies(client, people, courses):
    client.force_login(people["hr"])

    preview = upload(
        client, csv_bytes("M1,security-basics,2024-05-10,旧システム", encoding="cp932")
    )

    assert preview.status_code == HTTPStatus.OK
    body = preview.content.decode()
    assert "情報セキュリティの基本" in body and "2024-05-10" in body and "窓口 花子" in body
    assert not CourseCompletion.objects.exists()  # nothing before confirming
    applied = client.post(reverse("completions_import"), {"token": preview.context["token"]})

    assert applied.status_code == HTTPStatus.FOUND
    assert CourseCompletion.objects.get().source == "imported"


def test_the_import_screen_lists_every_problem_and_imports_nothing(client, people, courses):
    client.force_login(people["hr"])

    response = upload(
        client, csv_bytes("M1,security-basics,2024-05-10,", "X9,security-basics,2024-05-10,")
    )

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "3 行目, 職員番号" in response.content.decode() or "3 行目" in response.content.decode()
    assert "token" not in response.context
    assert not CourseCompletion.objects.exists()


def test_a_forged_import_token_is_refused(client, people, courses):
    client.force_login(people["hr"])

    response = client.post(reverse("completions_import"), {"token": "forged"}, follow=True)

    assert "もう一度" in response.content.decode()
    assert not CourseCompletion.objects.exists()


@pytest.mark.parametrize("who", ["head", "staff"])
def test_only_hr_imports(client, people, courses, who):
    client.force_login(people[who])

    response = upload(client, csv_bytes("M1,security-basics,2024-05-10,"))

    assert response.status_code in (HTTPStatus.FOUND, HTTPStatus.FORBIDDEN)
    assert not CourseCompletion.objects.exists()
