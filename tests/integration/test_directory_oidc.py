"""Signing in through the town's directory, against a real OpenID Provider (issue 18).

The provider is the npm ``oidc-provider`` (a certified OP) in its own node process on
127.0.0.1, started here; the Django test client is the browser at Shinka, ``BrowserAtOp`` the
browser at the provider. Nothing stands in for the provider: every token is issued and signed
by it, fetched from its token endpoint and checked by allauth and lms/people/directory.py.
"""

from http import HTTPStatus
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import pytest
from allauth.socialaccount.models import SocialAccount
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from wagtail.models import Page, Site

from config.settings.directory import socialaccount_providers
from lms.factories import MembershipFactory, UserFactory
from lms.models import AuditEvent, User
from lms.people.roles import Role
from tests.integration.oidc_peer import BrowserAtOp, path_and_query, start_op

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

TOWN_HOST = "test-town.example.jp"
HOSTS = ["testserver", TOWN_HOST]
PROVIDERS = ["test-town", "test-town-mail", "other-town"]
SECRET = "a-client-secret-of-thirty-two-characters"

ACCOUNTS = {
    "hanako": {"employee_id": "1001", "email": "hanako@test-town.example.jp", "amr": ["pwd"]},
    "leaver": {"employee_id": "1002", "email": "leaver@test-town.example.jp", "amr": ["pwd"]},
    "stranger": {"employee_id": "7777", "email": "stranger@test-town.example.jp", "amr": ["pwd"]},
    "hr-mfa": {"employee_id": "3001", "email": "hr1@test-town.example.jp", "amr": ["pwd", "mfa"]},
    "hr-pwd": {"employee_id": "3002", "email": "hr2@test-town.example.jp", "amr": ["pwd"]},
    "hr-nototp": {"employee_id": "3003", "email": "hr3@test-town.example.jp", "amr": ["pwd"]},
    "wrong-aud": {
        "employee_id": "1001",
        "email": "hanako@test-town.example.jp",
        "amr": ["pwd"],
        "id_token_audience": "someone-else",
    },
}


def _op_accounts():
    return {
        login: {
            "password": f"pw-{login}",
            "claims": {
                "employee_id": data["employee_id"],
                "email": data["email"],
                "email_verified": True,
                "name": login,
            },
            "amr": data["amr"],
            **({"id_token_audience": data["id_token_audience"]} if "id_token_audience" in data
               else {}),
        }
        for login, data in ACCOUNTS.items()
    }  # fmt: skip


@pytest.fixture(scope="module")
def op():
    clients = [
        {
            "client_id": f"shinka-{provider}",
            "client_secret": SECRET,
            "redirect_uris": [
                f"http://{host}/accounts/oidc/{provider}/login/callback/" for host in HOSTS
            ],
            "grant_types": ["authorization_code"],
            "response_types": ["code"],
        }
        for provider in PROVIDERS
    ]
    running = start_op(clients=clients, accounts=_op_accounts())
    yield running
    running.stop()


def directory(op, *, trust_mfa=True, towns=None, create_accounts=False):
    def entry(provider, town, **extra):
        return {
            "id": provider,
            "name": f"{town} directory",
            "town": town,
            "server_url": op.address,
            "client_id": f"shinka-{provider}",
            "secret": SECRET,
            "trust_mfa": trust_mfa,
            "create_accounts": create_accounts,
            **extra,
        }

    return {
        "towns": towns or {},
        "oidc": [
            entry("test-town", "TEST", match="staff_number", claim="employee_id"),
            entry("test-town-mail", "TEST", match="email", claim="email"),
            entry("other-town", "OTHER", match="staff_number", claim="employee_id"),
        ],
    }


@pytest.fixture
def configure(settings, op):
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, TOWN_HOST]

    def apply(**kwargs):
        settings.SHINKA_DIRECTORY = directory(op, **kwargs)
        settings.SOCIALACCOUNT_PROVIDERS = socialaccount_providers(settings.SHINKA_DIRECTORY)

    apply()
    return apply


