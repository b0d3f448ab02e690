"""HR creates a training session, two members of staff register, the organiser records
attendance on one keyboard-friendly form, and HR's completion report counts them (記録)."""

import datetime
import io
import re

import openpyxl
import pytest
from django.utils import timezone

from lms.models import ReportRun, SessionRegistration, TrainingSession

from .conftest import give_authenticator, made_yesterday

expect = pytest.importorskip("playwright.sync_api").expect
pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

STAFF = (("1001", "demo-staff-1001"), ("5001", "demo-leader-5001"))
# DX leaders author tracks: they sign in with two-factor authentication.
LEADER_SECRET = "MFRGGZDFMZTWQ2LKNNWG23TPOBYXE43U"
TITLE = "情報セキュリティ集合研修（第1回）"


def _course_nobody_completed():
    """A live course of a track assigned to everyone that neither 1001 nor 5001 completed."""
    from courses.models import CourseCompletion, CoursePage
    from lms.models import TrackAssignment

    tracks = TrackAssignment.objects.filter(applies_to_all=True).values_list("track", flat=True)
    done = CourseCompletion.objects.filter(
        user__staff_number__in=[number for number, _ in STAFF]
    ).values("course")
    for course in CoursePage.objects.live().exclude(pk__in=done).order_by("path"):
        if course.get_parent().pk in set(tracks):
            return course
    raise AssertionError("the demo has no course left to complete")


def test_hr_creates_a_session_staff_register_the_organiser_records_the_report_counts(journey):
    made_yesterday(ReportRun.Kind.HR_COMPLETION)
    course = _course_nobody_completed()
    hr_secret, organiser_secret = (
        "KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU",
        "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ",
    )
    give_authenticator("3001", hr_secret)
    give_authenticator("4001", organiser_secret)
    give_authenticator("5001", LEADER_SECRET)

    # HR creates the session, organised by 4001 (情報政策), tomorrow.
    hr = journey("session-hr")
    page = hr.page
    hr.sign_in("3001", "demo-hr-3001", totp_secret=hr_secret)
    page.get_by_role("link", name="集合研修・オンライン研修の日程と申込み").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("研修の申込み")
    page.get_by_role("link", name="研修の回の管理").click()
    page.get_by_role("link", name="研修の回を作成する").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("研修の回を作成する")
    hr.check("session-new")
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    page.get_by_label("研修名").fill(TITLE)
    page.get_by_label("コース").select_option(label=course.title)
    page.get_by_label("開催日").fill(tomorrow.isoformat())
    page.get_by_label("開始時刻（日本時間）").fill("13:30")
    page.get_by_label("終了時刻（日本時間）").fill("16:00")
    page.get_by_label("会場またはオンラインの接続先").fill("本庁舎 3階 大会議室")
    page.get_by_label("定員").fill("2")
    page.get_by_label("学習時間（分）").fill("150")
    page.get_by_label("主催者の職員番号").fill("4001")
    page.get_by_role("button", name="研修の回を保存する").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    hr.check("session-created")
    session = TrainingSession.objects.get(title=TITLE)

    # Two members of staff register from the list, with the keyboard.
    for number, password in STAFF:
        walk = journey(f"session-staff-{number}")
        walk.sign_in(number, password, totp_secret=LEADER_SECRET if number == "5001" else None)
        walk.page.get_by_role("link", name="集合研修・オンライン研修の日程と申込み").click()
        walk.check("sessions")
        register = walk.page.get_by_role(
            "button", name=re.compile(r"^申し込む\s*（情報セキュリティ")
        )
        register.focus()
        with walk.page.expect_navigation():
            walk.page.keyboard.press("Enter")
        expect(walk.page.get_by_role("status")).to_contain_text("申込みを受け付けました")
        walk.check("registered")
    assert session.registrations.filter(status=SessionRegistration.Status.REGISTERED).count() == 2

    # The day comes: the session has started (an hour ago, two more to go).
    start = timezone.now() - datetime.timedelta(hours=1)
    TrainingSession.objects.filter(pk=session.pk).update(
        starts_at=start, ends_at=start + datetime.timedelta(hours=3)
    )

    # The organiser records attendance: Tab to each person's group, Space chooses 出席.
    organiser = journey("session-organiser")
    page = organiser.page
    organiser.sign_in("4001", "demo-itpolicy-4001", totp_secret=organiser_secret)
    organiser.goto(f"/mypage/sessions/{session.pk}/", "session")
    page.get_by_role("link", name="出欠を記録する").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("出欠の記録")
    organiser.check("attendance")
    for number, _ in STAFF:
        registration = session.registrations.get(user__staff_number=number)
        group = page.get_by_role("group", name=registration.user.get_full_name())
        group.get_by_label("出席").focus()
        page.keyboard.press("Space")
        expect(group.get_by_label("出席")).to_be_checked()
    page.get_by_role("button", name="出欠を保存する").click()
    expect(page.get_by_role("status")).to_contain_text("出欠を保存しました（変更2件）")
    organiser.check("attendance-saved")

    # HR's report of today counts both as completed, marked 記録.
    page = hr.page
    page.get_by_role("navigation", name="メインメニュー").get_by_role(
        "link", name="受講状況"
    ).click()
    page.get_by_role("button", name="本日分のレポートを作成する").click()
    expect(page.get_by_role("status")).to_contain_text("レポートの作成を依頼しました。")
    history = page.get_by_role("table", name="レポートの履歴")
    history.get_by_role("row").nth(1).get_by_role("rowheader").get_by_role("link").click()
    with page.expect_download() as download:
        page.get_by_role("link", name="Excel（.xlsx）をダウンロード").click()
    workbook = openpyxl.load_workbook(io.BytesIO(download.value.path().read_bytes()))
    rows = [
        row
        for row in workbook["個人別"].iter_rows(min_row=2, values_only=True)
        if row[5] == course.title and row[0] in {number for number, _ in STAFF}
    ]
    assert sorted((row[0], row[6], row[12]) for row in rows) == [
        ("1001", "修了", "記録"),
        ("5001", "修了", "記録"),
    ]
