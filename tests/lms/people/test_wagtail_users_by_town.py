"""Wagtail's user screens per town (issue 14): HR lists and opens only their town's people;
a staff number is unique within a town, and the message says so."""

from http import HTTPStatus

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.urls import reverse

from lms.factories import UserFactory
from lms.models import User
from lms.people.roles import Role

TAKEN = "この職員番号の職員は、この団体にすでに登録されています。"


@pytest.fixture
def people(make_staff, other_town, learning_home):
    return {
        "hr": make_staff("jinji", roles=[Role.HR], staff_number="3001"),
        "mine": make_staff("mado", staff_number="1001", family_name="山田"),
        "colleague": make_staff("mado", staff_number="1002", family_name="川口"),
        "theirs": make_staff(other_town["somu"], staff_number="1001", family_name="佐藤"),
        "their_hr": make_staff(other_town["somu"], roles=[Role.HR], staff_number="3009"),
    }


@pytest.fixture
def operator(db, learning_home):
    user = UserFactory(staff_number="0001", is_superuser=True, is_staff=True)
    TOTP.activate(user, generate_totp_secret())
    return user


def edit_url(user):
    return reverse("wagtailusers_users:edit", args=[user.pk])


def test_hr_lists_only_the_people_of_their_own_town(client, people):
    client.force_login(people["hr"])

    response = client.get(reverse("wagtailusers_users:index"))

    assert response.status_code == HTTPStatus.OK
    listed = set(response.context["object_list"])
    assert {people["mine"], people["colleague"], people["hr"]} <= listed
    assert not listed & {people["theirs"], people["their_hr"]}
    assert "佐藤" not in response.content.decode()


def test_hr_searching_finds_no_one_of_another_town(client, people):
    client.force_login(people["hr"])

    response = client.get(reverse("wagtailusers_users:index"), {"q": "1001"})

    assert set(response.context["object_list"]) == {people["mine"]}


@pytest.mark.parametrize("view", ["edit", "reset"])
def test_another_towns_person_is_not_found_for_hr(client, people, view):
    client.force_login(people["hr"])
    theirs = people["theirs"]
    url = edit_url(theirs) if view == "edit" else reverse("person_password_reset", args=[theirs.pk])

    response = client.get(url)

    assert response.status_code in (HTTPStatus.NOT_FOUND, HTTPStatus.FORBIDDEN)
    post = client.post(
        url, {"staff_number": "1001", "email": "x@example.jp", "family_name": "乗取"}
    )
    assert post.status_code in (HTTPStatus.NOT_FOUND, HTTPStatus.FORBIDDEN)
    assert User.objects.get(pk=theirs.pk).family_name == "佐藤"


def test_a_staff_number_taken_in_the_town_is_refused_per_town(client, people):
    client.force_login(people["hr"])
    colleague = people["colleague"]

    response = client.post(
        edit_url(colleague),
        {
            "staff_number": "1001",  # 山田's in this town (and 佐藤's in the other)
            "email": colleague.email,
            "family_name": colleague.family_name,
            "given_name": colleague.given_name,
            "is_active": "on",
        },
    )

    assert response.status_code == HTTPStatus.OK
    assert TAKEN in response.content.decode()
    assert User.objects.get(pk=colleague.pk).staff_number == "1002"


def test_the_operator_adds_a_number_to_a_town_where_only_another_town_has_it(
    client, people, operator, organization, other_town
):
    client.force_login(operator)
    # 3009 is the other town's HR officer; this town has no 3009.
    new = {"staff_number": "3009", "email": "new@town.example.jp", "family_name": "新井"}

    created = client.post(
        reverse("wagtailusers_users:add"), {**new, "organization": organization.pk}
    )
    again = client.post(
        reverse("wagtailusers_users:add"),
        {**new, "email": "other@town.example.jp", "organization": organization.pk},
    )

    assert created.status_code == HTTPStatus.FOUND, created.content.decode()[:3000]
    assert User.objects.get(organization=organization, staff_number="3009").family_name == "新井"
    assert again.status_code == HTTPStatus.OK
    assert TAKEN in again.content.decode()
    assert User.objects.filter(staff_number="3009").count() == 2


@pytest.mark.parametrize("action", ["delete", "set_active_state", "assign_role"])
@pytest.mark.parametrize("ids", ["theirs", "all", "abc", "9999999999999999999999999"])
def test_a_bulk_action_never_names_another_towns_people(client, people, action, ids):
    client.force_login(people["hr"])
    value = str(people["theirs"].pk) if ids == "theirs" else ids
    url = reverse("wagtail_bulk_action", args=["lms", "user", action]) + f"?id={value}"

    response = client.get(url)

    assert response.status_code != HTTPStatus.INTERNAL_SERVER_ERROR
    assert "佐藤" not in response.content.decode()
