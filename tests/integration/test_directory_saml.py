"""Signing in through the town's directory with SAML 2.0, against real identity providers.

Two pysaml2 IdPs (``saml_idp/idp.py``, one for this town and one for its neighbour) run in
their own processes on 127.0.0.1, started here; their metadata is read from them and given to
Shinka as files (as a town on the closed network does). The Django test client is the browser
at Shinka, ``BrowserAtIdP`` the browser at the IdP. Nothing stands in for the IdPs: every
response is built and signed by them (with their key, another key, or none, as the account
says) and checked by python3-saml, allauth and lms/people/directory.py.
"""

import base64
import zlib
from http import HTTPStatus
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from allauth.socialaccount.models import SocialAccount
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from wagtail.models import Page, Site

from config.settings.directory import saml_installed, socialaccount_providers
from lms.factories import MembershipFactory, UserFactory
from lms.models import AuditEvent, User
from lms.people.roles import Role
from tests.integration.peers import unavailable
from tests.integration.saml_peer import (
    BrowserAtIdP,
    idp_metadata,
    register_service_provider,
    start_idp,
)

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

TOWN_HOST = "test-town.example.jp"
TEST_IDP = "https://idp.test-town.example.jp/saml"
OTHER_IDP = "https://idp.other-town.example.jp/saml"
EMPLOYEE_ID = "http://schemas.microsoft.com/identity/claims/employeeid"
EMAIL = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress"
MFA_CONTEXT = "http://schemas.microsoft.com/claims/multipleauthn"

PEOPLE = {
    "hanako": ("1001", "hanako@test-town.example.jp"),
    "leaver": ("1002", "leaver@test-town.example.jp"),
    "stranger": ("7777", "stranger@test-town.example.jp"),
    "hr-mfa": ("3001", "hr1@test-town.example.jp"),
    "hr-pwd": ("3002", "hr2@test-town.example.jp"),
}


def _accounts(**extra_by_login):
    accounts = {}
    for login, (number, email) in PEOPLE.items():
        accounts[login] = {
            "password": f"pw-{login}",
            "name_id": f"nameid-{login}",
            "attributes": {EMPLOYEE_ID: [number], EMAIL: [email]},
        }
    # The same person, answered in the ways a response must be refused.
    for login, signing in [("unsigned", "none"), ("assertion-only", "assertion"),
                           ("rogue", "rogue")]:  # fmt: skip
        accounts[login] = {**accounts["hanako"], "password": f"pw-{login}", "signing": signing}
    accounts["hr-mfa"]["authn_context"] = MFA_CONTEXT
    return accounts


@pytest.fixture(scope="module", autouse=True)
def saml_extra():
    if not saml_installed():
        unavailable(
            "the SAML service provider",
            "the saml extra (python3-saml, xmlsec) is not installed",
            "pip install -e '.[saml]' (CI installs it)",
        )


@pytest.fixture(scope="module")
def idps(tmp_path_factory):
    running = {
        "TEST": start_idp(entity_id=TEST_IDP, accounts=_accounts()),
        "OTHER": start_idp(entity_id=OTHER_IDP, accounts=_accounts()),
    }
    folder = tmp_path_factory.mktemp("idp-metadata")
    files = {}
    for town, idp in running.items():
        files[town] = folder / f"{town}.xml"
        files[town].write_text(idp_metadata(idp))
    yield {"running": running, "metadata": files}
    for idp in running.values():
        idp.stop()


def directory(idps, *, trust_mfa=True, towns=None):
    def entry(slug, town, **extra):
        return {
            "id": slug,
            "name": f"{town} SAML",
            "town": town,
            "metadata_file": str(idps["metadata"][town]),
            "attribute": EMPLOYEE_ID,
            "match": "staff_number",
            "trust_mfa": trust_mfa,
            "allow_single_label_domains": True,  # the test client's host is "testserver"
            **extra,
        }

    return {
        "towns": towns or {},
        "saml": [
            entry("test-town", "TEST"),
            entry("test-town-mail", "TEST", attribute=EMAIL, match="email"),
            entry("other-town", "OTHER"),
        ],
    }


