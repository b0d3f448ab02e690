"""Writes for people and organisation. Each service owns its transaction."""

from django.db import transaction

from .models import AuditEvent


def client_ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


@transaction.atomic
def audit_record(*, request, action: str, subject=None, **detail) -> AuditEvent:
    return AuditEvent.objects.create(
        actor=request.user if request.user.is_authenticated else None,
        action=action,
        subject=subject,
        detail=detail,
        ip_address=client_ip(request),
    )
