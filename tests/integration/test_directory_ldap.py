"""Signing in with the town's LDAP / Active Directory password, against a real OpenLDAP slapd
started here (issue 18). The directory's attribute (here ``employeeNumber``; ``employeeID``
in Active Directory) names the person on HR's roster; nothing else comes from it.
"""

import os
from http import HTTPStatus

import pytest
from django.test import Client
from django.urls import reverse

from lms.models import AuditEvent, User
from lms.people.roles import Role
from tests.integration.ldap_peer import SUFFIX, start_slapd

if not (os.environ.get("CI") or os.environ.get("SHINKA_INTEGRATION")):
    # CI installs the `ldap` extra (.ci/run): missing there is a failure, not a skip.
    pytest.importorskip("django_auth_ldap", reason="the `ldap` extra is not installed")

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

PEOPLE = {
    # uid: (employeeNumber, password)
    "hanako": ("1001", "ldap-pw-hanako"),
    "leaver": ("1002", "ldap-pw-leaver"),
    "stranger": ("7777", "ldap-pw-stranger"),
    "jinji": ("3001", "ldap-pw-jinji"),
}


def _ldif() -> str:
    entries = [
        f"dn: {SUFFIX}\nobjectClass: dcObject\nobjectClass: organization\no: town\ndc: town\n"
    ]
    entries.append(f"dn: ou=staff,{SUFFIX}\nobjectClass: organizationalUnit\nou: staff\n")
    for uid, (number, password) in PEOPLE.items():
        entries.append(
            f"dn: uid={uid},ou=staff,{SUFFIX}\nobjectClass: inetOrgPerson\nuid: {uid}\n"
            f"cn: {uid}\nsn: {uid}\nemployeeNumber: {number}\n"
            f"mail: {uid}@test-town.example.jp\nuserPassword: {password}\n"
        )
    return "\n".join(entries)


@pytest.fixture(scope="module")
def slapd():
    running = start_slapd(_ldif())
    yield running
    running.stop()


@pytest.fixture
def directory(settings, slapd):
    settings.SHINKA_DIRECTORY = {
        "ldap": [
            {
                "town": "TEST",
                "name": "TEST AD",
                "server_uri": slapd.address,
                "user_search_base": f"ou=staff,{SUFFIX}",
                "user_filter": "(uid=%(user)s)",
                "attribute": "employeeNumber",
                "match": "staff_number",
            }
        ]
    }
    settings.AUTHENTICATION_BACKENDS = [
        "lms.people.accounts.StaffAuthenticationBackend",
        "lms.people.directory_ldap.TownLDAPBackend",
    ]
    return settings.SHINKA_DIRECTORY


@pytest.fixture
def roster(make_staff, learning_home, settings):
    settings.SHINKA_MFA_REQUIRED = True
    return {
        "hanako": make_staff(staff_number="1001", family_name="山田", given_name="花子"),
        "leaver": make_staff(staff_number="1002", is_active=False),
        "jinji": make_staff("jinji", roles=[Role.HR], staff_number="3001"),
    }


def sign_in(client, login, password):
    return client.post(reverse("account_login"), {"login": login, "password": password})


def signed_in_as(client):
    user_id = client.session.get("_auth_user_id")
    return User.objects.get(pk=user_id) if user_id else None


def test_the_directory_password_signs_in_the_person_on_the_roster(directory, roster):
    client = Client()
    groups = set(roster["hanako"].groups.values_list("name", flat=True))
    response = sign_in(client, "hanako", "ldap-pw-hanako")
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == reverse("lms:mypage")
    assert signed_in_as(client) == roster["hanako"]
    assert "山田" in client.get(reverse("lms:mypage")).content.decode()
    assert set(roster["hanako"].groups.values_list("name", flat=True)) == groups
    event = AuditEvent.objects.filter(action=AuditEvent.Action.LOGIN_SUCCEEDED).latest("pk")
    assert event.subject == roster["hanako"]
    assert event.detail == {"idp": "TEST AD", "via": "ldap"}


def test_a_wrong_directory_password_is_refused(directory, roster):
    client = Client()
    response = sign_in(client, "hanako", "not-the-password")
    assert response.status_code == HTTPStatus.OK
    assert "正しくありません" in response.content.decode()
    assert signed_in_as(client) is None


def test_someone_in_the_directory_but_not_on_the_roster_is_refused(directory, roster):
    client = Client()
    people = User.objects.count()
    response = sign_in(client, "stranger", "ldap-pw-stranger")
    assert response.status_code == HTTPStatus.OK
    assert signed_in_as(client) is None
    assert User.objects.count() == people
    event = AuditEvent.objects.filter(
        action=AuditEvent.Action.LOGIN_FAILED, detail__reason="not_in_roster"
    ).get()
    assert event.detail["idp"] == "TEST AD"
    assert event.detail["directory_value"] == "7777"


def test_a_deactivated_person_is_refused_although_the_directory_knows_them(directory, roster):
    client = Client()
    sign_in(client, "leaver", "ldap-pw-leaver")
    assert signed_in_as(client) is None
    event = AuditEvent.objects.filter(
        action=AuditEvent.Action.LOGIN_FAILED, detail__reason="inactive"
    ).get()
    assert event.subject == roster["leaver"]


def test_privileged_roles_still_give_shinkas_totp_after_the_directory_password(directory, roster):
    client = Client()
    response = sign_in(client, "jinji", "ldap-pw-jinji")
    assert response["Location"] == reverse("mfa_authenticate")
    assert signed_in_as(client) is None


def test_with_password_sign_in_off_the_directory_password_still_signs_in(
    directory, roster, settings
):
    settings.SHINKA_DIRECTORY = {**directory, "towns": {"TEST": {"password_sign_in": False}}}
    roster["hanako"].set_password("local-password-1")
    roster["hanako"].save()
    client = Client()
    sign_in(client, "1001", "local-password-1")
    assert signed_in_as(client) is None
    sign_in(client, "hanako", "ldap-pw-hanako")
    assert signed_in_as(client) == roster["hanako"]
