"""The header's 管理 link: shown exactly to those Wagtail's admin lets in.

The link used to ask ``perms.wagtailadmin.access_admin`` (two permission queries on every
page); it now reads the answer from the groups query every request makes already
(``lms.people.permissions.can_open_admin``). The promise is the same answer as Wagtail's
own check, ``has_perm("wagtailadmin.access_admin")``, which is the oracle here, besides a
table of who holds it by the role migrations.
"""

from http import HTTPStatus

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from lms.models import User
from lms.people.permissions import can_open_admin
from lms.people.roles import Role, roles_audited_here

# Who opens Wagtail's admin by the role migrations (lms/migrations/0003, 0006).
OPENS_ADMIN = {
    Role.STAFF: False,
    Role.DEPT_HEAD: False,
    Role.HR: True,
    Role.IT_POLICY: True,
    Role.DX_LEADER: True,
    Role.ADMIN: True,
}


def _access_admin() -> Permission:
    return Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin")


def _shows_admin_link(client, user) -> bool:
    client.force_login(user)
    response = client.get(reverse("lms:mypage"))
    assert response.status_code == HTTPStatus.OK
    return f'href="{reverse("wagtailadmin_home")}"' in response.content.decode()


def _fresh(user) -> User:
    """A new object of the same person: nothing cached from an earlier check."""
    return User.objects.get(pk=user.pk)


@pytest.mark.parametrize("role", list(OPENS_ADMIN))
def test_the_link_shows_for_the_roles_that_open_the_admin(client, make_staff, role):
    user = make_staff(roles=[role])

    assert _fresh(user).has_perm("wagtailadmin.access_admin") is OPENS_ADMIN[role]
    assert can_open_admin(_fresh(user)) is OPENS_ADMIN[role]
    assert _shows_admin_link(client, user) is OPENS_ADMIN[role]
    # And Wagtail's admin agrees: it opens for them, or sends them back to マイページ.
    admin = client.get(reverse("wagtailadmin_home"))
    assert (admin.status_code == HTTPStatus.OK) is OPENS_ADMIN[role]


def test_the_link_follows_the_permission_not_the_group_names(client, make_staff):
    """A group the operator made with the permission opens the admin, and a role whose
    group lost it does not: the rule is the permission, not a list of role names."""
    custom = Group.objects.create(name="研修事務局")
    custom.permissions.add(_access_admin())
    clerk = make_staff()
    with roles_audited_here():
        clerk.groups.add(custom)
    hr = make_staff(roles=[Role.HR])
    Group.objects.get(name=Role.HR).permissions.remove(_access_admin())

    for user, expected in ((clerk, True), (hr, False)):
        assert _fresh(user).has_perm("wagtailadmin.access_admin") is expected
        assert can_open_admin(_fresh(user)) is expected
        assert _shows_admin_link(client, user) is expected


def test_a_superuser_sees_the_link_and_an_inactive_person_never(make_staff):
    operator = make_staff(is_superuser=True)
    retired = make_staff(roles=[Role.IT_POLICY], is_active=False)

    assert can_open_admin(_fresh(operator)) is _fresh(operator).has_perm(
        "wagtailadmin.access_admin"
    )
    assert can_open_admin(_fresh(operator)) is True
    assert can_open_admin(_fresh(retired)) is False
    assert _fresh(retired).has_perm("wagtailadmin.access_admin") is False
