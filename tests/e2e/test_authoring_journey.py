import re

import pytest

from courses.models import ModulePage

from .conftest import give_authenticator

expect = pytest.importorskip("playwright.sync_api").expect
pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

LEADER_SECRET = "ONSWG4TFORZWK4TFONSWG4TFORZWK4TF"
POLICY_SECRET = "NBSWY3DPNBSWY3DPNBSWY3DPNBSWY3DP"
ADDITION = "\n\n## 受付の確認\n\n- 毎朝 9 時に**新しい申請**を確認します。\n"


def test_a_leaders_markdown_change_goes_live_for_staff_once_it_policy_approves(journey):
    give_authenticator("5001", LEADER_SECRET)
    give_authenticator("4001", POLICY_SECRET)
    module = ModulePage.objects.get(slug="overview", url_path__contains="/online-procedures/")

    leader = journey("dx-leader")
    page = leader.page
    leader.sign_in("5001", "demo-leader-5001", totp_secret=LEADER_SECRET)
    page.get_by_role("navigation", name="メインメニュー").get_by_role(
        "link", name="管理画面"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("しんか 管理画面")
    leader.check_admin("admin-dashboard")

    # Her explorer starts at the track she edits: its courses, then the course's modules.
    page.get_by_role("link", name=re.compile("件のページ")).click()
    page.get_by_role("link", name="行政手続のオンライン化の子ページを閲覧").click()
    page.get_by_role("link", name=module.title, exact=True).first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(module.title)
    leader.check_admin("edit-module")

    source = page.get_by_role("textbox", name="Markdown のテキスト").first
    source.focus()
    page.keyboard.press("Control+End")
    page.keyboard.type(ADDITION)
    preview = page.get_by_role("region", name="プレビュー").first
    expect(preview.get_by_role("heading", name="受付の確認")).to_be_visible()
    expect(preview.locator("strong", has_text="新しい申請")).to_be_visible()
    preview.scroll_into_view_if_needed()
    leader.check_admin("markdown-preview")

    page.get_by_role("button", name="他のアクション").click()
    page.get_by_role("button", name=re.compile("情報政策担当承認に提出する")).click()
    expect(page.get_by_role("status").first).to_contain_text("承認の依頼に出しました")
    leader.check_admin("submitted")
    module.refresh_from_db()
    assert "受付の確認" not in str(module.body), "nothing is live before approval"

    policy = journey("it-policy-approval")
    page = policy.page
    policy.sign_in("4001", "demo-itpolicy-4001", totp_secret=POLICY_SECRET)
    page.get_by_role("navigation", name="メインメニュー").get_by_role(
        "link", name="管理画面"
    ).click()
    policy.check_admin("admin-dashboard")
    page.get_by_role("link", name=module.title).first.click()
    policy.check_admin("review")
    page.get_by_role("button", name="他のアクション").click()
    page.get_by_role("button", name="承認と公開", exact=True).click()
    expect(page.get_by_role("status").first).to_contain_text("を更新しました")
    policy.check_admin("approved")
    module.refresh_from_db()
    assert "受付の確認" in str(module.body)

    staff = journey("staff-sees-change")
    page = staff.page
    staff.sign_in("1001", "demo-staff-1001")
    staff.goto(module.url, "module-updated")
    expect(page.get_by_role("heading", name="受付の確認")).to_be_visible()
