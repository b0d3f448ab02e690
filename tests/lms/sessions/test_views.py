"""The session screens: HR's form, the staff list, registering others, the attendance
sheet; other towns, lesser roles and tampered forms."""

import datetime
from http import HTTPStatus

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from courses.models import CourseCompletion
from lms.audit import Actor
from lms.models import AuditEvent, SessionRegistration, TrainingSession
from lms.sessions.services import session_register
from tests.lms.sessions.test_services import started

pytestmark = pytest.mark.django_db


def form_data(course, organiser, extra=None):
    day = timezone.localdate() + datetime.timedelta(days=3)
    return {
        "title": "情報セキュリティ研修（第2回）",
        "course": course.pk,
        "kind": "classroom",
        "day": day.isoformat(),
        "starts": "13:30",
        "ends": "16:00",
        "place": "本庁舎 3階 大会議室",
        "capacity": "20",
        "minutes": "150",
        "organiser": organiser.staff_number,
        **(extra or {}),
    }


def test_hr_creates_a_session_in_japan_time(client, people, course):
    client.force_login(people["hr"])
    assert client.get(reverse("lms:session_create")).status_code == HTTPStatus.OK
    response = client.post(reverse("lms:session_create"), form_data(course, people["organiser"]))
    assert response.status_code == HTTPStatus.FOUND
    session = TrainingSession.objects.get()
    assert session.starts_at.astimezone(datetime.UTC).hour == 4  # 13:30 in Japan
    assert session.organiser == people["organiser"] and session.created_by == people["hr"]
    assert AuditEvent.objects.filter(action="session_created").count() == 1
    listing = client.get(reverse("lms:session_manage")).content.decode()
    assert "情報セキュリティ研修（第2回）" in listing


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"ends": "13:00"}, "終了時刻は開始時刻より後にしてください。"),
        ({"organiser": "B1"}, "この職員番号の職員は、あなたの自治体にいません。"),
        ({"capacity": "0"}, "1"),
    ],
)
def test_a_bad_session_form_says_why_and_stores_nothing(
    client, people, course, neighbour, change, message
):
    client.force_login(people["hr"])
    response = client.post(
        reverse("lms:session_create"), form_data(course, people["organiser"], change)
    )
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert message in response.content.decode()
    assert not TrainingSession.objects.exists()


def test_a_tampered_course_of_another_town_is_refused(client, people, course, neighbour):
    client.force_login(people["hr"])
    response = client.post(
        reverse("lms:session_create"),
        form_data(course, people["organiser"], {"course": str(neighbour["course"].pk)}),
    )
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert not TrainingSession.objects.exists()


@pytest.mark.parametrize("role", ["member", "head", "organiser"])
def test_only_hr_opens_the_session_form(client, people, course, role, make_session):
    session = make_session()
    client.force_login(people[role])
    assert client.get(reverse("lms:session_create")).status_code == HTTPStatus.NOT_FOUND
    assert client.get(reverse("lms:session_manage")).status_code == HTTPStatus.NOT_FOUND
    edit = client.post(
        reverse("lms:session_edit", args=[session.pk]),
        form_data(course, people["organiser"], {"capacity": "1"}),
    )
    assert edit.status_code == HTTPStatus.NOT_FOUND
    assert TrainingSession.objects.get().capacity == 2


def test_two_staff_register_from_the_list_and_the_third_waits(client, people, make_session):
    session = make_session(capacity=2)
    url = reverse("lms:session_register", args=[session.pk])
    for name in ("member", "member2", "outsider"):
        client.force_login(people[name])
        listing = client.get(reverse("lms:sessions")).content.decode()
        assert "情報セキュリティ研修（第1回）" in listing
        response = client.post(url, {"next": "list"}, follow=True)
        assert response.redirect_chain[-1][0] == reverse("lms:sessions")
    assert "キャンセル待ちになりました" in response.content.decode()
    statuses = dict(SessionRegistration.objects.values_list("user__staff_number", "status"))
    assert statuses == {"M1": "registered", "M2": "registered", "J1": "waiting"}


