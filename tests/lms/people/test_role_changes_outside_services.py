"""Role changes made outside the services (a group deleted, a clear) leave an audit row."""

from http import HTTPStatus

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from lms.models import AuditEvent
from lms.people.roles import Role


@pytest.fixture
def site_admin(client, make_staff):
    client.force_login(make_staff("somu", roles=[Role.ADMIN], is_superuser=True, is_staff=True))
    return client


def test_deleting_a_role_group_in_the_wagtail_admin_audits_the_roles_taken_away(
    site_admin, make_staff
):
    group = Group.objects.create(name="editors-of-dx-basics")
    person = make_staff("mado")
    person.groups.add(group)
    before = AuditEvent.objects.filter(action=AuditEvent.Action.ROLES_CHANGED).count()

    response = site_admin.post(reverse("wagtailusers_groups:delete", args=[group.pk]))

    assert response.status_code == HTTPStatus.FOUND
    assert not Group.objects.filter(pk=group.pk).exists()
    assert not person.groups.filter(pk=group.pk).exists()
    # The person lost a role: someone did it, from the admin. Nothing records it.
    events = AuditEvent.objects.filter(action=AuditEvent.Action.ROLES_CHANGED, subject=person)
    assert AuditEvent.objects.filter(action=AuditEvent.Action.ROLES_CHANGED).count() > before
    assert events.filter(actor__isnull=False).exists()


def test_deleting_a_role_group_in_the_django_admin_audits_the_roles_taken_away(
    site_admin, make_staff
):
    group = (
        Group.objects.get(name=Role.HR)
        if Group.objects.filter(name=Role.HR).exists()
        else (Group.objects.create(name=Role.HR))
    )
    person = make_staff("jinji", roles=[Role.HR])
    before = AuditEvent.objects.filter(action=AuditEvent.Action.ROLES_CHANGED).count()

    response = site_admin.post(reverse("admin:auth_group_delete", args=[group.pk]), {"post": "yes"})

    assert response.status_code == HTTPStatus.FOUND
    assert not person.groups.filter(name=Role.HR).exists()
    assert AuditEvent.objects.filter(action=AuditEvent.Action.ROLES_CHANGED).count() > before


def test_a_clear_outside_the_services_says_which_roles_were_taken_away(make_staff):
    """The catch-all records ``user.groups.clear()`` (post_clear, no pk_set) with an empty
    list of groups: the trail says roles were cleared, not which."""
    person = make_staff("jinji", roles=[Role.HR])
    person.groups.clear()
    event = AuditEvent.objects.filter(
        action=AuditEvent.Action.ROLES_CHANGED, subject=person
    ).latest("pk")
    assert event.detail["change"] == "clear"
    assert sorted(event.detail["groups"]) == sorted([Role.HR, Role.STAFF])
