"""Celery tasks: thin adapters around services. Ids in, services do the work.

Reliability (shared/REFERENCE.md, Celery): ``acks_late`` with
``reject_on_worker_lost`` so a killed worker's report is redelivered; the
services are idempotent (a run is claimed with a conditional UPDATE), so a
redelivery or a second beat never builds or sends twice.
"""

import logging

from celery import shared_task
from django.db import DatabaseError

logger = logging.getLogger(__name__)


@shared_task(
    name="lms.build_report",
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(DatabaseError, OSError),
    retry_backoff=5,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=5,
)
def build_report(self, run_id: int) -> str:
    from .services import report_build, report_fail, report_requeue

    if (self.request.delivery_info or {}).get("redelivered"):
        # The worker that had this message died mid-build (acks_late kept the
        # message); its claim is void, so the run goes back to the queue state.
        report_requeue(run_id=run_id, note="redelivered after a lost worker")
    try:
        return report_build(run_id=run_id).status
    except self.autoretry_for:
        if self.request.retries >= self.max_retries:
            report_fail(run_id=run_id, error="The database or storage stayed unavailable.")
        else:
            try:
                report_requeue(run_id=run_id, note=f"retry {self.request.retries + 1}")
            except DatabaseError:
                pass  # the database is down: the sweeper requeues the abandoned build
        raise
    except Exception as error:
        report_fail(run_id=run_id, error=f"{error.__class__.__name__}: {error}")
        raise


@shared_task(name="lms.schedule_report", acks_late=True)
def schedule_report(kind: str) -> list[int]:
    """Beat entry point: request today's report for every organisation (idempotent)."""
    from courses.fiscal import local_today

    from .models import Organization, ReportRun
    from .services import report_request

    return [
        report_request(
            organization=organization,
            kind=kind,
            as_of=local_today(),
            trigger=ReportRun.Trigger.SCHEDULE,
        ).run.pk
        for organization in Organization.objects.all()
    ]


@shared_task(name="lms.sweep_reports")
def sweep_reports() -> int:
    from .services import report_sweep

    return report_sweep()


@shared_task(name="lms.send_reminders", acks_late=True)
def send_reminders() -> int:
    from .reminders import reminders_send

    return reminders_send()


@shared_task(name="lms.publish_scheduled")
def publish_scheduled() -> None:
    """Publish (and expire) pages and snippets whose scheduled time has come."""
    from django.core.management import call_command

    call_command("publish_scheduled")


@shared_task(name="lms.prune_audit")
def prune_audit() -> int:
    from .services import audit_prune

    return audit_prune()
