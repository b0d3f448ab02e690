"""Who may grant what (lms.people.grants): no role widens its own power, in any user screen.

Tried as hostile colleagues would, with a second town on the same deployment.
"""

from http import HTTPStatus

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.auth.models import Group, Permission
from django.core import mail
from django.urls import reverse

from lms.factories import UserFactory
from lms.models import AuditEvent, User
from lms.people.roles import Role
from tests.conftest import PASSWORD


def group(name):
    return Group.objects.get_or_create(name=name)[0]


def roles_of(user):
    return set(User.objects.get(pk=user.pk).groups.values_list("name", flat=True))


def fresh(user):
    return User.objects.get(pk=user.pk)


@pytest.fixture
def operator(db, learning_home):
    """The platform operator: a superuser with no post in any town."""
    user = UserFactory(staff_number="0001", is_superuser=True, is_staff=True)
    TOTP.activate(user, generate_totp_secret())
    return user


@pytest.fixture
def people(make_staff, other_town, learning_home):
    return {
        "hr": make_staff("jinji", roles=[Role.HR], staff_number="3001"),
        "admin": make_staff("somu", roles=[Role.ADMIN], staff_number="9001"),
        "it_policy": make_staff("somu", roles=[Role.IT_POLICY], staff_number="4001"),
        "staff": make_staff("mado", staff_number="1001"),
        "colleague": make_staff("mado", staff_number="1002"),
        "elsewhere": make_staff(other_town["somu"], staff_number="8001"),
    }


def signed_in(client, user):
    client.force_login(user)
    return client


def edit_url(user):
    return reverse("wagtailusers_users:edit", args=[user.pk])


def user_data(user, groups, **extra):
    """What the Wagtail user editor posts for ``user``, with ``groups`` ticked."""
    return {
        "staff_number": user.staff_number,
        "email": user.email,
        "family_name": user.family_name,
        "given_name": user.given_name,
        "family_name_kana": "",
        "given_name_kana": "",
        "is_active": "on",
        "groups": [group(name).pk for name in groups],
        **extra,
    }


TAMPERED = {
    "is_superuser": "on",
    "password1": "an-attackers-new-password-1",
    "password2": "an-attackers-new-password-1",
}


def test_hr_posting_superuser_a_password_and_a_forbidden_role_changes_nothing(client, people):
    staff = people["staff"]

    response = signed_in(client, people["hr"]).post(
        edit_url(staff), user_data(staff, [Role.STAFF, Role.ADMIN], **TAMPERED)
    )

    assert response.status_code == HTTPStatus.OK  # the form again, with the error
    assert "groups" in response.context["form"].errors
    staff = fresh(staff)
    assert not staff.is_superuser
    assert staff.check_password(PASSWORD)
    assert roles_of(staff) == {Role.STAFF}
    assert not AuditEvent.objects.filter(
        action__in=[AuditEvent.Action.ROLES_CHANGED, AuditEvent.Action.ACCOUNT_CHANGED]
    ).exists()


def test_hr_posting_superuser_and_a_password_with_allowed_roles_has_them_ignored(client, people):
    staff = people["staff"]

    response = signed_in(client, people["hr"]).post(
        edit_url(staff), user_data(staff, [Role.STAFF, Role.DEPT_HEAD], **TAMPERED)
    )

    assert response.status_code == HTTPStatus.FOUND, response.content.decode()[:2000]
    staff = fresh(staff)
    assert not staff.is_superuser
    assert staff.check_password(PASSWORD)
    assert roles_of(staff) == {Role.STAFF, Role.DEPT_HEAD}  # what HR may grant, audited
    event = AuditEvent.objects.get(action=AuditEvent.Action.ROLES_CHANGED, actor=people["hr"])
    assert event.detail == {"before": ["staff"], "after": ["dept_head", "staff"]}