@pytest.fixture
def roster(make_staff, other_town, learning_home, settings):
    settings.SHINKA_MFA_REQUIRED = True
    people = {
        "hanako": make_staff(staff_number="1001", email="hanako@test-town.example.jp",
                             family_name="山田", given_name="花子"),
        "leaver": make_staff(staff_number="1002", email="leaver@test-town.example.jp",
                             is_active=False),
        "hr-mfa": make_staff("jinji", roles=[Role.HR], staff_number="3001",
                             email="hr1@test-town.example.jp"),
        "hr-pwd": make_staff("jinji", roles=[Role.HR], staff_number="3002",
                             email="hr2@test-town.example.jp"),
        "hr-nototp": make_staff("jinji", roles=[Role.HR], mfa=False, staff_number="3003",
                                email="hr3@test-town.example.jp"),
        # The neighbour has its own 1001 (staff numbers repeat between towns).
        "neighbour-1001": UserFactory(organization=other_town["organization"],
                                      staff_number="1001", email="1001@other.example.jp"),
    }  # fmt: skip
    MembershipFactory(user=people["neighbour-1001"], department=other_town["somu"])
    return people


@pytest.fixture
def own_host(roster, organization):
    """The town has its own host name (its Wagtail site)."""
    organization.site = Site.objects.create(
        hostname=TOWN_HOST, port=80, root_page=Page.get_first_root_node()
    )
    organization.save()
    return TOWN_HOST


def start(client, provider, host="testserver"):
    response = client.post(
        reverse("openid_connect_login", kwargs={"provider_id": provider}), HTTP_HOST=host
    )
    assert response.status_code == HTTPStatus.FOUND, response.content[:500]
    return response["Location"]


def round_trip(client, op, provider, login, host="testserver", tamper_authorize=None):
    """The whole sign-in: Shinka → provider (login, consent) → Shinka's callback."""
    authorize = start(client, provider, host)
    if tamper_authorize:
        authorize = tamper_authorize(authorize)
    callback = BrowserAtOp(op.address).sign_in(authorize, login, f"pw-{login}")
    assert callback.startswith(f"http://{host}/accounts/oidc/{provider}/login/callback/")
    return callback, client.get(path_and_query(callback), HTTP_HOST=host)


def signed_in_as(client):
    user_id = client.session.get("_auth_user_id")
    return User.objects.get(pk=user_id) if user_id else None


def refused(response, reason_part, *, text):
    assert response.status_code == HTTPStatus.FORBIDDEN, response.content[:500]
    body = response.content.decode()
    assert text in body, body
    event = AuditEvent.objects.filter(action=AuditEvent.Action.LOGIN_FAILED).latest("pk")
    assert reason_part in event.detail["reason"], event.detail
    return event


def test_a_directory_sign_in_lands_on_mypage_as_the_person_on_the_roster(configure, roster, op):
    client = Client()
    groups_before = set(roster["hanako"].groups.values_list("name", flat=True))

    _, response = round_trip(client, op, "test-town", "hanako")

    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == reverse("lms:mypage")
    assert signed_in_as(client) == roster["hanako"]
    page = client.get(response["Location"])
    assert page.status_code == HTTPStatus.OK
    assert "山田" in page.content.decode()
    account = SocialAccount.objects.get(user=roster["hanako"])
    assert account.provider == "test-town"
    # The directory grants nothing: the roles are Shinka's.
    assert set(roster["hanako"].groups.values_list("name", flat=True)) == groups_before
    event = AuditEvent.objects.filter(action=AuditEvent.Action.LOGIN_SUCCEEDED).latest("pk")
    assert event.subject == roster["hanako"]
    assert event.detail["idp"] == "TEST directory"
    assert AuditEvent.objects.filter(action=AuditEvent.Action.LOGIN_SUCCEEDED).count() == 1

    # Next time the link is there and is used again.
    client2 = Client()
    _, response = round_trip(client2, op, "test-town", "hanako")
    assert signed_in_as(client2) == roster["hanako"]
    assert SocialAccount.objects.filter(user=roster["hanako"]).count() == 1


def test_the_town_may_match_by_e_mail_instead(configure, roster, op):
    client = Client()
    _, response = round_trip(client, op, "test-town-mail", "hanako")
    assert response["Location"] == reverse("lms:mypage")
    assert signed_in_as(client) == roster["hanako"]


def test_a_person_not_on_the_roster_is_refused_and_no_account_is_made(configure, roster, op):
    client = Client()
    people = User.objects.count()
    _, response = round_trip(client, op, "test-town", "stranger")
    event = refused(response, "not_in_roster", text="職員名簿")
    assert event.detail["login"] == "7777"
    assert event.detail["idp"] == "TEST directory"
    assert User.objects.count() == people
    assert not SocialAccount.objects.exists()
    assert signed_in_as(client) is None


