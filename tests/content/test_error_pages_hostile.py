"""The error pages with DEBUG off, reached the ways a hostile visitor reaches them: a
forged Host header (400), a role's page opened by staff (403), an address made of markup
(404), a view that fails (500). Japanese, and nothing of the stack, the settings or the
address echoed unescaped."""

from http import HTTPStatus

from django.conf import settings as django_settings
from django.test import Client

from tests.content.test_error_pages import errors

__all__ = ["errors"]  # the fixture: DEBUG off, the project's handlers and a failing view

LEAKS = ("Traceback", "SECRET_KEY", "settings.py", "site-packages", "DEBUG", "RuntimeError")


def _clean(page: str) -> bool:
    return not any(leak in page for leak in LEAKS) and django_settings.SECRET_KEY not in page


def test_a_forged_host_header_gets_the_japanese_400(client, db, errors):
    response = client.get("/accounts/login/", HTTP_HOST="evil.example.com")

    page = response.content.decode()
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "リクエストを処理できませんでした" in page
    assert "evil.example.com" not in page
    assert _clean(page)


def test_staff_opening_the_hr_page_get_the_japanese_403(client, make_staff, errors):
    client.force_login(make_staff())

    response = client.get("/mypage/dashboards/hr/")

    page = response.content.decode()
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert "403" in page and "Forbidden" not in page
    assert _clean(page)


def test_an_address_made_of_markup_is_not_echoed(client, make_staff, errors):
    client.force_login(make_staff())

    response = client.get("/no-such-page/<script>alert(1)</script>/")

    page = response.content.decode()
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert "ページが見つかりません" in page or "見つかりません" in page
    assert "<script>alert(1)</script>" not in page
    assert _clean(page)


def test_the_500_page_shows_no_stack_and_no_setting(db, errors):
    response = Client(raise_request_exception=False).get("/test-errors/boom/")

    page = response.content.decode()
    assert response.status_code == HTTPStatus.INTERNAL_SERVER_ERROR
    assert "a bug" not in page
    assert _clean(page)


def test_a_colleagues_page_and_a_huge_id_are_the_same_japanese_404(client, make_staff, errors):
    colleague = make_staff()
    client.force_login(make_staff())

    theirs = client.get(f"/mypage/people/{colleague.pk}/")
    huge = client.get("/mypage/people/999999999999999999/")

    assert theirs.status_code == huge.status_code == HTTPStatus.NOT_FOUND
    for response in (theirs, huge):
        assert "見つかりません" in response.content.decode()
        assert colleague.get_full_name() not in response.content.decode()
