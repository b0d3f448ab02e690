import datetime
import io

import openpyxl
import pytest
from django.db import IntegrityError
from django.utils import timezone

from courses.fiscal import local_today
from courses.models import CourseCompletion
from lms.audit import Actor
from lms.models import AuditEvent
from lms.records.imports import completions_import_apply, completions_import_plan

pytestmark = pytest.mark.django_db

HEADER = "職員番号,コース,修了日,備考"
TOKYO_MIDNIGHT = datetime.time()


def csv_bytes(*lines, encoding="utf-8"):
    return ("\r\n".join([HEADER, *lines]) + "\r\n").encode(encoding)


def xlsx_bytes(*rows):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER.split(","))
    for row in rows:
        sheet.append(list(row))
    stream = io.BytesIO()
    book.save(stream)
    return stream.getvalue()


def plan_of(organization, data, name="completions.csv"):
    return completions_import_plan(organization=organization, data=data, filename=name)


def apply(organization, plan, hr):
    return completions_import_apply(
        organization=organization, plan=plan, by=Actor(user=hr), filename="completions.csv"
    )


def errors_of(plan):
    return [(e.line, e.column, e.message) for e in plan.errors]


@pytest.mark.parametrize(
    ("encoding", "prefix"), [("utf-8", b""), ("utf-8", b"\xef\xbb\xbf"), ("cp932", b"")]
)
def test_a_csv_in_each_encoding_imports(organization, people, courses, encoding, prefix):
    data = prefix + csv_bytes(
        "M1,security-basics,2024-05-10,旧システム",
        "Ｊ１,情報セキュリティ研修（年次）,2024/6/1,",  # full-width staff number, title
        encoding=encoding,
    )

    plan = plan_of(organization, data)

    assert plan.ok, errors_of(plan)
    assert [(r.line, r.person, r.course, r.completed_on) for r in plan.rows] == [
        (2, people["member"], courses["one_off"], datetime.date(2024, 5, 10)),
        (3, people["outsider"], courses["annual"], datetime.date(2024, 6, 1)),
    ]
    assert not CourseCompletion.objects.exists()  # the plan writes nothing

    assert apply(organization, plan, people["hr"]) == 2
    stored = {(c.user_id, c.course_id): c for c in CourseCompletion.objects.all()}
    one_off = stored[(people["member"].pk, courses["one_off"].pk)]
    assert (one_off.source, one_off.cycle, one_off.reason) == ("imported", 0, "旧システム")
    assert one_off.recorded_by == people["hr"] and one_off.recorded_at is not None
    assert timezone.localtime(one_off.completed_at) == timezone.make_aware(
        datetime.datetime(2024, 5, 10)
    )  # 00:00 of the day in Japan
    assert stored[(people["outsider"].pk, courses["annual"].pk)].cycle == 2024
    event = AuditEvent.objects.get(action=AuditEvent.Action.COMPLETIONS_IMPORTED)
    assert event.detail["count"] == 2 and event.actor == people["hr"]


def test_an_xlsx_with_excel_dates_imports(organization, people, courses):
    data = xlsx_bytes(
        ("M1", "security-basics", datetime.datetime(2025, 3, 31), "紙の記録"),
        ("J1", "annual-security", "2025-04-01", None),
    )

    plan = plan_of(organization, data, "completions.xlsx")

    assert plan.ok, errors_of(plan)
    assert [r.completed_on for r in plan.rows] == [
        datetime.date(2025, 3, 31),
        datetime.date(2025, 4, 1),
    ]
    assert [r.cycle for r in plan.rows] == [0, 2025]


def tomorrow() -> str:
    return (local_today() + datetime.timedelta(days=1)).isoformat()


BAD_ROWS = {
    "unknown staff number": (
        "X9,security-basics,2024-05-10,",
        2,
        "職員番号",
        "職員名簿にありません",
    ),
    "empty staff number": (",security-basics,2024-05-10,", 2, "職員番号", "空"),
    "unknown course": ("M1,no-such-course,2024-05-10,", 2, "コース", "というコースはありません"),
    "empty course": ("M1,,2024-05-10,", 2, "コース", "空"),
    "bad date": ("M1,security-basics,2024-13-40,", 2, "修了日", "日付ではありません"),
    "text date": ("M1,security-basics,昨年度,", 2, "修了日", "日付ではありません"),
    "empty date": ("M1,security-basics,,", 2, "修了日", "空"),
    "future date": (None, 2, "修了日", "未来"),
}