def test_the_user_editor_shows_hr_only_what_hr_may_change(client, people):
    response = signed_in(client, people["hr"]).get(edit_url(people["staff"]))

    form = response.context["form"]
    assert "is_superuser" not in form.fields
    assert "password1" not in form.fields and "password2" not in form.fields
    offered = set(form.fields["groups"].queryset.values_list("name", flat=True))
    assert offered == {Role.STAFF, Role.DEPT_HEAD, Role.DX_LEADER}
    page = response.content.decode()
    assert 'name="is_superuser"' not in page and 'name="password1"' not in page


def test_hr_cannot_give_itself_roles(client, people):
    hr = people["hr"]

    signed_in(client, hr).post(
        edit_url(hr), user_data(hr, [Role.STAFF, Role.HR, Role.ADMIN, Role.IT_POLICY])
    )
    signed_in(client, hr).post(edit_url(hr), user_data(hr, [Role.STAFF, Role.HR, Role.DX_LEADER]))

    assert roles_of(hr) == {Role.STAFF, Role.HR}
    assert not fresh(hr).is_superuser


def test_hr_cannot_take_away_a_role_it_may_not_grant(client, people):
    it_policy = people["it_policy"]

    signed_in(client, people["hr"]).post(edit_url(it_policy), user_data(it_policy, [Role.STAFF]))

    assert Role.IT_POLICY in roles_of(it_policy)


def test_hr_cannot_change_roles_or_the_active_flag_of_someone_in_another_town(client, people):
    elsewhere = people["elsewhere"]
    data = user_data(elsewhere, [Role.STAFF, Role.DEPT_HEAD])
    del data["is_active"]  # unticked: deactivate

    signed_in(client, people["hr"]).post(edit_url(elsewhere), data)

    assert roles_of(elsewhere) == {Role.STAFF}
    assert fresh(elsewhere).is_active


def test_hr_cannot_redirect_the_mail_of_someone_more_powerful(client, people):
    # A new address, then a reset link, would hand HR the IT policy officer's account.
    it_policy = people["it_policy"]

    signed_in(client, people["hr"]).post(
        edit_url(it_policy),
        user_data(it_policy, [Role.STAFF], email="hr.owns.this@example.jp"),
    )

    assert fresh(it_policy).email == it_policy.email


def test_hr_deactivating_a_colleague_of_its_town_is_audited_with_before_and_after(client, people):
    staff = people["staff"]
    data = user_data(staff, [Role.STAFF])
    del data["is_active"]

    response = signed_in(client, people["hr"]).post(edit_url(staff), data)

    assert response.status_code == HTTPStatus.FOUND, response.content.decode()[:2000]
    assert not fresh(staff).is_active
    event = AuditEvent.objects.get(action=AuditEvent.Action.ACCOUNT_CHANGED)
    assert (event.actor, event.subject) == (people["hr"], staff)
    assert event.detail == {"before": {"is_active": True}, "after": {"is_active": False}}


def test_a_town_administrator_grants_any_role_of_its_town_but_not_superuser(client, people):
    staff = people["staff"]

    signed_in(client, people["admin"]).post(
        edit_url(staff), user_data(staff, [Role.STAFF, Role.HR, Role.IT_POLICY], **TAMPERED)
    )

    assert roles_of(staff) == {Role.STAFF, Role.HR, Role.IT_POLICY}
    assert not fresh(staff).is_superuser
    assert fresh(staff).check_password(PASSWORD)


def test_only_a_superuser_makes_a_superuser_and_it_is_audited(client, people, operator):
    admin = people["admin"]

    response = signed_in(client, operator).post(
        edit_url(admin), user_data(admin, [Role.STAFF, Role.ADMIN], is_superuser="on")
    )

    assert response.status_code == HTTPStatus.FOUND, response.content.decode()[:2000]
    assert fresh(admin).is_superuser
    event = AuditEvent.objects.get(action=AuditEvent.Action.ACCOUNT_CHANGED)
    assert (event.actor, event.subject) == (operator, admin)
    assert event.detail == {"before": {"is_superuser": False}, "after": {"is_superuser": True}}