@pytest.fixture
def configure(settings, idps):
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, TOWN_HOST]

    def apply(**kwargs):
        settings.SHINKA_DIRECTORY = directory(idps, **kwargs)
        settings.SOCIALACCOUNT_PROVIDERS = socialaccount_providers(settings.SHINKA_DIRECTORY)

    apply()
    # Each town registers Shinka at its IdP with the metadata Shinka serves (per host name).
    for slug, town in [("test-town", "TEST"), ("test-town-mail", "TEST"), ("other-town", "OTHER")]:
        for host in ("testserver", TOWN_HOST):
            metadata = Client().get(
                reverse("saml_metadata", kwargs={"organization_slug": slug}), HTTP_HOST=host
            )
            assert metadata.status_code == HTTPStatus.OK, metadata.content[:300]
            register_service_provider(idps["running"][town], metadata.content)
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
        # The neighbour has its own 1001 (staff numbers repeat between towns).
        "neighbour-1001": UserFactory(organization=other_town["organization"],
                                      staff_number="1001", email="1001@other.example.jp"),
    }  # fmt: skip
    MembershipFactory(user=people["neighbour-1001"], department=other_town["somu"])
    return people


@pytest.fixture
def own_host(roster, organization):
    organization.site = Site.objects.create(
        hostname=TOWN_HOST, port=80, root_page=Page.get_first_root_node()
    )
    organization.save()
    return TOWN_HOST


def start(client, slug, host="testserver"):
    response = client.post(
        reverse("saml_login", kwargs={"organization_slug": slug}), HTTP_HOST=host
    )
    assert response.status_code == HTTPStatus.FOUND, response.content[:500]
    return response["Location"]


def at_idp(idps, town, redirect, login):
    """The browser at ``town``'s IdP with Shinka's request: (ACS URL, posted fields)."""
    idp = idps["running"][town]
    query = urlsplit(redirect).query
    return BrowserAtIdP(idp.address).sign_in(
        f"{idp.address}/sso/redirect?{query}", login, f"pw-{login}"
    )


def post_to_shinka(client, acs, fields, host="testserver"):
    """The IdP's self-submitting form, posted; allauth's ACS then finishes in a GET."""
    parts = urlsplit(acs)
    assert parts.netloc == host, acs
    response = client.post(parts.path, fields, HTTP_HOST=host)
    assert response.status_code == HTTPStatus.FOUND, response.content[:500]
    return client.get(response["Location"], HTTP_HOST=host)


def round_trip(client, idps, slug, login, *, town="TEST", host="testserver"):
    acs, fields = at_idp(idps, town, start(client, slug, host), login)
    return (acs, fields), post_to_shinka(client, acs, fields, host)


def signed_in_as(client):
    user_id = client.session.get("_auth_user_id")
    return User.objects.get(pk=user_id) if user_id else None


def refused(response, reason_part, *, text):
    assert response.status_code == HTTPStatus.FORBIDDEN, response.content[:800]
    body = response.content.decode()
    assert text in body, body
    event = AuditEvent.objects.filter(action=AuditEvent.Action.LOGIN_FAILED).latest("pk")
    assert reason_part in event.detail["reason"], event.detail
    return event


def nobody_signed_in(client):
    assert signed_in_as(client) is None
    assert not SocialAccount.objects.exists()


def test_a_signed_response_signs_in_the_person_on_the_towns_roster(configure, roster, idps):
    client = Client()
    groups_before = set(roster["hanako"].groups.values_list("name", flat=True))

    _, response = round_trip(client, idps, "test-town", "hanako")

    assert response.status_code == HTTPStatus.FOUND, response.content[:800]
    assert response["Location"] == reverse("lms:mypage")
    assert signed_in_as(client) == roster["hanako"]
    assert "山田" in client.get(response["Location"]).content.decode()
    account = SocialAccount.objects.get(user=roster["hanako"])
    assert (account.provider, account.uid) == (TEST_IDP, "nameid-hanako")
    assert account.extra_data["attributes"][EMPLOYEE_ID] == ["1001"]
    assert set(roster["hanako"].groups.values_list("name", flat=True)) == groups_before
    event = AuditEvent.objects.filter(action=AuditEvent.Action.LOGIN_SUCCEEDED).latest("pk")
    assert (event.subject, event.detail["idp"], event.detail["town"]) == (
        roster["hanako"], "TEST SAML", "TEST",
    )  # fmt: skip
    assert event.detail["mfa_by_idp"] is False

    # The next sign-in uses the link.
    client2 = Client()
    round_trip(client2, idps, "test-town", "hanako")
    assert signed_in_as(client2) == roster["hanako"]
    assert SocialAccount.objects.filter(user=roster["hanako"]).count() == 1


