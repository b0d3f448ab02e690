"""Sessions, headers, login limits and deployment checks."""

import datetime
import os
import subprocess
import sys
from http import HTTPStatus
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.urls import reverse

from lms.factories import UserFactory
from tests.conftest import PASSWORD
from tests.test_settings import PRODUCTION_ENVIRONMENT

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


def sign_in(client, login, password=PASSWORD, address="10.0.0.1"):
    return client.post(
        reverse("account_login"), {"login": login, "password": password}, REMOTE_ADDR=address
    )


def at(hour, minute=0):
    return datetime.datetime(2026, 11, 28, hour, minute, tzinfo=datetime.UTC)


def test_sessions_end_after_thirty_idle_minutes(client, db, time_machine):
    time_machine.move_to(at(8))
    sign_in(client, UserFactory().staff_number)
    time_machine.move_to(at(8, 29))
    assert client.get(reverse("lms:mypage")).status_code == HTTPStatus.OK

    time_machine.move_to(at(9, 0))
    response = client.get(reverse("lms:mypage"))

    assert response.status_code == HTTPStatus.FOUND
    assert "_auth_user_id" not in client.session


def test_sessions_end_after_twelve_hours_however_active(client, db, time_machine):
    time_machine.move_to(at(8))
    user = UserFactory()
    sign_in(client, user.staff_number)
    for hour in range(8, 20):
        for minute in (0, 20, 40):
            time_machine.move_to(at(hour, minute))
            assert client.get(reverse("lms:mypage")).status_code == HTTPStatus.OK

    time_machine.move_to(at(20, 1))
    response = client.get(reverse("lms:mypage"))

    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"].startswith(reverse("account_login"))
    assert "_auth_user_id" not in client.session


def test_signing_in_rotates_the_session_key(client, db):
    user = UserFactory()
    client.get(reverse("account_login"))
    before = client.cookies.get(settings.SESSION_COOKIE_NAME)

    sign_in(client, user.staff_number)

    after = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert before is None or before.value != after


def test_pages_for_signed_in_staff_are_never_cached(client, db):
    client.force_login(UserFactory())

    response = client.get(reverse("lms:skills"))

    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    assert "frame-ancestors 'self'" in response["Content-Security-Policy"]


def test_a_hundred_colleagues_behind_one_address_each_mistyping_once_are_not_locked_out(client, db):
    people = [UserFactory() for _ in range(100)]
    for person in people:
        sign_in(client, person.staff_number, "wrong", address="203.0.113.9")

    response = sign_in(client, people[-1].staff_number, address="203.0.113.9")

    assert response.status_code == HTTPStatus.FOUND


def test_one_account_is_limited_after_five_failures(client, db):
    user = UserFactory()
    for address in range(5):
        sign_in(client, user.staff_number, "wrong", address=f"10.0.0.{address + 1}")

    response = sign_in(client, user.staff_number, address="10.0.0.99")

    assert response.status_code in (HTTPStatus.OK, HTTPStatus.TOO_MANY_REQUESTS)
    assert "_auth_user_id" not in client.session


def test_failures_by_staff_number_and_by_e_mail_share_one_budget_per_account(client, db):
    user = UserFactory(staff_number="4711")
    for address in range(5):
        sign_in(client, "4711", "wrong", address=f"10.0.1.{address + 1}")

    response = sign_in(client, user.email, address="10.0.1.99")  # the right password

    assert response.status_code in (HTTPStatus.OK, HTTPStatus.TOO_MANY_REQUESTS)
    assert "_auth_user_id" not in client.session


def test_failures_by_e_mail_then_by_staff_number_and_typed_differently_share_it_too(client, db):
    user = UserFactory(staff_number="4712")
    for login in [user.email, user.email.upper(), " " + user.email, user.email, "４７１２"]:
        sign_in(client, login, "wrong")

    sign_in(client, "4712")

    assert "_auth_user_id" not in client.session


def test_other_accounts_keep_their_own_budget(client, db):
    limited, other = UserFactory(), UserFactory()
    for _ in range(5):
        sign_in(client, limited.staff_number, "wrong")

    sign_in(client, other.email)

    assert client.session["_auth_user_id"] == str(other.pk)


def refusal_codes(response):
    return [error.code for error in response.context["form"].errors.as_data().get("__all__", [])]


def test_unknown_names_are_still_limited_per_name_typed(client, db):
    tries = [refusal_codes(sign_in(client, "nobody@example.jp", "wrong")) for _ in range(6)]
    other_name = refusal_codes(sign_in(client, "nobody.else@example.jp", "wrong"))

    assert all("too_many_login_attempts" not in codes for codes in tries[:5])
    assert "too_many_login_attempts" in tries[5]
    assert "too_many_login_attempts" not in other_name


def test_a_limited_account_can_sign_in_again_after_the_cool_off(client, db, time_machine):
    user = UserFactory()
    time_machine.move_to(at(9, 0))
    for _ in range(5):
        sign_in(client, user.staff_number, "wrong")
    assert "_auth_user_id" not in sign_in(client, user.staff_number).wsgi_request.session

    time_machine.move_to(at(9, 6))  # the five-minute window has passed
    sign_in(client, user.staff_number)

    assert client.session["_auth_user_id"] == str(user.pk)


def test_deactivating_someone_ends_all_their_sessions_at_once(db):
    from django.test import Client

    user = UserFactory()
    browsers = [Client(), Client()]  # signed in at a desk and on a shared PC
    for browser in browsers:
        sign_in(browser, user.staff_number)
        assert browser.get(reverse("lms:mypage")).status_code == HTTPStatus.OK

    user.is_active = False
    user.save(update_fields=["is_active"])

    for browser in browsers:
        response = browser.get(reverse("lms:mypage"))
        assert response.status_code == HTTPStatus.FOUND
        assert response["Location"].startswith(reverse("account_login"))


def test_production_settings_pass_the_deployment_check():
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    env.update(
        PRODUCTION_ENVIRONMENT,
        DJANGO_SECRET_KEY="k" * 40 + "Zq8#mW2$xV5&nB7*",
        DJANGO_SETTINGS_MODULE="config.settings.production",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )

    assert result.returncode == 0, result.stdout + result.stderr
