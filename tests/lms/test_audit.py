import datetime

import pytest
from django.contrib.auth.models import Group
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from lms.audit import Actor, audit_prune, audit_record
from lms.factories import UserFactory
from lms.models import AuditEvent
from tests.conftest import PASSWORD


def test_sign_ins_and_failures_are_audited_without_the_password(client, db):
    user = UserFactory(staff_number="4321")

    client.post(reverse("account_login"), {"login": "4321", "password": "wrong-secret"})
    client.post(reverse("account_login"), {"login": "4321", "password": PASSWORD})

    failed = AuditEvent.objects.get(action=AuditEvent.Action.LOGIN_FAILED)
    assert failed.detail == {"login": "4321"} and "wrong-secret" not in str(failed.detail)
    assert failed.ip_address == "127.0.0.1"
    assert AuditEvent.objects.filter(action=AuditEvent.Action.LOGIN_SUCCEEDED, actor=user).exists()


def test_role_changes_are_audited(db):
    user = UserFactory()
    hr, _ = Group.objects.get_or_create(name="hr")

    user.groups.add(hr)
    user.groups.remove(hr)

    changes = list(
        AuditEvent.objects.filter(action=AuditEvent.Action.ROLES_CHANGED, subject=user)
        .order_by("id")
        .values_list("detail", flat=True)
    )
    assert changes == [{"change": "add", "groups": ["hr"]}, {"change": "remove", "groups": ["hr"]}]


def test_audit_details_cannot_forge_log_lines(db):
    event = audit_record(action=AuditEvent.Action.LOGIN_FAILED, login="x\nFAKE admin logged in\r")

    assert "\n" not in event.detail["login"] and "\r" not in event.detail["login"]


def test_old_audit_events_are_pruned_after_the_retention_period(db, settings, time_machine):
    settings.SHINKA_AUDIT_RETENTION_DAYS = 365
    time_machine.move_to(timezone.now() - datetime.timedelta(days=400))
    audit_record(action=AuditEvent.Action.LOGIN_FAILED, login="old")  # written 400 days ago
    time_machine.move_to(timezone.now() + datetime.timedelta(days=400))
    recent = audit_record(action=AuditEvent.Action.LOGIN_FAILED, login="recent")

    assert audit_prune() == 1
    assert list(AuditEvent.objects.values_list("pk", flat=True)) == [recent.pk]


def test_an_actor_is_who_signed_in_and_from_where(rf, db):
    user = UserFactory()
    request = rf.get("/", REMOTE_ADDR="192.0.2.44")
    request.user = user

    event = audit_record(by=Actor.of(request), action=AuditEvent.Action.ROSTER_EXPORTED)

    assert (event.actor, event.ip_address) == (user, "192.0.2.44")


def test_an_anonymous_request_or_nobody_known_records_no_actor(rf, db):
    from django.contrib.auth.models import AnonymousUser

    request = rf.get("/", REMOTE_ADDR="192.0.2.45")
    request.user = AnonymousUser()

    assert Actor.of(request) == Actor(user=None, ip_address="192.0.2.45")
    assert audit_record(by=Actor(), action=AuditEvent.Action.LOGIN_FAILED).actor is None


def test_the_role_signal_is_silent_while_a_service_records_the_change(db):
    from lms.people.roles import roles_audited_here

    user = UserFactory()
    hr, _ = Group.objects.get_or_create(name="hr")

    with roles_audited_here():
        user.groups.add(hr)
    user.groups.add(hr)  # already held: no change, no event

    assert not AuditEvent.objects.filter(action=AuditEvent.Action.ROLES_CHANGED).exists()


ON_POSTGRESQL = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the append-only trigger is PostgreSQL's (migration 0024); SQLite has none",
)


def _written_days_ago(time_machine, days, **detail):
    now = timezone.now()
    time_machine.move_to(now - datetime.timedelta(days=days))
    event = audit_record(action=AuditEvent.Action.LOGIN_FAILED, **detail)
    time_machine.move_to(now)
    return event


@ON_POSTGRESQL
def test_the_database_refuses_to_change_an_audit_event(db):
    event = audit_record(action=AuditEvent.Action.REPORT_DOWNLOADED, file="hr.xlsx")

    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(detail={"file": "nothing.xlsx"})
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("UPDATE lms_auditevent SET actor_id = NULL WHERE id = %s", [event.pk])

    event.refresh_from_db()
    assert event.detail == {"file": "hr.xlsx"}


@ON_POSTGRESQL
def test_the_database_refuses_to_delete_an_audit_event_even_a_very_old_one(db, time_machine):
    old = _written_days_ago(time_machine, 4000, login="old")

    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=old.pk).delete()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM lms_auditevent")

    assert AuditEvent.objects.filter(pk=old.pk).exists()


@ON_POSTGRESQL
def test_the_prunes_permission_ends_with_the_prune(db, settings, time_machine):
    settings.SHINKA_AUDIT_RETENTION_DAYS = 365
    _written_days_ago(time_machine, 400, login="old")
    recent = audit_record(action=AuditEvent.Action.LOGIN_FAILED, login="recent")

    with transaction.atomic():
        assert audit_prune() == 1
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            AuditEvent.objects.filter(pk=recent.pk).delete()

    assert list(AuditEvent.objects.values_list("pk", flat=True)) == [recent.pk]


@ON_POSTGRESQL
def test_the_prune_alone_cannot_delete_what_is_within_retention(db, settings):
    from lms.audit import _prune_before

    recent = audit_record(action=AuditEvent.Action.LOGIN_FAILED, login="recent")

    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        with _prune_before(timezone.now() - datetime.timedelta(days=1)):
            AuditEvent.objects.filter(pk=recent.pk).delete()

    assert AuditEvent.objects.filter(pk=recent.pk).exists()


def test_the_prune_keeps_everything_within_retention_on_every_database(db, settings, time_machine):
    settings.SHINKA_AUDIT_RETENTION_DAYS = 30
    kept = [_written_days_ago(time_machine, days, login=str(days)).pk for days in (0, 10, 29)]
    for days in (31, 365, 4000):
        _written_days_ago(time_machine, days, login=str(days))

    assert audit_prune() == 3
    assert sorted(AuditEvent.objects.values_list("pk", flat=True)) == sorted(kept)


def test_changing_ones_own_password_is_audited_without_the_password(client, db):
    user = UserFactory(staff_number="4322")
    client.force_login(user)

    client.post(
        reverse("account_change_password"),
        {
            "oldpassword": PASSWORD,
            "password1": "a-new-long-password-42",
            "password2": "a-new-long-password-42",
        },
    )

    event = AuditEvent.objects.get(action=AuditEvent.Action.PASSWORD_CHANGED)
    assert (event.actor, event.subject, event.detail) == (user, user, {"via": "change"})
    assert "a-new-long-password-42" not in str(event.detail)
