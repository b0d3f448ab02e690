"""Two-factor authentication: required for roles that reach other people's data."""

from http import HTTPStatus

import pytest
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
    yield_hotp_counters_from_time,
)
from django.urls import reverse

from lms.people.roles import Role
from tests.conftest import PASSWORD


def current_code(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, next(yield_hotp_counters_from_time())))


@pytest.mark.parametrize("role", [Role.HR, Role.IT_POLICY, Role.DX_LEADER, Role.DEPT_HEAD])
def test_roles_with_access_to_others_must_set_up_two_factor_first(client, make_staff, role):
    person = make_staff(roles=[role], mfa=False)
    client.post(reverse("account_login"), {"login": person.staff_number, "password": PASSWORD})

    response = client.get(reverse("lms:mypage"))

    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == reverse("mfa_activate_totp")
    # allauth asks for the password once more before a security change.
    assert client.get(reverse("mfa_activate_totp"))["Location"].startswith(
        reverse("account_reauthenticate")
    )
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    setup = client.get(reverse("mfa_activate_totp"))
    assert setup.status_code == HTTPStatus.OK
    assert "data:image/svg+xml" in setup.content.decode()  # the QR code, drawn on the server

    TOTP.activate(person, generate_totp_secret())
    assert client.get(reverse("lms:mypage")).status_code == HTTPStatus.OK


def test_staff_may_go_without_two_factor(client, make_staff):
    client.force_login(make_staff(mfa=False))

    assert client.get(reverse("lms:mypage")).status_code == HTTPStatus.OK


def test_sign_in_asks_for_the_code_and_accepts_the_right_one(client, make_staff):
    hr = make_staff(roles=[Role.HR], mfa=False, staff_number="5555")
    secret = generate_totp_secret()
    TOTP.activate(hr, secret)

    step_one = client.post(reverse("account_login"), {"login": "5555", "password": PASSWORD})
    assert step_one["Location"] == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session

    wrong = client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert "_auth_user_id" not in client.session and wrong.status_code == HTTPStatus.OK

    client.post(reverse("mfa_authenticate"), {"code": current_code(secret)})
    assert client.session["_auth_user_id"] == str(hr.pk)
    assert client.get(reverse("lms:hr_dashboard")).status_code == HTTPStatus.OK


def test_the_admin_sign_in_goes_through_the_same_two_factor_step(client, make_staff):
    admin = make_staff(roles=[Role.ADMIN], mfa=False, staff_number="6666", is_superuser=True)
    secret = generate_totp_secret()
    TOTP.activate(admin, secret)

    login_page = client.get("/admin/")["Location"]
    response = client.post(login_page, {"login": "6666", "password": PASSWORD})

    assert response["Location"] == reverse("mfa_authenticate")


def test_staff_opt_in_to_two_factor_and_every_change_is_audited(
    client, make_staff, django_capture_on_commit_callbacks
):
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY

    from lms.models import AuditEvent

    make_staff(staff_number="7777")
    client.post(reverse("account_login"), {"login": "7777", "password": PASSWORD})
    # Changing sign-in security asks for the password again (allauth).
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    assert client.get(reverse("mfa_activate_totp")).status_code == HTTPStatus.OK
    secret = client.session[SECRET_SESSION_KEY]

    wrong = client.post(reverse("mfa_activate_totp"), {"code": "000000"})
    assert wrong.status_code == HTTPStatus.OK and not Authenticator.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):  # allauth signals after commit
        client.post(reverse("mfa_activate_totp"), {"code": current_code(secret)})
    assert Authenticator.objects.filter(type=Authenticator.Type.TOTP).exists()

    actions = list(AuditEvent.objects.values_list("action", flat=True))
    assert AuditEvent.Action.MFA_ADDED in actions
    event = AuditEvent.objects.filter(action=AuditEvent.Action.MFA_ADDED).first()
    assert event.detail["kind"] in ("totp", "recovery_codes") and event.ip_address


def test_a_wrong_code_at_sign_in_is_audited(client, make_staff):
    from lms.models import AuditEvent

    hr = make_staff(roles=[Role.HR], mfa=False, staff_number="5556")
    TOTP.activate(hr, generate_totp_secret())
    client.post(reverse("account_login"), {"login": "5556", "password": PASSWORD})

    client.post(reverse("mfa_authenticate"), {"code": "000000"})

    event = AuditEvent.objects.get(action=AuditEvent.Action.MFA_FAILED)
    assert event.subject == hr and "000000" not in str(event.detail)


def _signed_in_with_totp(client, make_staff, number):
    person = make_staff(staff_number=number, mfa=False)
    secret = generate_totp_secret()
    TOTP.activate(person, secret)
    client.post(reverse("account_login"), {"login": number, "password": PASSWORD})
    client.post(reverse("mfa_authenticate"), {"code": current_code(secret)})
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    return person


def test_removing_two_factor_and_new_recovery_codes_are_audited(
    client, make_staff, django_capture_on_commit_callbacks
):
    from allauth.mfa.models import Authenticator

    from lms.models import AuditEvent

    person = _signed_in_with_totp(client, make_staff, "7778")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("mfa_generate_recovery_codes"))
        client.post(reverse("mfa_deactivate_totp"))

    assert not Authenticator.objects.filter(user=person, type=Authenticator.Type.TOTP).exists()
    actions = set(AuditEvent.objects.filter(subject=person).values_list("action", flat=True))
    assert {AuditEvent.Action.MFA_RESET, AuditEvent.Action.MFA_REMOVED} <= actions


def test_an_administrator_removing_someones_device_is_audited(client, make_staff):
    from allauth.mfa.models import Authenticator

    from lms.models import AuditEvent

    lost_phone = make_staff(roles=[Role.HR], staff_number="7779")
    admin = make_staff(roles=[Role.ADMIN], is_superuser=True, is_staff=True)
    device = Authenticator.objects.get(user=lost_phone, type=Authenticator.Type.TOTP)
    client.force_login(admin)

    response = client.post(
        reverse("admin:mfa_authenticator_delete", args=[device.pk]), {"post": "yes"}
    )

    assert response.status_code == HTTPStatus.FOUND
    assert not Authenticator.objects.filter(pk=device.pk).exists()
    event = AuditEvent.objects.get(action=AuditEvent.Action.MFA_REMOVED)
    assert (event.actor, event.subject, event.detail["via"]) == (admin, lost_phone, "admin")
