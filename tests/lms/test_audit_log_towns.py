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
