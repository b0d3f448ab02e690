import datetime
import io
import re

import openpyxl
import pytest
from django.contrib.auth import get_user_model

from lms.models import ReportRun

from .conftest import enter_totp, give_authenticator, made_yesterday

expect = pytest.importorskip("playwright.sync_api").expect
pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

HEADER = "職員番号,氏名,氏名カナ,所属,職位,メールアドレス\n"
NEWCOMER = "1201,岡田 遥,オカダ ハルカ,{department},主事,staff1201@town.kagamino.example.jp\n"


def roster_file(*, department: str) -> dict:
    """A roster CSV, as Excel saves it, with one newcomer posted to ``department``."""
    content = HEADER + NEWCOMER.format(department=department)
    return {"name": "meibo.csv", "mimeType": "text/csv", "buffer": content.encode("utf-8-sig")}


def test_hr_sets_up_two_factor_reads_completion_and_downloads_a_fresh_report(journey):
    # Last night's report exists; today's has not been made yet.
    made_yesterday(ReportRun.Kind.HR_COMPLETION)
    walk = journey("hr")
    page = walk.page
    walk.sign_in("3001", "demo-hr-3001")

    # HR sees other people's data: the first sign-in asks for an authenticator app.
    expect(page.get_by_role("status")).to_contain_text("二段階認証")
    # allauth asks for the password once more before any security change.
    expect(page.get_by_role("heading", level=1)).to_have_text("アクセス確認")
    walk.check("confirm-password")
    page.get_by_label("パスワード").fill("demo-hr-3001")
    with page.expect_navigation():
        page.get_by_label("パスワード").press("Enter")
    walk.check("two-factor-setup")
    secret = page.locator("#authenticator_secret").inner_text()
    enter_totp(page, secret)
    walk.check("two-factor-done")

    page.get_by_role("navigation", name="メインメニュー").get_by_role(
        "link", name="受講状況"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("受講状況ダッシュボード")
    walk.check("completion-dashboard")

    departments = page.get_by_role("table", name=re.compile("所属別の受講状況"))
    departments.get_by_role("link", name="住民税務課", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("住民税務課")
    walk.check("department")
    # The members table (the per-係 table and the charts' data tables come before it).
    member = page.locator("table th[scope=row] a[href*='/mypage/people/']").first
    name = member.inner_text()
    member.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(name)
    walk.check("person")

    # The way back from the person: the breadcrumb names the department and the overview.
    breadcrumb = page.get_by_role("navigation", name="パンくずリスト")
    expect(breadcrumb.locator('a[href*="/dashboards/departments/"]')).to_be_visible()
    breadcrumb.get_by_role("link", name="受講状況", exact=True).click()
    request = page.get_by_role("button", name="本日分のレポートを作成する")
    request.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("レポートの作成を依頼しました。")
    walk.check("report-requested")

    today = ReportRun.objects.get(kind=ReportRun.Kind.HR_COMPLETION, as_of=datetime.date.today())
    assert today.status == ReportRun.Status.DELIVERED
    history = page.get_by_role("table", name="レポートの履歴")
    newest = history.get_by_role("row").nth(1)
    newest.get_by_role("rowheader").get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("所属別受講状況（人事担当）")
    walk.check("report")
    with page.expect_download() as download:
        page.get_by_role("link", name="Excel（.xlsx）をダウンロード").click()
    workbook = openpyxl.load_workbook(io.BytesIO(download.value.path().read_bytes()))
    assert workbook.sheetnames == ["所属別", "職位別", "個人別"]
    assert workbook["個人別"].max_row == today.row_count + 1


def test_hr_imports_a_roster_after_fixing_the_error_the_page_explains(journey):
    secret = "KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU"
    give_authenticator("3001", secret)
    walk = journey("hr-roster")
    page = walk.page
    walk.sign_in("3001", "demo-hr-3001", totp_secret=secret)

    page.get_by_role("navigation", name="メインメニュー").get_by_role(
        "link", name="管理画面"
    ).click()
    walk.check_admin("admin-dashboard")
    page.get_by_role("button", name="研修管理").click()
    page.get_by_role("list", name="研修管理").get_by_role("link", name="職員名簿の取り込み").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("職員名簿の取り込み")
    walk.check_admin("roster-import")

    file_field = page.get_by_label("職員名簿（CSV または Excel）")
    file_field.set_input_files(files=[roster_file(department="住民課")])
    page.get_by_role("button", name="ファイルを確認する").click()
    problem = "2 行目・所属：所属「住民課」が見つかりません。"
    expect(page.get_by_role("alert")).to_contain_text(problem)
    expect(page.get_by_role("alert")).to_contain_text("何も取り込んでいません。")
    file_field = page.get_by_label("職員名簿（CSV または Excel）")
    expect(file_field).to_have_accessible_description(re.compile(re.escape(problem)))
    walk.check_admin("roster-error")
    assert not get_user_model().objects.filter(staff_number="1201").exists()

    file_field.set_input_files(files=[roster_file(department="住民係")])
    page.get_by_role("button", name="ファイルを確認する").click()
    expect(page.get_by_role("heading", name="変更内容の確認")).to_be_visible()
    walk.check_admin("roster-preview")
    page.get_by_role("button", name="この内容で取り込む").click()
    expect(page.get_by_text("名簿を取り込みました：新規 1 人")).to_be_visible()
    walk.check_admin("roster-imported")
    newcomer = get_user_model().objects.get(staff_number="1201")
    assert newcomer.memberships.get().department.name == "住民係"


def test_hr_makes_a_report_again_asks_for_last_years_and_closes_that_year(journey):
    from courses.fiscal import current_fiscal_year, japanese_fiscal_year
    from lms.models import FiscalYearClose, TrackAssignment

    this_year = current_fiscal_year()
    last_year = this_year - 1
    secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
    give_authenticator("3001", secret)
    walk = journey("hr-versions")
    page = walk.page
    walk.sign_in("3001", "demo-hr-3001", totp_secret=secret)

    # Today's report exists (the demo made it): the page says as of when and when made.
    page.get_by_role("navigation", name="メインメニュー").get_by_role(
        "link", name="受講状況"
    ).click()
    expect(page.locator(".lead")).to_contain_text("時点の集計（")
    page.get_by_role("button", name="本日分のレポートを作成する").click()
    expect(page.get_by_role("status")).to_contain_text("作成済みです")

    rebuild = page.get_by_role("form", name="このレポートを作り直す")
    rebuild.get_by_label("作り直しの理由").select_option(label="データを修正した")
    rebuild.get_by_label("メモ（任意）").fill("名簿の反映漏れを修正")
    rebuild.get_by_role("button", name="レポートを作り直す").click()
    expect(page.get_by_role("status")).to_contain_text("新しい版の作成を依頼しました")
    expect(page.locator(".lead")).to_contain_text("第2版（作り直しの理由：データを修正した）")
    walk.check("report-made-again")

    # Last fiscal year's year-end report, asked for from the dashboard.
    dated = page.get_by_role("form", name="日付を指定してレポートを作成する")
    dated.get_by_label(re.compile("^年度")).fill(str(last_year))
    dated.get_by_role("button", name="指定した日付のレポートを作成する").click()
    expect(page.get_by_role("status")).to_contain_text("レポートの作成を依頼しました。")
    year_ends = page.get_by_role("table", name="年度末の報告")
    expect(year_ends.get_by_role("row").nth(1)).to_contain_text(japanese_fiscal_year(last_year))
    walk.check("year-end-report")

    page.get_by_role("link", name="年度末の締めと割り当ての繰り越し").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"年度末の締め（{japanese_fiscal_year(last_year)}）"
    )
    walk.check("year-end")
    page.get_by_role("link", name="年度を締める…").click()
    walk.check("year-end-confirm")
    page.get_by_role("button", name=f"{japanese_fiscal_year(last_year)}を締める").click()
    expect(page.get_by_role("status")).to_contain_text(
        f"{japanese_fiscal_year(last_year)}を締めました。"
    )
    walk.check("year-closed")
    assert FiscalYearClose.objects.get().fiscal_year == last_year

    # This year's assignments, into next year: preview, then apply.
    page.get_by_role("navigation", name="年度").get_by_role(
        "link", name=japanese_fiscal_year(this_year)
    ).click()
    page.get_by_role("link", name="繰り越しの内容を確認する").click()
    preview = page.get_by_role("table", name="繰り越しの内容")
    expect(preview).to_contain_text("繰り越します")
    walk.check("rollover-preview")
    page.get_by_role("button", name=re.compile("件を繰り越す")).click()
    expect(page.get_by_role("status")).to_contain_text(
        f"{japanese_fiscal_year(this_year + 1)}へ繰り越しました"
    )
    walk.check("rolled-over")
    assert TrackAssignment.objects.filter(fiscal_year=this_year + 1).count() == (
        TrackAssignment.objects.filter(fiscal_year=this_year).count()
    )