def test_the_town_may_match_by_e_mail_instead(configure, roster, idps):
    client = Client()
    _, response = round_trip(client, idps, "test-town-mail", "hanako")
    assert response["Location"] == reverse("lms:mypage")
    assert signed_in_as(client) == roster["hanako"]


@pytest.mark.parametrize(
    "login",
    [
        "unsigned",  # neither the response nor the assertion signed
        "assertion-only",  # the assertion signed, the response not
        "rogue",  # both signed, with a key that is not the IdP's
    ],
)
def test_a_response_not_signed_by_the_idps_key_is_refused(configure, roster, idps, login):
    client = Client()
    _, response = round_trip(client, idps, "test-town", login)
    event = refused(response, "saml", text="やり直して")
    assert event.detail["idp"] == "TEST SAML"
    nobody_signed_in(client)


def test_a_response_changed_after_signing_is_refused(configure, roster, idps):
    """hanako's signed response, with HR's staff number written into it."""
    client = Client()
    acs, fields = at_idp(idps, "TEST", start(client, "test-town"), "hanako")
    xml = base64.b64decode(fields["SAMLResponse"]).decode()
    assert xml.count(">1001<") == 1
    fields["SAMLResponse"] = base64.b64encode(xml.replace(">1001<", ">3001<").encode()).decode()
    response = post_to_shinka(client, acs, fields)
    refused(response, "saml", text="やり直して")
    nobody_signed_in(client)


def test_a_replayed_response_is_refused_in_japanese(configure, roster, idps):
    client = Client()
    (acs, fields), response = round_trip(client, idps, "test-town", "hanako")
    assert signed_in_as(client) == roster["hanako"]
    client.post(reverse("account_logout"))
    assert signed_in_as(client) is None

    # The same browser posts it again…
    response = post_to_shinka(client, acs, fields)
    event = refused(response, "replayed_or_foreign_response", text="既に使われた")
    assert event.detail["idp"] == "TEST SAML"
    assert signed_in_as(client) is None
    # …and so does another one (a response picked up on the way).
    other = Client()
    response = post_to_shinka(other, acs, fields)
    refused(response, "replayed_or_foreign_response", text="既に使われた")
    assert signed_in_as(other) is None
    assert AuditEvent.objects.filter(action=AuditEvent.Action.LOGIN_SUCCEEDED).count() == 1


def test_a_person_not_on_the_roster_is_refused_and_no_account_is_made(configure, roster, idps):
    client = Client()
    people = User.objects.count()
    _, response = round_trip(client, idps, "test-town", "stranger")
    event = refused(response, "not_in_roster", text="職員名簿")
    assert (event.detail["login"], event.detail["idp"]) == ("7777", "TEST SAML")
    assert User.objects.count() == people
    nobody_signed_in(client)


def test_a_deactivated_person_is_refused(configure, roster, idps):
    client = Client()
    _, response = round_trip(client, idps, "test-town", "leaver")
    event = refused(response, "inactive", text="無効")
    assert event.subject == roster["leaver"]
    nobody_signed_in(client)


def test_another_towns_idp_does_not_sign_in_on_this_towns_host(configure, roster, own_host, idps):
    client = Client()
    _, response = round_trip(client, idps, "other-town", "hanako", town="OTHER", host=own_host)
    refused(response, "other_town", text="団体")
    nobody_signed_in(client)


def test_another_towns_idp_finds_only_its_own_roster(configure, roster, idps):
    """OTHER's IdP asserting 3001 (this town's HR) signs nobody in; its 1001 is its own."""
    client = Client()
    _, response = round_trip(client, idps, "other-town", "hr-mfa", town="OTHER")
    refused(response, "not_in_roster", text="職員名簿")
    assert signed_in_as(client) is None
    client = Client()
    round_trip(client, idps, "other-town", "hanako", town="OTHER")
    assert signed_in_as(client) == roster["neighbour-1001"]


