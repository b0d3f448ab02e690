import re

import pytest

from lms.models import LeaderNomination

from .conftest import give_authenticator

expect = pytest.importorskip("playwright.sync_api").expect
pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def test_department_head_reviews_own_department_and_endorses_a_volunteer(journey):
    give_authenticator("2001", SECRET)
    walk = journey("department-head")
    page = walk.page
    walk.sign_in("2001", "demo-head-2001", totp_secret=SECRET)
    expect(page.get_by_role("heading", level=1)).to_have_text("マイページ")
    walk.check("mypage")

    page.get_by_role("navigation", name="メインメニュー").get_by_role(
        "link", name="受講状況"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("住民税務課：職員の受講状況")
    walk.check("department")

    members = page.get_by_role("table", name=re.compile("^所属職員"))
    volunteer = (
        members.get_by_role("row")
        .filter(has_text="本人希望あり")
        .filter(has_not_text="所属長推薦あり")
    ).first
    name = volunteer.get_by_role("rowheader").inner_text()
    staff_number = volunteer.get_by_role("cell").first.inner_text()
    endorse = volunteer.get_by_role("button", name=re.compile(rf"^推薦する\s*（{name}）$"))
    endorse.focus()
    page.keyboard.press("Enter")

    expect(page.get_by_role("status")).to_contain_text("推薦を保存しました。")
    row = members.get_by_role("row").filter(has=page.get_by_role("rowheader", name=name))
    expect(row).to_contain_text("所属長推薦あり")
    expect(
        row.get_by_role("button", name=re.compile(rf"^推薦を取り消す\s*（{name}）$"))
    ).to_be_visible()
    walk.check("endorsed")
    assert LeaderNomination.objects.filter(
        kind=LeaderNomination.Kind.ENDORSEMENT,
        endorsed_by__staff_number="2001",
        user__staff_number=staff_number,
    ).exists()
