"""A member of staff searches the learning content from the header, and puts her due dates
in her calendar: axe-core at desktop width and at a phone's (390×844)."""

import icalendar
import pytest

expect = pytest.importorskip("playwright.sync_api").expect
pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PHONE = {"width": 390, "height": 844}


def test_staff_member_searches_in_japanese_and_subscribes_to_her_due_dates(journey):
    walk = journey("search-calendar")
    page = walk.page
    walk.sign_in("1001", "demo-staff-1001")
    expect(page.get_by_role("heading", level=1)).to_have_text("マイページ")
    expect(page.get_by_role("region", name="これからの期限")).to_be_visible()
    walk.check("mypage-timeline")

    # The header's search box, with the keyboard; half-width katakana finds full-width text.
    box = page.get_by_role("search").first.get_by_role("searchbox")
    box.focus()
    page.keyboard.type("ｾｷｭﾘﾃｨ")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("研修の内容を検索")
    expect(page.locator(".search-results mark").first).to_have_text("セキュリティ")
    walk.check("search-results")
    page.set_viewport_size(PHONE)
    walk.check("search-results-phone")

    page.set_viewport_size({"width": 1280, "height": 800})
    walk.goto("/mypage/calendar/", "calendar-empty")
    page.get_by_role("button", name="予定表のアドレスを作る").click()
    address = page.get_by_label("登録するアドレス（ほかの人に教えないでください）")
    expect(address).to_be_visible()
    walk.check("calendar-address")
    page.set_viewport_size(PHONE)
    walk.check("calendar-address-phone")

    # The address works without a session, as a calendar app reads it.
    calendar_app = page.context.browser.new_context()  # no cookies, no session
    try:
        feed = calendar_app.request.get(address.input_value())
        assert feed.status == 200 and feed.headers["content-type"].startswith("text/calendar")
        events = icalendar.Calendar.from_ical(feed.body()).walk("VEVENT")
    finally:
        calendar_app.close()
    assert events and all(str(event["summary"]).startswith("期限：") for event in events)
