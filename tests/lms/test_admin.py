"""The Django admin is the platform operator's; the audit log is read-only in every admin."""

from http import HTTPStatus

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.auth.models import Permission
from django.core import mail
from django.urls import reverse

from lms.audit import audit_record
from lms.factories import UserFactory
from lms.models import AuditEvent, User
from lms.people.roles import Role
from tests.conftest import PASSWORD

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
    """Where an add, change or delete screen for audit events would be, in either admin.
    Neither admin has one (the Wagtail log registers only its listing and inspect views,
    the Django admin no screen for the model), so these paths are written out."""
    wagtail = reverse("audit_log:index")
    return {
        "django add": "/django-admin/lms/auditevent/add/",
        "django change": f"/django-admin/lms/auditevent/{event.pk}/change/",
        "django delete": f"/django-admin/lms/auditevent/{event.pk}/delete/",
        "wagtail add": f"{wagtail}new/",
        "wagtail edit": f"{wagtail}edit/{event.pk}/",
        "wagtail copy": f"{wagtail}copy/{event.pk}/",
        "wagtail delete": f"{wagtail}delete/{event.pk}/",
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
        "admin:lms_organization_changelist",
        "admin:lms_reportrun_changelist",
        "audit_log:index",
    ):
        assert client.get(reverse(name)).status_code == HTTPStatus.OK, name
    # A town's departments are the town's: the operator, with no post there, is refused.
    assert client.get(reverse("department:index"))["Location"] == reverse("wagtailadmin_home")


@pytest.mark.parametrize("role", ROLES)
def test_the_django_admin_is_for_the_operator_only(client, everyone, role):
    client.force_login(everyone[role])

    for name in ("admin:index", "admin:lms_user_changelist", "admin:lms_reportrun_changelist"):
        assert client.get(reverse(name)).status_code == HTTPStatus.FOUND, name


NO_MEMBERSHIPS = {
    "memberships-TOTAL_FORMS": "0",
    "memberships-INITIAL_FORMS": "0",
    "memberships-MIN_NUM_FORMS": "0",
    "memberships-MAX_NUM_FORMS": "1000",
}


def django_user_data(user, **changes):
    return {
        "staff_number": user.staff_number,
        "family_name": user.family_name,
        "given_name": user.given_name,
        "family_name_kana": "",
        "given_name_kana": "",
        "email": user.email,
        "is_active": "on",
        "groups": list(user.groups.values_list("pk", flat=True)),
        "date_joined_0": user.date_joined.date().isoformat(),
        "date_joined_1": "09:00:00",
        **NO_MEMBERSHIPS,
        **changes,
    }


def test_the_operators_changes_of_superuser_and_active_flags_are_audited(client, everyone):
    admin = everyone[Role.ADMIN]
    client.force_login(everyone["superuser"])
    data = django_user_data(admin, is_superuser="on")
    del data["is_active"]

    response = client.post(reverse("admin:lms_user_change", args=[admin.pk]), data)

    assert response.status_code == HTTPStatus.FOUND, response.content.decode()[:3000]
    admin = User.objects.get(pk=admin.pk)
    assert admin.is_superuser and not admin.is_active
    event = AuditEvent.objects.get(action=AuditEvent.Action.ACCOUNT_CHANGED)
    assert (event.actor, event.subject) == (everyone["superuser"], admin)
    assert event.detail == {
        "before": {"is_active": True, "is_superuser": False},
        "after": {"is_active": False, "is_superuser": True},
    }


def test_the_django_admin_sets_nobodys_password(client, everyone):
    staff = everyone[Role.STAFF]
    client.force_login(everyone["superuser"])
    url = reverse("admin:auth_user_password_change", args=[staff.pk])

    client.post(url, {"password1": "set-by-the-operator-1", "password2": "set-by-the-operator-1"})
    shown = client.get(reverse("admin:lms_user_change", args=[staff.pk]))

    assert User.objects.get(pk=staff.pk).check_password(PASSWORD)
    assert url not in shown.content.decode()


def test_the_django_admin_creates_accounts_without_a_password(client, everyone):
    client.force_login(everyone["superuser"])

    response = client.post(
        reverse("admin:lms_user_add"),
        {
            "staff_number": "7777",
            "family_name": "新井",
            "given_name": "一郎",
            "email": "new.staff@example.jp",
            "password1": "set-by-the-operator-1",
            "password2": "set-by-the-operator-1",
            **NO_MEMBERSHIPS,
        },
    )

    assert response.status_code == HTTPStatus.FOUND, response.content.decode()[:3000]
    assert not User.objects.get(staff_number="7777").has_usable_password()


def test_the_django_admin_sends_reset_links_and_audits_them(client, everyone):
    staff = everyone[Role.STAFF]
    client.force_login(everyone["superuser"])

    client.post(
        reverse("admin:lms_user_changelist"),
        {"action": "send_password_reset", "_selected_action": [staff.pk]},
    )

    assert [message.to for message in mail.outbox] == [[staff.email]]
    event = AuditEvent.objects.get(action=AuditEvent.Action.PASSWORD_RESET_SENT)
    assert (event.actor, event.subject) == (everyone["superuser"], staff)