def test_a_member_cannot_register_someone_else_by_staff_number(client, people, make_session):
    session = make_session()
    client.force_login(people["member"])
    response = client.post(
        reverse("lms:session_register", args=[session.pk]), {"staff_number": "M2"}, follow=True
    )
    assert "この人をこの研修に申し込むことはできません。" in response.content.decode()
    assert not SessionRegistration.objects.exists()


def test_a_head_registers_their_member_but_not_an_outsider(client, people, make_session):
    session = make_session()
    client.force_login(people["head"])
    url = reverse("lms:session_register", args=[session.pk])
    assert client.post(url, {"staff_number": "M1"}).status_code == HTTPStatus.FOUND
    refused = client.post(url, {"staff_number": "J1"}, follow=True).content.decode()
    assert "この人をこの研修に申し込むことはできません。" in refused
    unknown = client.post(url, {"staff_number": "B1"}, follow=True).content.decode()
    assert "この職員番号の職員は、あなたの自治体にいません。" in unknown
    assert list(SessionRegistration.objects.values_list("user__staff_number", flat=True)) == ["M1"]


def test_another_towns_people_see_nothing_of_the_session(client, people, neighbour, make_session):
    session = make_session()
    session_register(by=Actor(user=people["hr"]), session_id=session.pk, person=people["member"])
    for person in (neighbour["hr"], neighbour["member"]):
        client.force_login(person)
        for name in ("lms:session_detail", "lms:session_attendance", "lms:session_edit"):
            assert client.get(reverse(name, args=[session.pk])).status_code == 404
        for name in ("lms:session_register", "lms:session_cancel"):
            assert client.post(reverse(name, args=[session.pk])).status_code == 404
        assert "情報セキュリティ研修" not in client.get(reverse("lms:sessions")).content.decode()
    hr_b = client.post(
        reverse("lms:session_cancel", args=[session.pk]), {"user": people["member"].pk}
    )
    assert hr_b.status_code == 404
    assert SessionRegistration.objects.get().status == "registered"


def test_the_organiser_records_attendance_on_one_form(client, people, make_session, course):
    session = make_session()
    hr = Actor(user=people["hr"])
    present = session_register(by=hr, session_id=session.pk, person=people["member"])
    absent = session_register(by=hr, session_id=session.pk, person=people["member2"])
    started(session)
    client.force_login(people["organiser"])
    url = reverse("lms:session_attendance", args=[session.pk])
    page = client.get(url).content.decode()
    assert f'name="attended-{present.pk}"' in page and "窓口 花子さんの出欠" in page
    assert page.count('type="radio"') == 6

    response = client.post(
        url, {f"attended-{present.pk}": "present", f"attended-{absent.pk}": "absent"}
    )

    assert response.status_code == HTTPStatus.FOUND
    completion = CourseCompletion.objects.get()
    assert completion.user == people["member"] and completion.source == "recorded"
    assert SessionRegistration.objects.get(pk=present.pk).completion == completion
    again = client.get(url).content.decode()
    assert f'name="attended-{present.pk}" value="present" checked' in again


@pytest.mark.parametrize(
    "tamper",
    ["other_session", "bad_value", "not_a_number"],
)
def test_a_tampered_attendance_form_stores_nothing(client, people, make_session, tamper):
    session, other = make_session(), make_session(title="別の回")
    hr = Actor(user=people["hr"])
    mine = session_register(by=hr, session_id=session.pk, person=people["member"])
    theirs = session_register(by=hr, session_id=other.pk, person=people["member2"])
    started(session)
    started(other)
    data = {f"attended-{mine.pk}": "present"}
    data |= {
        "other_session": {f"attended-{theirs.pk}": "present"},
        "bad_value": {f"attended-{mine.pk}": "yes"},
        "not_a_number": {"attended-1x": "present"},
    }[tamper]
    client.force_login(people["organiser"])
    response = client.post(reverse("lms:session_attendance", args=[session.pk]), data)
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert not CourseCompletion.objects.exists()
    assert not SessionRegistration.objects.filter(attended__isnull=False).exists()