@pytest.mark.parametrize("kind", list(BAD_ROWS))
def test_every_bad_row_is_named_and_nothing_is_saved(organization, people, courses, kind):
    line, number, column, words = BAD_ROWS[kind]
    line = line or f"M1,security-basics,{tomorrow()},"
    good = "J1,security-basics,2024-05-10,"

    plan = plan_of(organization, csv_bytes(line, good))

    assert not plan.ok and plan.rows == []
    assert [(e.line, e.column) for e in plan.errors] == [(number, column)]
    assert words in plan.errors[0].message
    assert f"{number} 行目" in str(plan.errors[0])  # line, column and message in Japanese
    with pytest.raises(ValueError):
        apply(organization, plan, people["hr"])
    assert not CourseCompletion.objects.exists()


def test_a_duplicate_within_the_file_is_named_on_its_second_line(organization, people, courses):
    plan = plan_of(
        organization,
        csv_bytes(
            "M1,security-basics,2024-05-10,",
            "M1,情報セキュリティの基本,2023-05-10,",  # the same one-off course, by its title
        ),
    )

    assert errors_of(plan) == [
        (
            3,
            "職員番号",
            "同じ修了（職員番号・コース・年度）が 2 行目にもあります。どちらか一方にしてください。",
        )
    ]
    assert not CourseCompletion.objects.exists()


def test_an_annual_course_in_two_years_is_no_duplicate(organization, people, courses):
    plan = plan_of(
        organization,
        csv_bytes("M1,annual-security,2024-05-10,", "M1,annual-security,2025-05-10,"),
    )

    assert plan.ok, errors_of(plan)


def test_a_completion_already_stored_is_named(organization, people, courses):
    CourseCompletion.objects.create(
        user=people["member"], course=courses["one_off"], cycle=0, completed_at=timezone.now()
    )

    plan = plan_of(
        organization, csv_bytes("J1,security-basics,2024-05-10,", "M1,security-basics,2024-05-10,")
    )

    assert errors_of(plan) == [(3, "コース", "この職員はこのコースを既に修了しています。")]
    assert CourseCompletion.objects.count() == 1


def test_another_towns_staff_number_and_course_are_unknown(
    organization, people, courses, neighbour
):
    neighbour_only = neighbour["member"]
    neighbour_only.staff_number = "N7"
    neighbour_only.save()

    plan = plan_of(
        organization, csv_bytes("N7,security-basics,2024-05-10,", "M1,tonari-course,2024-05-10,")
    )

    assert [(e.line, e.column) for e in plan.errors] == [(2, "職員番号"), (3, "コース")]
    # M1 exists in both towns: the town's own M1 is meant, never the neighbour's.
    plan = plan_of(organization, csv_bytes("M1,security-basics,2024-05-10,"))
    assert plan.rows[0].person == people["member"]


def test_a_missing_column_is_named(organization, people, courses):
    plan = plan_of(organization, "職員番号,コース\r\nM1,security-basics\r\n".encode())

    assert errors_of(plan) == [(1, "修了日", "この列がありません。")]


def test_a_file_that_is_not_text_is_refused(organization, people, courses):
    plan = plan_of(organization, b"\xff\xfe\x00\x81\x00garbage\x80\x80")

    assert plan.errors and not plan.rows


def test_a_completion_stored_after_the_preview_breaks_the_whole_import(
    organization, people, courses
):
    plan = plan_of(
        organization, csv_bytes("J1,security-basics,2024-05-10,", "M1,security-basics,2024-05-10,")
    )
    assert plan.ok
    CourseCompletion.objects.create(
        user=people["member"], course=courses["one_off"], cycle=0, completed_at=timezone.now()
    )

    with pytest.raises(IntegrityError):
        apply(organization, plan, people["hr"])

    assert list(CourseCompletion.objects.values_list("user_id", flat=True)) == [people["member"].pk]
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.COMPLETIONS_IMPORTED).exists()
