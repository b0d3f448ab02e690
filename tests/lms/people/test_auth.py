from http import HTTPStatus

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

from lms.factories import UserFactory
from tests.conftest import PASSWORD


@pytest.fixture
def staff(db):
    return UserFactory(staff_number="1234", email="yamada@town.example.jp")


def sign_in(client, login, password=PASSWORD):
    return client.post(reverse("account_login"), {"login": login, "password": password})


@pytest.mark.parametrize("login", ["1234", "１２３４", " 1234 ", "yamada@town.example.jp"])
def test_staff_sign_in_by_staff_number_or_email(client, staff, login):
    response = sign_in(client, login)

    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == reverse("lms:mypage")
    assert client.session["_auth_user_id"] == str(staff.pk)


def test_wrong_password_shows_an_error_in_japanese(client, staff):
    response = sign_in(client, "1234", "wrong-password")

    assert response.status_code == HTTPStatus.OK
    assert "_auth_user_id" not in client.session
    assert "正しくありません" in response.content.decode()


@pytest.mark.parametrize("login", ["1" * 100_000, "住" * 100_000, "a@" + "b" * 300])
def test_a_login_longer_than_an_email_address_is_refused_with_a_message(client, staff, login):
    response = sign_in(client, login)  # on SQLite a 100,000-character one was a server error

    assert response.status_code == HTTPStatus.OK
    assert "_auth_user_id" not in client.session
    assert "職員番号またはメールアドレスは254文字以内で入力してください。" in (
        response.content.decode()
    )


def test_the_login_field_stops_typing_at_254_characters(client, db):
    html = client.get(reverse("account_login")).content.decode()

    assert 'maxlength="254"' in html


def test_sign_in_page_is_in_japanese_and_labels_its_fields(client, db):
    html = client.get(reverse("account_login")).content.decode()

    assert '<html lang="ja">' in html
    assert "職員番号" in html
    assert '<label for="id_login"' in html and '<label for="id_password"' in html


def test_there_is_no_open_sign_up(client, db):
    response = client.post(
        reverse("account_signup"),
        {
            "email": "new@example.jp",
            "username": "9999",
            "password1": "a-long-password-1",
            "password2": "a-long-password-1",
        },
    )

    assert response.status_code == HTTPStatus.OK
    assert "人事担当" in response.content.decode()
    assert not get_user_model().objects.filter(staff_number="9999").exists()


def test_password_reset_sends_an_email(client, staff):
    response = client.post(reverse("account_reset_password"), {"email": staff.email})

    assert response.status_code == HTTPStatus.FOUND
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [staff.email]


def test_wagtail_admin_login_goes_through_allauth(client, db):
    assert client.get("/admin/").headers["Location"].startswith(reverse("account_login"))
    response = client.get("/admin/login/?next=/admin/pages/")
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == reverse("account_login") + "?next=/admin/pages/"


def test_django_admin_login_goes_through_allauth(client, db):
    response = client.get(reverse("admin:login"))

    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"].startswith(reverse("account_login"))


def test_sign_out_needs_post_and_ends_the_session(client, staff):
    client.force_login(staff)

    client.get(reverse("account_logout"))  # shows a confirmation; does not sign out
    assert client.session["_auth_user_id"] == str(staff.pk)
    response = client.post(reverse("account_logout"))

    assert response.status_code == HTTPStatus.FOUND
    assert "_auth_user_id" not in client.session
