"""Celery tasks, where Celery's autodiscovery looks for them.

The report, sweeper and reminder tasks live with the reports (``lms.reporting.tasks``);
importing them here registers them. The outbox's jobs are here (services in
``lms/outbox.py``). Ids in, services do the work.
"""

from celery import shared_task
from django.conf import settings
from django.db import DatabaseError

from lms.reporting.tasks import (  # noqa: F401 - registered by being imported
    build_report,
    record_report_failure,
    schedule_report,
    send_expiry_warnings,
    send_reminders,
    sweep_reports,
)


@shared_task(name="lms.publish_scheduled")
def publish_scheduled() -> None:
    """Publish (and expire) pages and snippets whose scheduled time has come."""
    from django.core.management import call_command

    call_command("publish_scheduled")


@shared_task(name="lms.prune_audit")
def prune_audit() -> int:
    from lms.audit import audit_prune

    return audit_prune()


@shared_task(
    name="lms.send_outgoing_mail",
    acks_late=True,
    reject_on_worker_lost=True,
    # The mail server refused or could not be reached (SMTPException is an OSError), or the
    # database is away: try again later, at most SHINKA_MAIL_RETRIES times.
    autoretry_for=(OSError, DatabaseError),
    retry_backoff=settings.SHINKA_MAIL_RETRY_BACKOFF,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=settings.SHINKA_MAIL_RETRIES,
)
def send_outgoing_mail(mail_id: int) -> str:
    """Send one queued mail. The row counts the attempts and decides the last one; a
    retry or a duplicate message finds a sent mail and does nothing."""
    from lms.outbox import outgoing_mail_send

    return outgoing_mail_send(mail_id=mail_id)


@shared_task(name="lms.sweep_outgoing_mail")
def sweep_outgoing_mail() -> int:
    """Beat: publish mail left queued (broker down, worker lost); prune old mail."""
    from lms.outbox import outgoing_mail_sweep

    return outgoing_mail_sweep()


@shared_task(name="lms.send_session_reminders", acks_late=True)
def send_session_reminders() -> int:
    """Beat, daily: the reminder of tomorrow's training sessions (``lms/sessions``)."""
    from lms.sessions.reminders import session_reminders_send

    return session_reminders_send()
