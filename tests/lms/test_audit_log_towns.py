"""The audit log's reach: HR reads only their own towns' downloads."""

from http import HTTPStatus

import pytest
from django.urls import reverse

from lms.factories import DepartmentFactory, MembershipFactory, OrganizationFactory, UserFactory
from lms.models import AuditEvent
from lms.people.roles import Role


@pytest.fixture
def hr(client, make_staff):
    client.force_login(make_staff("jinji", roles=[Role.HR]))
    return client


@pytest.fixture
def other_town_download(db):
    """HR of another town exported a person's data there."""
    town_b = OrganizationFactory(code="OTHER", name="別の町")
    department = DepartmentFactory(organization=town_b, code="B-SOMU", name="別総務課")
    their_hr = UserFactory(email="hr-b@example.jp")
    person = UserFactory(email="person-b@example.jp")
    MembershipFactory(user=their_hr, department=department)
    MembershipFactory(user=person, department=department)
    return AuditEvent.objects.create(
        action=AuditEvent.Action.PERSON_DATA_EXPORTED, actor=their_hr, subject=person
    )


def test_hr_of_one_town_does_not_list_another_towns_downloads(hr, other_town_download):
    listing = hr.get(reverse("audit_log:index"))
    assert listing.status_code == HTTPStatus.OK
    listed = {event.pk for event in listing.context["object_list"]}
    assert other_town_download.pk not in listed


def test_hr_of_one_town_cannot_inspect_another_towns_download(hr, other_town_download):
    response = hr.get(reverse("audit_log:inspect", args=[other_town_download.pk]))
    assert response.status_code == HTTPStatus.NOT_FOUND


def test_a_towns_administrator_reads_their_towns_events_not_another_towns(
    client, make_staff, other_town_download
):
    """The town's site administrator reads every event of their own town (a sign-in here),
    never another town's (found by the access matrix, tests/test_access_matrix.py)."""
    client.force_login(make_staff("somu", roles=[Role.ADMIN]))
    colleague = make_staff("mado")
    own = AuditEvent.objects.create(action=AuditEvent.Action.LOGIN_SUCCEEDED, actor=colleague)

    listed = {event.pk for event in client.get(reverse("audit_log:index")).context["object_list"]}

    assert own.pk in listed and other_town_download.pk not in listed
    assert client.get(reverse("audit_log:inspect", args=[own.pk])).status_code == HTTPStatus.OK
    inspect_other = client.get(reverse("audit_log:inspect", args=[other_town_download.pk]))
    assert inspect_other.status_code == HTTPStatus.NOT_FOUND
