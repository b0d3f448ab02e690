"""Both admins: staff without access land on マイページ (no redirect loop); searches are cut
to a length the database can search, before any query."""

from http import HTTPStatus
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.urls import reverse

from content.middleware import ADMIN_SEARCH_MAX_LENGTH
from lms.people.roles import Role

ADMIN_SEARCHES = [
    "wagtailadmin_pages:search",
    "wagtailimages:index",
    "wagtaildocs:index",
    "wagtailusers_users:index",
    "wagtailusers_groups:index",
    "wagtailsnippets_content_glossaryterm:list",
    "wagtailsnippets_assessments_question:list",
    "department:index",
    "outgoing_mail:index",
    "wagtailadmin_choose_page_search",
    "wagtailimages_chooser:choose_results",
    "wagtaildocs_chooser:choose_results",
    "admin:lms_user_changelist",
]
# What broke SQLite: one 10,000-character word ("LIKE or GLOB pattern too complex" past
# 50,000 bytes, and a RecursionError in Wagtail's search parser at thousands of words), or
# thousands of words ("Expression tree is too large").
LONG_SEARCHES = ["住民票" * 3400, "a " * 5000, "x" * 10_000]


@pytest.mark.parametrize("path", ["/admin/", "/admin/pages/", "/django-admin/"])
def test_staff_who_type_an_admin_address_land_on_my_page_with_a_message(client, make_staff, path):
    client.force_login(make_staff())

    response = client.get(path, follow=True)  # the test client raises on a redirect loop

    assert response.status_code == HTTPStatus.OK
    assert response.redirect_chain == [(reverse("lms:mypage"), HTTPStatus.FOUND)]
    assert "管理画面を利用する権限がない" in response.content.decode()


def test_people_with_access_still_reach_the_admin(client, make_staff):
    client.force_login(make_staff(roles=[Role.HR]))

    response = client.get(reverse("wagtailadmin_home"))

    assert response.status_code == HTTPStatus.OK


def test_an_anonymous_visitor_of_the_admin_is_still_sent_to_sign_in(client, db):
    response = client.get("/admin/", follow=True)

    assert response.redirect_chain[-1][0].startswith(reverse("account_login"))
    assert response.status_code == HTTPStatus.OK


@pytest.fixture
def administrator(make_staff, learning_home):
    client = Client()
    client.force_login(make_staff(roles=[Role.ADMIN], is_superuser=True, is_staff=True))
    return client


@pytest.mark.parametrize("name", ADMIN_SEARCHES)
@pytest.mark.parametrize("search", LONG_SEARCHES, ids=["one-word", "many-words", "ascii"])
def test_a_long_admin_search_is_cut_with_a_message_never_a_server_error(
    administrator, name, search
):
    url = reverse(name)

    response = administrator.get(url, {"q": search})

    assert response.status_code == HTTPStatus.FOUND
    location = urlsplit(response["Location"])
    assert location.path == url
    assert parse_qs(location.query)["q"] == [search[:ADMIN_SEARCH_MAX_LENGTH]]
    searched = administrator.get(response["Location"])  # raises if the search fails
    assert searched.status_code == HTTPStatus.OK


def test_the_message_says_how_long_a_search_may_be(administrator):
    response = administrator.get(
        reverse("wagtailimages:index"), {"q": "住民票" * 3400}, follow=True
    )

    assert f"検索語は{ADMIN_SEARCH_MAX_LENGTH}文字まで" in response.content.decode()


def test_a_search_of_the_allowed_length_is_left_alone(administrator):
    search = "あ" * ADMIN_SEARCH_MAX_LENGTH

    response = administrator.get(reverse("admin:lms_user_changelist"), {"q": search})

    assert response.status_code == HTTPStatus.OK