def test_not_even_the_operator_sets_someone_elses_password(client, people, operator):
    staff = people["staff"]

    signed_in(client, operator).post(edit_url(staff), user_data(staff, [Role.STAFF], **TAMPERED))

    assert fresh(staff).check_password(PASSWORD)


def test_a_new_account_gets_no_password_until_its_owner_sets_one(client, operator, organization):
    response = signed_in(client, operator).post(
        reverse("wagtailusers_users:add"),
        {
            "organization": organization.pk,
            "staff_number": "7777",
            "email": "new.staff@example.jp",
            "family_name": "新井",
            "password1": "chosen-by-the-operator-1",
            "password2": "chosen-by-the-operator-1",
        },
    )

    assert response.status_code == HTTPStatus.FOUND, response.content.decode()[:2000]
    assert not User.objects.get(staff_number="7777").has_usable_password()


def bulk_url(action, *users):
    url = reverse("wagtail_bulk_action", args=["lms", "user", action])
    return url + "?" + "&".join(f"id={user.pk}" for user in users)


def test_the_bulk_role_action_offers_and_gives_only_what_the_editor_may_grant(client, people):
    client = signed_in(client, people["hr"])

    refused = client.post(bulk_url("assign_role", people["staff"]), {"role": group(Role.ADMIN).pk})
    client.post(
        bulk_url("assign_role", people["colleague"], people["elsewhere"], people["hr"]),
        {"role": group(Role.DEPT_HEAD).pk},
    )

    assert refused.status_code == HTTPStatus.OK  # the form again: not a role HR may give
    assert roles_of(people["staff"]) == {Role.STAFF}
    assert roles_of(people["colleague"]) == {Role.STAFF, Role.DEPT_HEAD}
    assert roles_of(people["elsewhere"]) == {Role.STAFF}  # another town
    assert roles_of(people["hr"]) == {Role.STAFF, Role.HR}  # itself


def test_the_bulk_active_state_action_follows_the_grants_and_is_audited(client, people):
    url = bulk_url("set_active_state", people["staff"], people["it_policy"], people["elsewhere"])

    signed_in(client, people["hr"]).post(url, {"mark_as_active": "False"})

    assert not fresh(people["staff"]).is_active
    assert fresh(people["it_policy"]).is_active  # holds a role HR may not grant
    assert fresh(people["elsewhere"]).is_active  # another town
    event = AuditEvent.objects.get(action=AuditEvent.Action.ACCOUNT_CHANGED)
    assert (event.actor, event.subject) == (people["hr"], people["staff"])


def test_nobody_deletes_an_account_from_the_admin(client, people, operator):
    staff = people["staff"]
    client = signed_in(client, operator)

    client.post(reverse("wagtailusers_users:delete", args=[staff.pk]))
    client.post(bulk_url("delete", staff))

    assert User.objects.filter(pk=staff.pk).exists()


def test_an_account_cannot_be_copied_with_its_roles(client, people, operator):
    response = signed_in(client, operator).get(f"/admin/users/copy/{people['admin'].pk}/")

    assert response.status_code == HTTPStatus.NOT_FOUND


def reset_url(user):
    return reverse("person_password_reset", args=[user.pk])


def test_hr_sends_a_colleague_a_reset_link_and_it_is_audited(client, people):
    staff = people["staff"]
    client = signed_in(client, people["hr"])

    assert client.get(reset_url(staff)).status_code == HTTPStatus.OK  # asks first
    response = client.post(reset_url(staff))

    assert response.status_code == HTTPStatus.FOUND
    assert [message.to for message in mail.outbox] == [[staff.email]]
    assert "/accounts/password/reset/key/" in mail.outbox[0].body
    event = AuditEvent.objects.get(action=AuditEvent.Action.PASSWORD_RESET_SENT)
    assert (event.actor, event.subject) == (people["hr"], staff)
    assert fresh(staff).check_password(PASSWORD)  # unchanged until its owner chooses


