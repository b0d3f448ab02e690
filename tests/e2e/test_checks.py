"""The checks the journeys rely on can fail."""

import pytest

from .conftest import axe_check

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
