"""The bulk "assign role" action audits each person; HR's export of the audit log holds
only what HR may read."""

from http import HTTPStatus

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from lms.models import AuditEvent
from lms.people.roles import Role


@pytest.fixture
def site_admin(client, make_staff):
    user = make_staff("somu", roles=[Role.ADMIN], is_superuser=True, is_staff=True)
    client.force_login(user)
    client.user = user
    return client


def test_bulk_assign_role_is_one_attributed_event_per_user(site_admin, make_staff):
    hr_group, _ = Group.objects.get_or_create(name=Role.HR)
    people = [make_staff("mado", email=f"p{i}@example.jp") for i in range(2)]
    before = set(AuditEvent.objects.values_list("pk", flat=True))
    url = reverse("wagtail_bulk_action", args=("lms", "user", "assign_role"))
    query = "?" + "&".join(f"id={p.pk}" for p in people)

    response = site_admin.post(url + query, {"role": hr_group.pk})

    assert response.status_code == HTTPStatus.FOUND
    new = AuditEvent.objects.exclude(pk__in=before).filter(action=AuditEvent.Action.ROLES_CHANGED)
    assert sorted(new.values_list("subject_id", flat=True)) == sorted(p.pk for p in people)
    assert all(event.actor_id == site_admin.user.pk for event in new)


def test_hr_cannot_export_events_beyond_the_downloads(client, make_staff):
    client.force_login(make_staff("jinji", roles=[Role.HR]))
    AuditEvent.objects.create(action=AuditEvent.Action.LOGIN_SUCCEEDED, detail={"x": "secret"})
    response = client.get(reverse("audit_log:index") + "?export=csv")
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert b"login_succeeded" not in body and b"secret" not in body