def test_a_deactivated_person_is_refused_although_the_directory_knows_them(configure, roster, op):
    client = Client()
    _, response = round_trip(client, op, "test-town", "leaver")
    event = refused(response, "inactive", text="無効")
    assert event.subject == roster["leaver"]
    assert not SocialAccount.objects.exists()
    assert signed_in_as(client) is None


def test_another_towns_directory_does_not_sign_in_on_this_towns_host(
    configure, roster, own_host, op
):
    client = Client()
    _, response = round_trip(client, op, "other-town", "hanako", host=own_host)
    refused(response, "other_town", text="団体")
    assert signed_in_as(client) is None
    assert not SocialAccount.objects.exists()


def test_another_towns_directory_finds_only_its_own_roster(configure, roster, op):
    """OTHER's IdP asserting 3001 (this town's HR, not on OTHER's roster) signs nobody in."""
    client = Client()
    _, response = round_trip(client, op, "other-town", "hr-mfa")
    refused(response, "not_in_roster", text="職員名簿")
    assert signed_in_as(client) is None
    # And its 1001 is the neighbour's 1001, never this town's.
    client = Client()
    round_trip(client, op, "other-town", "hanako")
    assert signed_in_as(client) == roster["neighbour-1001"]


def test_a_state_that_is_not_this_sessions_is_refused(configure, roster, op):
    client = Client()
    callback, _ = None, None
    authorize = start(client, "test-town")
    callback = BrowserAtOp(op.address).sign_in(authorize, "hanako", "pw-hanako")
    # Another browser (an attacker's session) receives the callback: no state of its own.
    other = Client()
    response = other.get(path_and_query(callback))
    refused(response, "authentication_error", text="やり直して")
    assert signed_in_as(other) is None
    # A changed state in the right session is refused too.
    parts = urlsplit(callback)
    query = dict(parse_qsl(parts.query))
    query["state"] = "x" + query["state"][1:]
    response = client.get(f"{parts.path}?{urlencode(query)}")
    refused(response, "authentication_error", text="やり直して")
    assert signed_in_as(client) is None
    assert not SocialAccount.objects.exists()


def test_a_callback_used_twice_is_refused_the_second_time(configure, roster, op):
    client = Client()
    callback, response = round_trip(client, op, "test-town", "hanako")
    assert signed_in_as(client) == roster["hanako"]
    client.post(reverse("account_logout"))
    response = client.get(path_and_query(callback))
    refused(response, "authentication_error", text="やり直して")
    assert signed_in_as(client) is None


def test_a_nonce_that_does_not_match_is_refused(configure, roster, op):
    def change_nonce(url):
        parts = urlsplit(url)
        query = dict(parse_qsl(parts.query))
        assert query.get("nonce"), "Shinka sends a nonce"
        query["nonce"] = "not-the-nonce-shinka-sent"
        return urlunsplit(parts._replace(query=urlencode(query)))

    client = Client()
    _, response = round_trip(client, op, "test-town", "hanako", tamper_authorize=change_nonce)
    refused(response, "nonce", text="一致しません")
    assert signed_in_as(client) is None
    assert not SocialAccount.objects.exists()


def test_an_id_token_for_another_audience_is_refused(configure, roster, op):
    client = Client()
    _, response = round_trip(client, op, "test-town", "wrong-aud")
    refused(response, "OAuth2Error", text="やり直して")
    assert signed_in_as(client) is None
    assert not SocialAccount.objects.exists()


def test_mfa_asserted_by_the_directory_is_not_asked_again(configure, roster, op):
    client = Client()
    _, response = round_trip(client, op, "test-town", "hr-mfa")
    assert response["Location"] == reverse("lms:mypage")
    assert signed_in_as(client) == roster["hr-mfa"]
    assert client.get(reverse("lms:mypage")).status_code == HTTPStatus.OK
    event = AuditEvent.objects.filter(action=AuditEvent.Action.LOGIN_SUCCEEDED).latest("pk")
    assert event.detail["mfa_by_idp"] is True


