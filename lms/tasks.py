"""Celery tasks, where Celery's autodiscovery looks for them.

The report, sweeper and reminder tasks live with the reports (``lms.reporting.tasks``);
importing them here registers them. Ids in, services do the work.
"""

from celery import shared_task

from lms.reporting.tasks import (  # noqa: F401 - registered by being imported
    build_report,
    record_report_failure,
    schedule_report,
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
