"""Sign-in by staff number knows the town (issue 14): 1001 in two towns, each signs in.

On a town's own host (its Wagtail ``Site``, ``Organization.site``) a staff number is
looked up in that town; on a shared host with several towns the page asks for the town
(「所属団体」, remembered in a cookie); an e-mail address signs in anywhere.
"""

from http import HTTPStatus

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from wagtail.models import Page, Site

from lms.factories import DepartmentFactory, MembershipFactory, OrganizationFactory, UserFactory
from lms.people.accounts import TOWN_COOKIE

A_HOST, B_HOST = "a-town.example.jp", "b-town.example.jp"
A_PASSWORD, B_PASSWORD = "password-of-a-town-1001", "password-of-b-town-1001"
FAILED = "正しくありません"


@pytest.fixture(autouse=True)
def _fresh_rate_limits(settings):
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, A_HOST, B_HOST]
    cache.clear()
    yield
    cache.clear()


def person(town, code, password, email):
    user = UserFactory(
        organization=town, staff_number="1001", email=email, password=password,
        family_name=town.name,
    )  # fmt: skip
    MembershipFactory(user=user, department=DepartmentFactory(organization=town, code=code))
    return user


@pytest.fixture
def towns(db):
    a = OrganizationFactory(code="A-TOWN", name="あ町")
    b = OrganizationFactory(code="B-TOWN", name="い町")
    return {
        "a": a,
        "b": b,
        "a1001": person(a, "A-SOMU", A_PASSWORD, "hanako@a-town.example.jp"),
        "b1001": person(b, "B-SOMU", B_PASSWORD, "hanako@b-town.example.jp"),
    }


@pytest.fixture
def own_hosts(towns):
    """Each town has its own site (host name) on the deployment."""
    root = Page.get_first_root_node()
    for key, host in (("a", A_HOST), ("b", B_HOST)):
        towns[key].site = Site.objects.create(hostname=host, port=80, root_page=root)
        towns[key].save()
    return towns


def sign_in(client, login, password, host="testserver", **extra):
    return client.post(
        reverse("account_login"),
        {"login": login, "password": password, **extra},
        HTTP_HOST=host,
    )


def signed_in_as(client):
    return client.session.get("_auth_user_id")


@pytest.mark.parametrize(
    ("key", "host", "password"), [("a", A_HOST, A_PASSWORD), ("b", B_HOST, B_PASSWORD)]
)
def test_each_towns_1001_signs_in_on_its_own_host(own_hosts, key, host, password):
    client = Client()

    response = sign_in(client, "1001", password, host=host)

    assert response.status_code == HTTPStatus.FOUND, response.content.decode()
    assert signed_in_as(client) == str(own_hosts[f"{key}1001"].pk)


def test_on_a_towns_host_the_other_towns_password_is_the_normal_failure(own_hosts, client):
    response = sign_in(client, "1001", B_PASSWORD, host=A_HOST)

    assert response.status_code == HTTPStatus.OK
    assert FAILED in response.content.decode()
    assert signed_in_as(client) is None


def test_a_towns_own_host_asks_for_no_town(own_hosts, client):
    html = client.get(reverse("account_login"), HTTP_HOST=A_HOST).content.decode()

    assert "所属団体" not in html and 'name="organization"' not in html


def test_the_shared_host_asks_for_the_town_and_signs_in_the_chosen_towns_1001(towns):
    client = Client()
    html = client.get(reverse("account_login")).content.decode()
    assert "所属団体" in html and 'name="organization"' in html
    assert "あ町" in html and "い町" in html

    response = sign_in(client, "1001", B_PASSWORD, organization="B-TOWN")

    assert response.status_code == HTTPStatus.FOUND, response.content.decode()
    assert signed_in_as(client) == str(towns["b1001"].pk)
    assert response.cookies[TOWN_COOKIE].value == "B-TOWN"


def test_the_chosen_town_is_remembered_on_the_next_visit(towns):
    response = sign_in(Client(), "1001", A_PASSWORD, organization="A-TOWN")
    next_visit = Client()
    next_visit.cookies[TOWN_COOKIE] = response.cookies[TOWN_COOKIE].value

    html = next_visit.get(reverse("account_login")).content.decode()

    assert '<option value="A-TOWN" selected>' in html


def test_the_wrong_town_is_the_normal_failed_sign_in(towns, client):
    response = sign_in(client, "1001", A_PASSWORD, organization="B-TOWN")

    assert response.status_code == HTTPStatus.OK
    assert FAILED in response.content.decode()
    assert signed_in_as(client) is None


def test_a_staff_number_without_a_town_on_the_shared_host_asks_for_the_town(towns, client):
    response = sign_in(client, "1001", A_PASSWORD)

    assert response.status_code == HTTPStatus.OK
    assert "職員番号でログインする場合は、所属団体を選んでください。" in response.content.decode()
    assert signed_in_as(client) is None


def test_a_town_that_does_not_exist_is_a_message_not_an_error(towns, client):
    response = sign_in(client, "1001", A_PASSWORD, organization="NO-SUCH-TOWN")

    assert response.status_code == HTTPStatus.OK
    assert "所属団体を一覧から選んでください。" in response.content.decode()
    assert signed_in_as(client) is None


@pytest.mark.parametrize("host", ["testserver", A_HOST, B_HOST])
def test_an_e_mail_address_signs_in_on_any_host_without_a_town(own_hosts, host):
    client = Client()

    response = sign_in(client, "hanako@b-town.example.jp", B_PASSWORD, host=host)

    assert response.status_code == HTTPStatus.FOUND
    assert signed_in_as(client) == str(own_hosts["b1001"].pk)


def test_with_a_single_town_the_page_is_unchanged_and_the_number_signs_in(client, db):
    town = OrganizationFactory(code="ONLY", name="ひとつ町")
    only = person(town, "SOMU", A_PASSWORD, "only@example.jp")

    html = client.get(reverse("account_login")).content.decode()
    response = sign_in(client, "1001", A_PASSWORD)

    assert "所属団体" not in html and 'name="organization"' not in html
    assert response.status_code == HTTPStatus.FOUND
    assert signed_in_as(client) == str(only.pk)


def test_failures_count_against_the_one_account_of_the_town_not_its_namesake(own_hosts):
    """Five failures for あ町's 1001 lock あ町's 1001 (by number and by e-mail alike); い町's
    1001 still signs in."""
    attacker = Client()
    for address in range(5):
        attacker.post(
            reverse("account_login"),
            {"login": "1001", "password": "wrong"},
            HTTP_HOST=A_HOST,
            REMOTE_ADDR=f"10.0.0.{address + 1}",
        )

    locked = Client()
    sign_in(locked, "hanako@a-town.example.jp", A_PASSWORD, host=A_HOST)
    namesake = Client()
    sign_in(namesake, "1001", B_PASSWORD, host=B_HOST)

    assert signed_in_as(locked) is None
    assert signed_in_as(namesake) == str(own_hosts["b1001"].pk)
