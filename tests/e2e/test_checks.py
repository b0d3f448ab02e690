"""The checks the journeys rely on can fail."""

import pytest

from .conftest import PHONE, axe_check, english_check, english_words, width_check

pytestmark = pytest.mark.e2e

BROKEN_PAGE = """<!DOCTYPE html><html><head><title>壊れたページ</title></head><body>
<main><h1>申請</h1><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">
<input type="text" name="name"></main></body></html>"""

FIXED_PAGE = """<!DOCTYPE html><html lang="ja"><head><title>直したページ</title></head><body>
<main><h1>申請</h1><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" alt="町の紋章">
<label for="name">氏名</label><input id="name" type="text" name="name"></main></body></html>"""


def test_axe_fails_a_page_with_an_unlabelled_image_and_field_naming_rule_and_element(browser):
    page = browser.new_page()
    page.set_content(BROKEN_PAGE)
    with pytest.raises(pytest.fail.Exception) as failure:
        axe_check(page)
    message = str(failure.value)
    assert "image-alt" in message and "<img" in message
    assert "label" in message and 'name="name"' in message
    assert "html-has-lang" in message


def test_axe_passes_the_same_page_once_it_is_fixed(browser):
    page = browser.new_page()
    page.set_content(FIXED_PAGE)
    axe_check(page)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_journey_fails_when_a_page_asks_another_host(journey):
    walk = journey("network-check")
    walk.page.goto("/accounts/login/")
    walk.page.route("http://cdn.example.com/**", lambda route: route.fulfill(body="// lib"))
    walk.page.goto("http://cdn.example.com/lib.js")
    assert walk.foreign_requests() == ["http://cdn.example.com/lib.js"]
    walk.requests.clear()  # this journey asked on purpose; the fixture checks the rest


WIDE_PAGE = """<!DOCTYPE html><html lang="ja"><head><title>広いページ</title></head><body>
<main><h1>一覧</h1><div class="wide" style="width: 700px">長い行</div></main></body></html>"""

TINY_BUTTONS = """<!DOCTYPE html><html lang="ja"><head><title>小さいボタン</title></head><body>
<main><h1>操作</h1><button style="width:12px;height:12px;padding:0;border:0">A</button><button
style="width:12px;height:12px;padding:0;border:0">B</button></main></body></html>"""


def test_the_width_check_fails_a_page_wider_than_a_phone_and_names_the_element(browser):
    page = browser.new_page(viewport=PHONE)
    page.set_content(WIDE_PAGE)
    with pytest.raises(pytest.fail.Exception) as failure:
        width_check(page)
    assert "div.wide" in str(failure.value) and "390 px" in str(failure.value)


def test_the_width_check_passes_a_table_that_scrolls_in_its_own_box(browser):
    page = browser.new_page(viewport=PHONE)
    page.set_content(
        WIDE_PAGE.replace(
            '<div class="wide" style="width: 700px">長い行</div>',
            '<div class="table-scroll" style="overflow-x:auto"><table style="width:700px">'
            "<tr><td>長い表</td></tr></table></div>",
        )
    )
    width_check(page)


def test_axe_checks_wcag_2_2_target_size(browser):
    page = browser.new_page()
    page.set_content(TINY_BUTTONS)
    with pytest.raises(pytest.fail.Exception) as failure:
        axe_check(page)
    assert "target-size" in str(failure.value)


def test_english_words_outside_the_allow_list_are_found_once_each():
    text = "DX推進の Why と What、AI と RPA、PDF をダウンロード。Submit Submit Cancel"
    assert english_words(text) == ["Submit", "Cancel"]
    assert english_words("確認テスト（Excel・CSV）") == []
    assert english_words("メール：staff1001@town.kagamino.example.jp、https://example.jp/a") == []


def test_the_english_check_fails_a_page_with_an_english_button(browser):
    page = browser.new_page()
    page.set_content(FIXED_PAGE.replace("</main>", "<button>Submit</button></main>"))
    with pytest.raises(pytest.fail.Exception) as failure:
        english_check(page)
    assert "Submit" in str(failure.value)
    page.set_content(FIXED_PAGE.replace("</main>", "<button>送信</button></main>"))
    english_check(page)
