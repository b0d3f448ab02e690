"""受講履歴: every completion by fiscal year with score and certificate, the CSV parsed back
against an independent query, who sees whose, audited, constant query counts."""

import csv
import datetime
import io
from http import HTTPStatus
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assessments.factories import QuizFactory
from assessments.models import Attempt
from courses.models import CourseCompletion, ModuleCompletion
from courses.services import module_complete
from lms.certificates.records import learning_record
from lms.models import AuditEvent
from lms.people.roles import Role

TOKYO = ZoneInfo("Asia/Tokyo")
ERA_REIWA_FIRST_YEAR = 2019


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(datetime.datetime(2026, 11, 28, 9, 0, tzinfo=TOKYO))


def _passed_attempt(user, correct, total):
    return Attempt.objects.create(
        user=user,
        quiz=QuizFactory(),
        number=1,
        started_at=timezone.now(),
        submitted_at=timezone.now(),
        status=Attempt.Status.SUBMITTED,
        correct_count=correct,
        question_count=total,
        passed=True,
    )


@pytest.fixture
def world(make_course, make_staff, other_town):
    learner = make_staff("mado")
    # A one-off course with a quiz (8 of 10 right), finished in fiscal 2025 …
    track, quiz_course, quiz_modules = make_course(modules=2)
    quiz_course.title = '=HYPERLINK("x") 危ない名前'  # a CSV cell Excel would run
    quiz_course.save_revision().publish()
    module_complete(
        user=learner, module=quiz_modules[0], at=datetime.datetime(2026, 2, 1, tzinfo=TOKYO)
    )
    module_complete(
        user=learner,
        module=quiz_modules[1],
        at=datetime.datetime(2026, 3, 31, 23, 30, tzinfo=TOKYO),  # still fiscal 2025 in Tokyo
        via_attempt=_passed_attempt(learner, 8, 10),
    )
    # … an annual course done in 2025 and 2026, and a course not finished.
    _, annual, annual_modules = make_course(modules=1, annual=True)
    for day in (
        datetime.datetime(2025, 7, 1, tzinfo=TOKYO),
        datetime.datetime(2026, 7, 1, tzinfo=TOKYO),
    ):
        module_complete(user=learner, module=annual_modules[0], at=day)
    _, unfinished, unfinished_modules = make_course(modules=2, track=track)
    module_complete(user=learner, module=unfinished_modules[0])
    return {
        "learner": learner,
        "track": track,
        "quiz_course": quiz_course,
        "annual": annual,
        "colleague": make_staff("mado"),
        "head": make_staff("jumin", "kacho", roles=[Role.DEPT_HEAD]),
        "other_head": make_staff("somu", "kacho", roles=[Role.DEPT_HEAD]),
        "hr": make_staff("jinji", roles=[Role.HR]),
        "it_policy": make_staff("somu", roles=[Role.IT_POLICY]),
        "other_hr": make_staff(other_town["somu"], roles=[Role.HR]),
    }


def _wareki(day: datetime.date) -> str:
    """令和 only: every date of these tests is in 令和."""
    year = day.year - ERA_REIWA_FIRST_YEAR + 1
    return f"令和{'元' if year == 1 else year}年{day.month}月{day.day}日"


def _fiscal_label(day: datetime.date) -> str:
    fiscal = day.year if day.month >= 4 else day.year - 1
    return f"令和{fiscal - ERA_REIWA_FIRST_YEAR + 1}年度"


def _expected_rows(user):
    """The course lines from the tables themselves: completions joined with the passing
    attempts of their modules (no code of the transcript)."""
    rows = []
    for completion in CourseCompletion.objects.filter(user=user).select_related("course"):
        attempts = [
            mc.via_attempt
            for mc in ModuleCompletion.objects.filter(
                user=user, cycle=completion.cycle, via_attempt__isnull=False
            ).select_related("via_attempt", "module")
            if mc.module.get_parent().pk == completion.course_id
        ]
        correct = sum(a.correct_count for a in attempts)
        total = sum(a.question_count for a in attempts)
        day = completion.completed_at.astimezone(TOKYO).date()
        title = completion.course.title
        rows.append(
            [
                _fiscal_label(day),
                "コース",
                "'" + title if title.startswith("=") else title,
                completion.course.get_parent().title,
                day.isoformat(),
                _wareki(day),
                str(round(100 * correct / total)) if total else "",
            ]
        )
    return rows


def _csv(response, encoding="utf-8-sig"):
    assert response.status_code == HTTPStatus.OK
    assert "no-store" in response["Cache-Control"]
    return list(csv.reader(io.StringIO(response.content.decode(encoding))))