def test_without_mfa_at_the_directory_shinka_asks_for_its_totp(configure, roster, op):
    client = Client()
    _, response = round_trip(client, op, "test-town", "hr-pwd")
    assert response["Location"] == reverse("mfa_authenticate")
    assert signed_in_as(client) is None  # not until the code is given

    # Someone in a privileged role without TOTP is sent to set it up.
    client = Client()
    _, response = round_trip(client, op, "test-town", "hr-nototp")
    assert signed_in_as(client) == roster["hr-nototp"]
    page = client.get(reverse("lms:mypage"))
    assert page.status_code == HTTPStatus.FOUND
    assert page["Location"] == reverse("mfa_activate_totp")


def test_a_town_that_does_not_trust_its_directorys_mfa_asks_for_totp(configure, roster, op):
    configure(trust_mfa=False)
    client = Client()
    _, response = round_trip(client, op, "test-town", "hr-mfa")
    assert response["Location"] == reverse("mfa_authenticate")
    assert signed_in_as(client) is None


def test_password_sign_in_turned_off_keeps_the_break_glass_administrator(
    configure, roster, op, make_staff
):
    configure(towns={"TEST": {"password_sign_in": False, "break_glass": ["9001"]}})
    admin = make_staff("somu", staff_number="9001", password="break-glass-9001")
    roster["hanako"].set_password("hanako-password-1")
    roster["hanako"].save()

    page = Client().get(reverse("account_login"))
    body = page.content.decode()
    assert "庁内アカウントでログイン" in body
    assert reverse("openid_connect_login", kwargs={"provider_id": "test-town"}) in body

    client = Client()
    response = client.post(
        reverse("account_login"),
        {"login": "1001", "password": "hanako-password-1", "organization": "TEST"},
    )
    assert response.status_code == HTTPStatus.OK
    assert "庁内アカウントでログイン" in response.content.decode()
    assert "パスワードでのログイン" in response.content.decode()
    assert signed_in_as(client) is None

    client = Client()
    response = client.post(
        reverse("account_login"),
        {"login": "9001", "password": "break-glass-9001", "organization": "TEST"},
    )
    assert signed_in_as(client) == admin


def _callback_queries(op, login):
    client = Client()
    authorize = start(client, "test-town")
    callback = BrowserAtOp(op.address).sign_in(authorize, login, f"pw-{login}")
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path_and_query(callback))
    assert response.status_code == HTTPStatus.FOUND
    return len(queries)


def test_the_sign_in_path_makes_as_many_queries_with_a_larger_roster(
    configure, roster, op, make_staff
):
    # First sign-in links the account; the second is the everyday one: measure both.
    first_small, again_small = _callback_queries(op, "hanako"), _callback_queries(op, "hanako")
    for number in range(40):
        person = make_staff(staff_number=f"8{number:03d}")
        SocialAccount.objects.create(user=person, provider="test-town", uid=f"someone-{number}")
    SocialAccount.objects.filter(user=roster["hanako"]).delete()
    assert _callback_queries(op, "hanako") == first_small
    assert _callback_queries(op, "hanako") == again_small


def test_a_town_that_turned_creation_on_gets_a_new_account_without_roles(configure, roster, op):
    configure(create_accounts=True)
    client = Client()
    _, response = round_trip(client, op, "test-town", "stranger")
    assert response.status_code == HTTPStatus.FOUND, response.content[:300]
    person = signed_in_as(client)
    assert person is not None
    assert (person.organization.code, person.staff_number) == ("TEST", "7777")
    assert person.email == "stranger@test-town.example.jp"
    assert not person.groups.exists()
    assert not person.has_usable_password()
    assert SocialAccount.objects.get(user=person).provider == "test-town"


def test_the_directory_link_is_disclosed_and_goes_with_anonymisation(configure, roster, op):
    import datetime

    from lms.audit import Actor
    from lms.privacy.anonymisation import anonymisable_from, person_anonymise
    from lms.privacy.disclosure import person_data_export

    client = Client()
    round_trip(client, op, "test-town", "hanako")
    hanako = roster["hanako"]
    [link] = person_data_export(user=hanako)["directory_links"]
    assert (link["directory"], link["account"]) == ("test-town", "hanako")
    assert link["claims"]["userinfo"]["employee_id"] == "1001"

    hanako.is_active = False
    hanako.save()
    person_anonymise(
        user=hanako, actor=Actor(), today=anonymisable_from(hanako) + datetime.timedelta(days=1)
    )
    assert not SocialAccount.objects.filter(user=hanako).exists()