@pytest.mark.parametrize("subject", ["it_policy", "elsewhere", "admin"])
def test_hr_cannot_send_a_reset_link_to_someone_it_may_not_manage(client, people, subject):
    response = signed_in(client, people["hr"]).post(reset_url(people[subject]))

    # Wagtail answers a refusal with its "no permission" message and its dashboard;
    # another town's person is not even found (Wagtail's user screens are per town).
    assert response.status_code in (HTTPStatus.FORBIDDEN, HTTPStatus.FOUND, HTTPStatus.NOT_FOUND)
    assert response.status_code != HTTPStatus.FOUND or response["Location"] == "/admin/"
    assert (response.status_code == HTTPStatus.NOT_FOUND) == (subject == "elsewhere")
    assert not mail.outbox
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.PASSWORD_RESET_SENT).exists()


@pytest.mark.parametrize("role", ["hr", "admin", "it_policy"])
def test_the_group_editor_is_the_operators_alone(client, people, role):
    user = people[role]
    # Even holding Django's own group permissions: a group's powers reach every town.
    user.user_permissions.add(*Permission.objects.filter(codename__endswith="_group"))
    hr_group = group(Role.HR)
    client = signed_in(client, user)

    for url in (
        reverse("wagtailusers_groups:index"),
        reverse("wagtailusers_groups:add"),
        reverse("wagtailusers_groups:edit", args=[hr_group.pk]),
    ):
        assert client.get(url).status_code != HTTPStatus.OK, url
    client.post(
        reverse("wagtailusers_groups:edit", args=[hr_group.pk]),
        {"name": "hr", "permissions": list(Permission.objects.values_list("pk", flat=True))},
    )

    assert not hr_group.permissions.filter(codename="change_group").exists()


def test_the_operator_edits_groups(client, operator):
    response = signed_in(client, operator).get(reverse("wagtailusers_groups:index"))

    assert response.status_code == HTTPStatus.OK


def test_a_refused_grant_says_why_in_japanese_and_changes_nothing(people):
    from django.utils import translation

    from lms.audit import Actor
    from lms.people.grants import GrantRefused, person_access_set

    staff = people["staff"]
    with translation.override("ja"), pytest.raises(GrantRefused) as refusal:
        person_access_set(
            user=staff,
            actor=Actor(user=people["hr"]),
            groups=[group(Role.STAFF), group(Role.IT_POLICY), group(Role.DEPT_HEAD)],
        )

    with translation.override("ja"):
        message = str(refusal.value.args[0])
    assert "権限がありません" in message and "情報政策担当" in message
    assert roles_of(staff) == {Role.STAFF}  # not even the role HR may give
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.ROLES_CHANGED).exists()


def test_nobody_known_behind_a_change_may_make_it(people):
    from lms.audit import Actor
    from lms.people.grants import GrantRefused, person_access_set

    with pytest.raises(GrantRefused):
        person_access_set(user=people["staff"], actor=Actor(), is_active=False)

    assert fresh(people["staff"]).is_active


def test_the_editor_offers_a_reset_link_only_to_whoever_may_send_it(client, people):
    client = signed_in(client, people["hr"])

    own_town = client.get(edit_url(people["staff"])).content.decode()
    more_powerful = client.get(edit_url(people["it_policy"])).content.decode()

    assert reset_url(people["staff"]) in own_town
    assert reset_url(people["it_policy"]) not in more_powerful


def test_only_the_grants_service_changes_roles_from_a_screen():
    """Screens reach roles.person_roles_set only through grants.person_access_set; the
    system (the demo seed through track_editor_assign) is the one other caller."""
    import ast
    from pathlib import Path

    import lms

    allowed = {"people/roles.py", "people/grants.py", "people/authoring.py"}
    root = Path(lms.__file__).parent
    callers = set()
    for path in root.rglob("*.py"):
        names = {
            node.id if isinstance(node, ast.Name) else node.attr
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
            if isinstance(node, ast.Name | ast.Attribute)
        }
        if names & {"person_roles_set", "person_roles_add"}:
            callers.add(path.relative_to(root).as_posix())

    assert callers <= allowed, callers - allowed