def test_the_csv_holds_every_completion_as_the_tables_do(client, world):
    client.force_login(world["learner"])
    response = client.get(reverse("lms:transcript_download", args=[world["learner"].pk]))

    assert response.content.startswith(b"\xef\xbb\xbf")  # UTF-8 with a BOM
    header, *rows = _csv(response)
    assert header == [
        "年度",
        "種別",
        "名称",
        "トラック",
        "修了日",
        "修了日（和暦）",
        "得点（%）",
        "証書番号",
    ]
    course_rows = [row[:7] for row in rows if row[1] == "コース"]
    assert sorted(course_rows) == sorted(_expected_rows(world["learner"]))
    assert len(course_rows) == 3  # the annual course twice, the quiz course once
    quiz_row = next(r for r in course_rows if r[6])
    assert quiz_row[0] == "令和7年度" and quiz_row[2].startswith("'=") and quiz_row[6] == "80"
    # Newest fiscal year first.
    assert [r[0] for r in rows] == sorted((r[0] for r in rows), key=lambda x: -int(x[2:-2]))


def test_the_cp932_csv_has_no_bom_and_reads_in_cp932(client, world):
    client.force_login(world["learner"])
    url = reverse("lms:transcript_download", args=[world["learner"].pk])
    response = client.get(url, {"encoding": "cp932"})

    assert response["Content-Type"] == "text/csv; charset=cp932"
    assert not response.content.startswith(b"\xef\xbb\xbf")
    rows = _csv(response, "cp932")
    assert rows[0][0] == "年度" and len(rows) == 1 + len(
        learning_record(user=world["learner"]).completions
    )


def test_the_page_groups_by_fiscal_year_with_score_and_certificate_links(client, world):
    client.force_login(world["learner"])
    response = client.get(reverse("lms:transcript"))

    body = response.content.decode()
    assert response.status_code == HTTPStatus.OK
    assert body.index("令和8年度") < body.index("令和7年度")
    assert "80%" in body
    assert "令和8年3月31日" in body  # 23:30 on 31 March in Tokyo
    for page, cycle in (
        (world["quiz_course"], 0),
        (world["annual"], 2025),
        (world["annual"], 2026),
    ):
        assert (
            reverse("lms:certificate_download", args=[world["learner"].pk, page.pk, cycle]) in body
        )
    assert "certificates.css" in body
    # Reading one's own record is not reading another's data.
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.TRANSCRIPT_VIEWED).exists()


def test_a_completed_track_is_listed_with_its_certificate(client, make_course, make_staff):
    track, course, modules = make_course(modules=1)
    learner = make_staff("mado")
    module_complete(user=learner, module=modules[0], at=datetime.datetime(2026, 5, 1, tzinfo=TOKYO))

    lines = learning_record(user=learner).completions

    assert [(c.kind, c.page_id, c.cycle) for c in lines] == [
        ("course", course.pk, 0),
        ("track", track.pk, 0),
    ]


@pytest.mark.parametrize(
    ("viewer", "status"),
    [
        ("colleague", HTTPStatus.NOT_FOUND),
        ("head", HTTPStatus.OK),
        ("other_head", HTTPStatus.NOT_FOUND),
        ("hr", HTTPStatus.OK),
        ("it_policy", HTTPStatus.NOT_FOUND),
        ("other_hr", HTTPStatus.NOT_FOUND),
    ],
)
def test_who_sees_a_persons_record(client, world, viewer, status):
    client.force_login(world[viewer])
    page = client.get(reverse("lms:person_transcript", args=[world["learner"].pk]))
    download = client.get(reverse("lms:transcript_download", args=[world["learner"].pk]))

    assert (page.status_code, download.status_code) == (status, status)
    events = list(
        AuditEvent.objects.filter(subject=world["learner"]).values_list("actor", "action")
    )
    if status == HTTPStatus.OK:
        assert sorted(events) == sorted(
            [
                (world[viewer].pk, AuditEvent.Action.TRANSCRIPT_VIEWED),
                (world[viewer].pk, AuditEvent.Action.TRANSCRIPT_DOWNLOADED),
            ]
        )
    else:
        assert events == []


def test_ones_own_person_page_is_the_transcript(client, world):
    client.force_login(world["learner"])
    response = client.get(reverse("lms:person_transcript", args=[world["learner"].pk]))
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == reverse("lms:transcript")


def test_the_person_pages_link_to_the_record(client, world):
    client.force_login(world["hr"])
    response = client.get(reverse("lms:person_progress", args=[world["learner"].pk]))
    assert reverse("lms:person_transcript", args=[world["learner"].pk]) in response.content.decode()
    client.force_login(world["learner"])
    assert reverse("lms:transcript") in client.get(reverse("lms:mypage")).content.decode()


def _queries(user) -> int:
    with CaptureQueriesContext(connection) as captured:
        learning_record(user=user)
    return len(captured)


def test_the_record_reads_in_a_fixed_number_of_queries(make_course, make_staff):
    learner = make_staff("mado")
    track, _, modules = make_course(modules=1)
    module_complete(user=learner, module=modules[0])
    small = _queries(learner)
    for _ in range(4):
        _, _, more = make_course(modules=2, track=track)
        for module in more:
            module_complete(user=learner, module=module, via_attempt=_passed_attempt(learner, 3, 4))
        make_course(modules=1)

    assert len(learning_record(user=learner).completions) == 5 + 1  # and the track
    assert _queries(learner) == small