def test_another_towns_signed_response_posted_to_this_towns_acs_is_refused(configure, roster, idps):
    """The neighbour's IdP signs (its issuer, its key) a response naming 1001; posted to this
    town's assertion consumer instead of its own, it is refused: 1001 here is hanako."""
    client = Client()
    start(client, "test-town")  # this browser has a sign-in of this town pending too
    acs, fields = at_idp(idps, "OTHER", start(client, "other-town"), "hanako")
    this_towns_acs = reverse("saml_acs", kwargs={"organization_slug": "test-town"})
    assert urlsplit(acs).path != this_towns_acs
    response = post_to_shinka(client, f"http://testserver{this_towns_acs}", fields)
    event = refused(response, "saml", text="やり直して")
    assert event.detail["idp"] == "TEST SAML"
    nobody_signed_in(client)


def test_a_request_without_a_host_header_is_not_a_500(configure, roster, idps):
    client = Client()
    _, fields = at_idp(idps, "TEST", start(client, "test-town"), "hanako")
    environ = {"SERVER_NAME": "testserver"}
    response = client.post(
        reverse("saml_acs", kwargs={"organization_slug": "test-town"}), fields, **environ
    )
    response = client.get(response["Location"], **environ)
    assert response.status_code == HTTPStatus.FOUND, response.content[:300]
    assert signed_in_as(client) == roster["hanako"]
    response = client.get(reverse("saml_sls", kwargs={"organization_slug": "test-town"}))
    assert response.status_code < HTTPStatus.INTERNAL_SERVER_ERROR


def test_the_service_providers_metadata_is_served(configure, idps):
    response = Client().get(reverse("saml_metadata", kwargs={"organization_slug": "test-town"}))
    assert response.status_code == HTTPStatus.OK
    assert response["Content-Type"].startswith("text/xml")
    body = response.content.decode()
    assert 'entityID="http://testserver/accounts/saml/test-town/metadata/"' in body
    assert 'Location="http://testserver/accounts/saml/test-town/acs/"' in body
    assert 'WantAssertionsSigned="true"' in body
    missing = Client().get(reverse("saml_metadata", kwargs={"organization_slug": "nobody"}))
    assert missing.status_code == HTTPStatus.NOT_FOUND


def test_the_sign_in_page_offers_the_towns_idp(configure, roster, own_host, idps):
    body = Client().get(reverse("account_login"), HTTP_HOST=own_host).content.decode()
    assert "庁内アカウントでログイン" in body
    assert reverse("saml_login", kwargs={"organization_slug": "test-town"}) in body
    assert reverse("saml_login", kwargs={"organization_slug": "other-town"}) not in body


def test_mfa_in_the_authentication_context_is_not_asked_again(configure, roster, idps):
    client = Client()
    _, response = round_trip(client, idps, "test-town", "hr-mfa")
    assert response["Location"] == reverse("lms:mypage")
    assert signed_in_as(client) == roster["hr-mfa"]
    assert client.get(reverse("lms:mypage")).status_code == HTTPStatus.OK
    event = AuditEvent.objects.filter(action=AuditEvent.Action.LOGIN_SUCCEEDED).latest("pk")
    assert event.detail["mfa_by_idp"] is True


def test_a_password_context_means_shinka_asks_for_its_totp(configure, roster, idps):
    client = Client()
    _, response = round_trip(client, idps, "test-town", "hr-pwd")
    assert response["Location"] == reverse("mfa_authenticate")
    assert signed_in_as(client) is None


def test_a_town_that_does_not_trust_the_idps_mfa_asks_for_totp(configure, roster, idps):
    configure(trust_mfa=False)
    client = Client()
    _, response = round_trip(client, idps, "test-town", "hr-mfa")
    assert response["Location"] == reverse("mfa_authenticate")
    assert signed_in_as(client) is None


def _acs_queries(idps, login):
    client = Client()
    acs, fields = at_idp(idps, "TEST", start(client, "test-town"), login)
    response = client.post(urlsplit(acs).path, fields, HTTP_HOST="testserver")
    with CaptureQueriesContext(connection) as queries:
        response = client.get(response["Location"], HTTP_HOST="testserver")
    assert response.status_code == HTTPStatus.FOUND
    return len(queries)


def test_the_sign_in_makes_as_many_queries_with_a_larger_roster(
    configure, roster, idps, make_staff
):
    first_small, again_small = _acs_queries(idps, "hanako"), _acs_queries(idps, "hanako")
    for number in range(40):
        person = make_staff(staff_number=f"8{number:03d}")
        SocialAccount.objects.create(user=person, provider=TEST_IDP, uid=f"someone-{number}")
    SocialAccount.objects.filter(user=roster["hanako"]).delete()
    assert _acs_queries(idps, "hanako") == first_small
    assert _acs_queries(idps, "hanako") == again_small