@pytest.mark.parametrize("role", ["member", "head", "outsider"])
def test_nobody_else_opens_the_attendance_sheet(client, people, make_session, role):
    session = make_session()
    client.force_login(people[role])
    url = reverse("lms:session_attendance", args=[session.pk])
    assert client.get(url).status_code == HTTPStatus.NOT_FOUND
    assert client.post(url, {}).status_code == HTTPStatus.NOT_FOUND


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == HTTPStatus.OK
    return len(queries)


def test_the_list_and_the_sheet_take_the_same_queries_whatever_their_size(
    client, people, make_session, make_staff
):
    """One session with one registrant, then five sessions with six each: the same count."""
    hr = Actor(user=people["hr"])
    first = make_session(capacity=50)
    session_register(by=hr, session_id=first.pk, person=people["member"])
    client.force_login(people["hr"])
    urls = [
        reverse("lms:sessions"),
        reverse("lms:session_manage"),
        reverse("lms:session_detail", args=[first.pk]),
    ]
    _queries(client, urls[0])  # the first request of a session reads more (its sign-in)
    small = [_queries(client, url) for url in urls]
    staff = [make_staff("mado") for _ in range(5)]
    for index in range(4):
        session = make_session(title=f"第{index + 2}回", capacity=50)
        session_register(by=hr, session_id=session.pk, person=people["member"])
    for person in staff:
        session_register(by=hr, session_id=first.pk, person=person)
    assert [_queries(client, url) for url in urls] == small
    started(first)
    sheet = reverse("lms:session_attendance", args=[first.pk])
    large_sheet = _queries(client, sheet)
    SessionRegistration.objects.filter(session=first).exclude(user=people["member"]).delete()
    assert _queries(client, sheet) == large_sheet


def sheet(text: str, encoding="utf-8-sig"):
    return SimpleUploadedFile("出席簿.csv", text.encode(encoding), content_type="text/csv")


def test_the_attendance_sheet_file_records_every_line_or_nothing(client, people, make_session):
    session = make_session()
    hr = Actor(user=people["hr"])
    present = session_register(by=hr, session_id=session.pk, person=people["member"])
    absent = session_register(by=hr, session_id=session.pk, person=people["member2"])
    started(session)
    client.force_login(people["organiser"])
    url = reverse("lms:session_attendance", args=[session.pk])

    bad = client.post(
        url,
        {"sheet": sheet("職員番号,氏名,出欠\nM1,窓口 花子,出席\nJ1,人事 三郎,出席\nM2,,遅刻\n")},
    )
    assert bad.status_code == HTTPStatus.BAD_REQUEST
    page = bad.content.decode()
    assert "3 行目" in page and "この人はこの研修に申し込んでいません。" in page
    assert "「出席」または「欠席」と書いてください。" in page
    assert not CourseCompletion.objects.exists()

    good = client.post(url, {"sheet": sheet("職員番号,出欠\nＭ1,出席\nM2,欠席\n", "cp932")})
    assert good.status_code == HTTPStatus.FOUND
    assert CourseCompletion.objects.get().user == people["member"]
    marks = dict(SessionRegistration.objects.values_list("pk", "attended"))
    assert marks == {present.pk: True, absent.pk: False}


def test_an_unreadable_sheet_says_so(client, people, make_session):
    session = make_session()
    session_register(by=Actor(user=people["hr"]), session_id=session.pk, person=people["member"])
    started(session)
    client.force_login(people["organiser"])
    url = reverse("lms:session_attendance", args=[session.pk])
    for upload in (sheet("氏名\n窓口 花子\n"), SimpleUploadedFile("x.xlsx", b"PK\x03\x04broken")):
        response = client.post(url, {"sheet": upload})
        assert response.status_code == HTTPStatus.BAD_REQUEST
        assert "何も保存していません。" in response.content.decode()
    assert not CourseCompletion.objects.exists()
