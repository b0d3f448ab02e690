"""The error pages: Japanese, in the site's layout, with a way home, the right status.

DEBUG is off (as in production): Django shows its handlers' pages, not the debug page.
The 500 page is rendered by a view that raises, through the project's own handler500.
"""

import pytest
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.http import HttpResponse
from django.test import Client
from django.urls import path

from config import urls as project_urls


def _boom(request):
    raise RuntimeError("a bug")


def _forbidden(request):
    raise PermissionDenied


def _suspicious(request):
    raise SuspiciousOperation("bad input")


def _form(request):
    return HttpResponse("ok")


# This module is the URLconf of the tests below: the project's handlers and URLs, and
# three views that fail on purpose.
urlpatterns = [
    path("test-errors/boom/", _boom),
    path("test-errors/forbidden/", _forbidden),
    path("test-errors/suspicious/", _suspicious),
    *project_urls.urlpatterns,
]
handler400 = project_urls.handler400
handler403 = project_urls.handler403
handler404 = project_urls.handler404
handler500 = project_urls.handler500


@pytest.fixture
def errors(settings):
    settings.DEBUG = False
    settings.ROOT_URLCONF = __name__


def _page(response) -> str:
    return response.content.decode()


def test_the_project_names_its_own_handlers():
    assert project_urls.handler404 == "content.errors.page_not_found"
    assert project_urls.handler500 == "content.errors.server_error"
    from django.conf import settings

    assert settings.CSRF_FAILURE_VIEW == "content.errors.csrf_failure"


def test_404_is_japanese_with_the_way_to_sign_in(client, db, errors):
    response = client.get("/no-such-page/")

    page = _page(response)
    assert response.status_code == 404
    assert '<html lang="ja">' in page
    assert "ページが見つかりません" in page and "エラー 404" in page
    assert 'href="/accounts/login/"' in page and "ログイン画面へ" in page
    assert "Not Found" not in page and "The requested resource" not in page


def test_404_for_a_signed_in_person_leads_to_my_page(client, make_staff, errors):
    client.force_login(make_staff())

    response = client.get("/mypage/people/999999/")

    page = _page(response)
    assert response.status_code == 404
    assert "ページが見つかりません" in page
    assert 'href="/mypage/"' in page and "マイページへ" in page
    assert 'class="site-nav"' in page  # the site's own header, with the person's menu


def test_403_is_japanese(client, make_staff, errors):
    client.force_login(make_staff())

    response = client.get("/test-errors/forbidden/")

    assert response.status_code == 403
    assert "このページを表示する権限がありません" in _page(response)
    assert "マイページへ" in _page(response)


def test_400_is_japanese(client, db, errors):
    response = client.get("/test-errors/suspicious/")

    assert response.status_code == 400
    assert "リクエストを処理できませんでした" in _page(response)
    assert "Bad Request" not in _page(response)


def test_500_is_japanese_and_needs_no_database(db, errors, django_assert_num_queries):
    client = Client(raise_request_exception=False)

    response = client.get("/test-errors/boom/")

    page = _page(response)
    assert response.status_code == 500
    assert "システムエラーが発生しました" in page and "エラー 500" in page
    assert 'href="/mypage/"' in page and 'href="/accounts/login/"' in page
    assert "Server Error" not in page
    # The handler itself reads nothing from the database and needs no context processor.
    from django.test import RequestFactory

    from content.errors import server_error

    with django_assert_num_queries(0):
        again = server_error(RequestFactory().get("/"))
    assert again.status_code == 500 and "システムエラーが発生しました" in again.content.decode()


def test_csrf_failure_is_japanese_with_a_way_home(make_staff, errors):
    client = Client(enforce_csrf_checks=True)
    client.force_login(make_staff())

    response = client.post("/accounts/logout/")

    page = _page(response)
    assert response.status_code == 403
    assert "送信できませんでした" in page and "再読み込み" in page
    assert "マイページへ" in page
    assert "CSRF verification failed" not in page
