"""The audit log: one service writes every event (append-only).

An action that changes or hands out personal data writes its own event inside
its own transaction (``audit_record(by=actor, ...)``), so either both the change
and its event remain, or neither does. Views and commands only say who acts and
from where, with an ``Actor``.
"""

import contextlib
import datetime
import re
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from lms.models import AuditEvent


def client_ip(request) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


@dataclass(frozen=True)
class Actor:
    """Who acts, and from where: the actor and address an audit event records.

    ``Actor()`` is an action with nobody known behind it (the demo seed, a
    command run without ``--actor``); its events have no actor.
    """

    user: object = None
    ip_address: str | None = None

    @classmethod
    def of(cls, request) -> "Actor":
        """The signed-in user of ``request`` (if any) and the address it came from."""
        user = getattr(request, "user", None)
        return cls(
            user=user if user is not None and user.is_authenticated else None,
            ip_address=client_ip(request),
        )


CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]")


def _clean(value):
    """Audit details never carry line breaks or control characters (no forged log lines)."""
    if isinstance(value, str):
        return CONTROL_CHARACTERS.sub("\N{SYMBOL FOR NEWLINE}", value)[:500]
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


@transaction.atomic
def audit_record(
    *, request=None, by: Actor | None = None, action: str, subject=None, actor=None, **detail
) -> AuditEvent:
    """Write one audit event.

    ``by`` (an ``Actor``) or ``request`` gives the actor and address when there is one;
    ``actor`` names the user outright (sign-ins, where the request has no user yet).
    """
    if by is None:
        by = Actor.of(request) if request is not None else Actor()
    return AuditEvent.objects.create(
        actor=actor if actor is not None else by.user,
        action=action,
        subject=subject,
        detail=_clean(detail),
        ip_address=by.ip_address,
    )


# Read by the append-only trigger on PostgreSQL (migration 0024_grants_audit_append_only).
PRUNE_SETTING = "shinka.audit_prune_before"


@contextlib.contextmanager
def _prune_before(limit: datetime.datetime):
    """Within this block, the trigger lets DELETE remove events older than ``limit``.

    The setting is transaction-local (``set_config(..., true)``) and cleared again when the
    block ends, so nothing else in the same transaction inherits it; a failure rolls the
    transaction (or savepoint) back, which undoes the setting too. Nothing to do on SQLite,
    which has no trigger.
    """
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config(%s, %s, true)", [PRUNE_SETTING, limit.isoformat()])
    yield
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config(%s, '', true)", [PRUNE_SETTING])


@transaction.atomic
def audit_prune(*, now: datetime.datetime | None = None) -> int:
    """Delete audit events older than SHINKA_AUDIT_RETENTION_DAYS. Returns how many.

    The only deletion the audit log allows: the trigger refuses any other UPDATE or DELETE.
    """
    now = now or timezone.now()
    limit = now - datetime.timedelta(days=settings.SHINKA_AUDIT_RETENTION_DAYS)
    with _prune_before(limit):
        deleted, _counts = AuditEvent.objects.filter(occurred_at__lt=limit).delete()
    return deleted
