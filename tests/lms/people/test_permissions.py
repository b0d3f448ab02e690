"""A superuser is the platform operator, not a reader of every town's personal data.

A town's personal data is for that town's roles; an operator reads it only by holding a
post and a role in that town (both explicit, the role change audited), and each view is
audited like anyone else's.
"""

import datetime
from http import HTTPStatus

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.auth.models import Group
from django.urls import reverse

from lms.factories import MembershipFactory, UserFactory
from lms.models import AuditEvent, ReportRun
from lms.people.permissions import (
    can_view_department,
    can_view_progress_of,
    can_view_report,
    can_view_skills_of,
)
from lms.people.roles import Role, user_has_role

TODAY = datetime.date(2026, 11, 28)


@pytest.fixture
def operator(db, learning_home):
    user = UserFactory(staff_number="0001", is_superuser=True, is_staff=True)
    TOTP.activate(user, generate_totp_secret())
    return user


@pytest.fixture
def staff(make_staff):
    return make_staff("mado")


@pytest.fixture
def run(organization):
    return ReportRun.objects.create(
        organization=organization,
        kind=ReportRun.Kind.HR_COMPLETION,
        fiscal_year=2026,
        as_of=TODAY,
        trigger=ReportRun.Trigger.COMMAND,
        status=ReportRun.Status.READY,
    )


def test_a_superuser_holds_no_town_role_by_being_a_superuser(operator):
    assert not any(user_has_role(operator, role) for role in Role)


def test_an_operator_without_a_post_passes_no_organisation_check(operator, staff, departments, run):
    assert not can_view_progress_of(operator, staff, day=TODAY)
    assert not can_view_skills_of(operator, staff, day=TODAY)
    assert not can_view_department(operator, departments["mado"], day=TODAY)
    assert not can_view_report(operator, run, day=TODAY)


def test_an_operators_pages_of_a_town_are_not_found(client, operator, staff, departments, run):
    client.force_login(operator)

    for url in (
        reverse("lms:person_progress", args=[staff.pk]),
        reverse("lms:person_skills", args=[staff.pk]),
        reverse("lms:department_dashboard", args=[departments["mado"].pk]),
        reverse("lms:report_detail", args=[run.pk]),
        reverse("lms:hr_dashboard"),
        reverse("lms:person_export", args=[staff.pk]),
    ):
        assert client.get(url).status_code in (HTTPStatus.NOT_FOUND, HTTPStatus.FORBIDDEN), url
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.PERSON_PROGRESS_VIEWED).exists()


def test_an_operator_with_a_post_and_a_role_sees_that_town_only_and_is_audited(
    client, operator, staff, departments, positions, make_staff, other_town
):
    MembershipFactory(user=operator, department=departments["somu"], position=positions["kacho"])
    elsewhere = make_staff(other_town["somu"])
    client.force_login(operator)
    progress = reverse("lms:person_progress", args=[staff.pk])
    assert client.get(progress).status_code == HTTPStatus.NOT_FOUND  # a post alone: staff

    operator.groups.add(Group.objects.get_or_create(name=Role.ADMIN)[0])
    seen = client.get(progress)
    other = client.get(reverse("lms:person_progress", args=[elsewhere.pk]))

    assert seen.status_code == HTTPStatus.OK
    assert other.status_code == HTTPStatus.NOT_FOUND
    event = AuditEvent.objects.get(action=AuditEvent.Action.PERSON_PROGRESS_VIEWED)
    assert (event.actor, event.subject) == (operator, staff)
    granted = AuditEvent.objects.get(action=AuditEvent.Action.ROLES_CHANGED, subject=operator)
    assert granted.detail["groups"] == ["admin"]


def test_a_town_administrator_of_another_town_sees_nothing_here(
    client, make_staff, other_town, staff, departments, run
):
    admin_elsewhere = make_staff(other_town["somu"], roles=[Role.ADMIN, Role.HR])

    assert not can_view_progress_of(admin_elsewhere, staff, day=TODAY)
    assert not can_view_skills_of(admin_elsewhere, staff, day=TODAY)
    assert not can_view_department(admin_elsewhere, departments["mado"], day=TODAY)
    assert not can_view_report(admin_elsewhere, run, day=TODAY)


def test_superusers_still_need_two_factor_authentication(client, db, settings):
    settings.SHINKA_MFA_REQUIRED = True
    operator = UserFactory(is_superuser=True)
    client.force_login(operator)

    response = client.get(reverse("lms:mypage"))

    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == reverse("mfa_activate_totp")
