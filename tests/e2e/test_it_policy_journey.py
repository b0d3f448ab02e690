import datetime
import re

import pytest

from lms.models import ReportRun

from .conftest import give_authenticator, made_yesterday

expect = pytest.importorskip("playwright.sync_api").expect
pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

SECRET = "MFRGGZDFMZTWQ2LKMFRGGZDFMZTWQ2LK"
DATA_MINIMUM = "必要なレベル：What（データ）"


def test_it_policy_lowers_a_minimum_reruns_the_candidates_and_reads_what_changed(journey):
    # Yesterday's candidate report exists; today's has not been made yet.
    made_yesterday(ReportRun.Kind.DX_CANDIDATES)
    previous = ReportRun.objects.get(kind=ReportRun.Kind.DX_CANDIDATES)
    give_authenticator("4001", SECRET)
    walk = journey("it-policy")
    page = walk.page
    walk.sign_in("4001", "demo-itpolicy-4001", totp_secret=SECRET)

    page.get_by_role("navigation", name="メインメニュー").get_by_role(
        "link", name="習熟度一覧"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("習熟度と DX推進リーダー")
    walk.check("candidates")
    candidates = page.get_by_role("table", name=re.compile("得点順に並べた候補者"))
    first = candidates.get_by_role("row").nth(1)
    top = previous.candidates.order_by("position").first()
    expect(first).to_contain_text(top.staff_number)
    expect(first.get_by_role("cell").last).to_have_text(top.reasons)

    page.get_by_role("link", name="選定基準を変更する").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("DX推進リーダーの選定基準")
    walk.check("criteria")

    points = page.get_by_label("必要レベルを 1 上回るごとの点数")
    points.fill("-1")
    page.get_by_role("button", name="保存する").click()
    expect(page.get_by_role("alert")).to_contain_text("保存していません。")
    points = page.get_by_label("必要レベルを 1 上回るごとの点数")
    expect(points).to_have_accessible_description("この値は 0 以上でなければなりません。")
    walk.check("criteria-error")

    points.fill("2")
    page.get_by_label(DATA_MINIMUM).select_option(label="1 基礎")
    page.get_by_role("button", name="保存する").click()
    expect(page.get_by_role("status")).to_contain_text("選定基準を保存しました。")
    walk.check("criteria-saved")

    page.get_by_role("button", name="本日分のレポートを作成する").click()
    expect(page.get_by_role("status")).to_contain_text("レポートの作成を依頼しました。")
    changes = page.get_by_role("region", name=re.compile("時点のレポートからの変化"))
    criteria = changes.get_by_role("table", name="変更された基準")
    expect(criteria.get_by_role("row").filter(has_text=DATA_MINIMUM)).to_contain_text(
        "2 中級1 基礎"
    )
    walk.check("changes")

    current = ReportRun.objects.get(kind=ReportRun.Kind.DX_CANDIDATES, as_of=datetime.date.today())
    added = current.candidates.exclude(user__in=previous.candidates.values("user")).values_list(
        "staff_number", flat=True
    )
    assert added, "a lower minimum makes more people candidates"
    people = changes.get_by_role("table", name="新たに候補者になった職員・候補者でなくなった職員")
    for staff_number in added:
        row = people.get_by_role("row").filter(has_text=staff_number)
        expect(row).to_contain_text("新たに候補者")
