"""The audit log: one service writes every event (append-only)."""

import datetime
import re

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from lms.models import AuditEvent


def client_ip(request) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


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
def audit_record(*, request=None, action: str, subject=None, actor=None, **detail) -> AuditEvent:
    """Write one audit event. ``request`` gives the actor and address when there is one."""
    if request is not None and actor is None and request.user.is_authenticated:
        actor = request.user
    return AuditEvent.objects.create(
        actor=actor,
        action=action,
        subject=subject,
        detail=_clean(detail),
        ip_address=client_ip(request) if request is not None else None,
    )


def audit_prune(*, now: datetime.datetime | None = None) -> int:
    """Delete audit events older than SHINKA_AUDIT_RETENTION_DAYS. Returns how many."""
    now = now or timezone.now()
    limit = now - datetime.timedelta(days=settings.SHINKA_AUDIT_RETENTION_DAYS)
    deleted, _counts = AuditEvent.objects.filter(occurred_at__lt=limit).delete()
    return deleted