def test_metadata_from_a_file_needs_no_request_to_another_host(idps, monkeypatch):
    """The closed network: the IdP's metadata file is read at start-up, never fetched."""
    import requests

    def no_fetch(*args, **kwargs):
        raise AssertionError("a request to another host")

    monkeypatch.setattr(requests.Session, "request", no_fetch)
    [app, *_] = socialaccount_providers(directory(idps))["saml"]["APPS"]
    idp = app["settings"]["idp"]
    assert idp["entity_id"] == TEST_IDP
    assert idp["sso_url"] == f"{idps['running']['TEST'].address}/sso/redirect"
    assert "metadata_url" not in idp
    assert Path(idps["metadata"]["TEST"]).read_text().count(idp["x509cert"][:40]) == 1


def test_an_expired_response_is_refused(configure, roster, idps):
    """The IdP's assertion is valid for 5 minutes (and python3-saml allows 5 minutes of clock
    drift): posted 11 minutes later, it is refused."""
    import datetime

    import time_machine

    client = Client()
    acs, fields = at_idp(idps, "TEST", start(client, "test-town"), "hanako")
    with time_machine.travel(datetime.timedelta(minutes=11), tick=True):
        response = post_to_shinka(client, acs, fields)
    event = refused(response, "saml", text="やり直して")
    assert "expired" in event.detail["reason"].lower() or "NotOnOrAfter" in event.detail["reason"]
    nobody_signed_in(client)


@pytest.mark.parametrize(
    "fields",
    [
        {"SAMLResponse": "not base64 at all %%%"},
        {"SAMLResponse": base64.b64encode(b"<not-saml/>").decode()},
        {"SAMLResponse": base64.b64encode(b"<unclosed").decode()},
        {},
    ],
    ids=["not-base64", "not-saml", "not-xml", "missing"],
)
def test_a_malformed_post_to_the_consumer_is_refused_in_japanese(configure, roster, idps, fields):
    client = Client()
    start(client, "test-town")
    acs = reverse("saml_acs", kwargs={"organization_slug": "test-town"})
    response = post_to_shinka(client, f"http://testserver{acs}", fields)
    refused(response, "authentication_error", text="やり直して")
    nobody_signed_in(client)


def test_the_saml_link_is_disclosed_and_goes_with_anonymisation(configure, roster, idps):
    import datetime

    from lms.audit import Actor
    from lms.privacy.anonymisation import anonymisable_from, person_anonymise
    from lms.privacy.disclosure import person_data_export

    round_trip(Client(), idps, "test-town", "hanako")
    hanako = roster["hanako"]
    [link] = person_data_export(user=hanako)["directory_links"]
    assert (link["directory"], link["account"]) == (TEST_IDP, "nameid-hanako")
    assert link["claims"]["attributes"][EMPLOYEE_ID] == ["1001"]
    hanako.is_active = False
    hanako.save()
    person_anonymise(
        user=hanako, actor=Actor(), today=anonymisable_from(hanako) + datetime.timedelta(days=1)
    )
    assert not SocialAccount.objects.filter(user=hanako).exists()


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"SAMLRequest": "%%%"},
        {"SAMLRequest": base64.b64encode(zlib.compress(b"<unclosed")[2:-4]).decode()},
        {"SAMLResponse": base64.b64encode(zlib.compress(b"<unclosed")[2:-4]).decode()},
        {"SAMLRequest": base64.b64encode(zlib.compress(b"<x/>")[2:-4]).decode()},
    ],
    ids=["nothing", "not-base64", "request-not-xml", "response-not-xml", "unsigned"],
)
def test_a_broken_logout_message_is_answered_in_japanese_and_signs_nobody_out(
    configure, roster, idps, query
):
    client = Client()
    round_trip(client, idps, "test-town", "hanako")
    sls = reverse("saml_sls", kwargs={"organization_slug": "test-town"})
    response = client.get(sls, query, HTTP_HOST="testserver")
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "ログアウトの要求を受け付けられませんでした" in response.content.decode()
    assert signed_in_as(client) == roster["hanako"]
