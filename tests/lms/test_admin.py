"""The audit log is read-only in every admin, for every role and the operator."""

from http import HTTPStatus

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.auth.models import Permission
from django.urls import reverse

from lms.audit import audit_record
from lms.factories import UserFactory
from lms.models import AuditEvent
from lms.people.roles import Role

ROLES = [Role.STAFF, Role.DEPT_HEAD, Role.HR, Role.IT_POLICY, Role.DX_LEADER, Role.ADMIN]


@pytest.fixture
def operator(db, learning_home):
    user = UserFactory(staff_number="0001", is_superuser=True, is_staff=True)
    TOTP.activate(user, generate_totp_secret())
    return user


@pytest.fixture
def everyone(make_staff, operator, learning_home):
    """One person per role (each also is_staff, as a tampered account might be), and the
    operator."""
    people = {
        role: make_staff("somu", roles=[] if role == Role.STAFF else [role], is_staff=True)
        for role in ROLES
    }
    # HR reads the download log in Wagtail; give it every audit permission a mistake could.
    people[Role.HR].user_permissions.add(
        *Permission.objects.filter(content_type__app_label="lms", codename__endswith="auditevent")
    )
    return {**people, "superuser": operator}


@pytest.fixture
def event(db):
    return audit_record(action=AuditEvent.Action.REPORT_DOWNLOADED, file="hr.xlsx")


def audit_urls(event):
    return {
        "django add": reverse("admin:lms_auditevent_add"),
        "django change": reverse("admin:lms_auditevent_change", args=[event.pk]),
        "django delete": reverse("admin:lms_auditevent_delete", args=[event.pk]),
        "wagtail add": reverse("download_log:add"),
        "wagtail edit": reverse("download_log:edit", args=[event.pk]),
        "wagtail copy": reverse("download_log:copy", args=[event.pk]),
        "wagtail delete": reverse("download_log:delete", args=[event.pk]),
    }


@pytest.mark.parametrize("who", [*ROLES, "superuser"])
def test_nobody_adds_changes_or_deletes_an_audit_event_in_any_admin(client, everyone, event, who):
    client.force_login(everyone[who])
    before = AuditEvent.objects.count()

    for name, url in audit_urls(event).items():
        shown = client.get(url)
        # Refused, or (the Django admin's change URL, for the operator) shown read-only:
        # no field to fill in, no confirmation to delete.
        page = shown.content.decode() if shown.status_code == HTTPStatus.OK else ""
        assert 'name="action"' not in page and 'name="post"' not in page, name
        client.post(url, {"action": "login_failed", "detail": "{}", "post": "yes"})

    event.refresh_from_db()
    assert event.action == AuditEvent.Action.REPORT_DOWNLOADED
    assert event.detail == {"file": "hr.xlsx"}
    assert AuditEvent.objects.filter(action=AuditEvent.Action.LOGIN_FAILED).count() == 0
    assert AuditEvent.objects.count() >= before


def test_the_operator_reads_the_audit_log_and_runs_the_platform(client, everyone, event):
    client.force_login(everyone["superuser"])

    for name in (
        "admin:lms_auditevent_changelist",
        "admin:lms_organization_changelist",
        "admin:lms_reportrun_changelist",
        "admin:lms_department_changelist",
    ):
        assert client.get(reverse(name)).status_code == HTTPStatus.OK, name
    assert client.get(reverse("download_log:index")).status_code == HTTPStatus.OK
