"""Celery tasks: thin adapters around services. Ids in, services do the work.

Reliability (shared/REFERENCE.md, Celery): ``acks_late`` with
``reject_on_worker_lost`` so a killed worker's report is redelivered; the
services are idempotent (a run is claimed with a conditional UPDATE), so a
redelivery or a second beat never builds or sends twice.
"""

import logging

from celery import shared_task
from django.conf import settings
from django.db import (
    DatabaseError,
    InterfaceError,
    OperationalError,
    close_old_connections,
    connection,
)

logger = logging.getLogger(__name__)


# Errors that say the database or the file storage is (for now) unreachable.
UNAVAILABLE = (DatabaseError, OSError)


@shared_task(
    name="lms.build_report",
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=UNAVAILABLE,
    retry_backoff=settings.SHINKA_REPORT_RETRY_BACKOFF,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=settings.SHINKA_REPORT_RETRIES,
)
def build_report(self, run_id: int) -> str:
    from lms.models import ReportRun
    from lms.reporting.runs import NOTE_REDELIVERED, NOTE_RETRY, report_build, report_requeue

    # The job's id stays the same through its retries and redeliveries: it is
    # the claim on the run, so this job only ever takes over its own build.
    claim = self.request.id
    try:
        if (self.request.delivery_info or {}).get("redelivered"):
            # The worker that had this message died mid-build (acks_late kept the
            # message); its claim is void, so the run goes back to the queue state.
            report_requeue(run_id=run_id, note=NOTE_REDELIVERED, claim=claim)
        elif self.request.retries:
            # The previous attempt of this job failed part-way, maybe without
            # being able to write that down (database gone): take over its claim.
            note = NOTE_RETRY.format(count=self.request.retries)
            report_requeue(run_id=run_id, note=note, claim=claim)
        return report_build(run_id=run_id, claim=claim).status
    except UNAVAILABLE as error:
        # Without a worker (the demo) there is nobody to retry later: fail now.
        if self.request.is_eager or self.request.retries >= self.max_retries:
            _record_failure(self, run_id, ReportRun.Failure.UNAVAILABLE, error)
        raise  # autoretry_for schedules the next attempt, with back-off
    except Exception as error:
        _record_failure(self, run_id, ReportRun.Failure.ERROR, error)
        raise


def _record_failure(task, run_id: int, failure: str, error: Exception) -> None:
    """Mark the run failed now, or, if the database is still away, as soon as it is back."""
    from lms.reporting.runs import report_fail

    detail = f"{error.__class__.__name__}: {error}"
    claim = task.request.id
    if not connection.in_atomic_block:
        close_old_connections()  # a connection broken by the outage cannot be reused
    try:
        report_fail(run_id=run_id, failure=failure, error=detail, claim=claim)
    except DatabaseError:
        if task.request.is_eager:
            raise  # in a web request (demo): nothing to defer to
        logger.warning(
            "Report %s failed; the failure is recorded once the database is back.", run_id
        )
        record_report_failure.apply_async(args=[run_id, failure, detail, claim], countdown=1)


@shared_task(
    name="lms.record_report_failure",
    acks_late=True,
    autoretry_for=(OperationalError, InterfaceError),  # the database is away, not wrong
    retry_backoff=settings.SHINKA_REPORT_RETRY_BACKOFF,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=400,  # at most five minutes apart: more than a day
)
def record_report_failure(run_id: int, failure: str, detail: str, claim: str) -> None:
    """Record a build's failure once the database is back, unless a newer build took over."""
    from lms.reporting.runs import report_fail

    report_fail(run_id=run_id, failure=failure, error=detail, claim=claim)


@shared_task(name="lms.schedule_report", acks_late=True)
def schedule_report(kind: str) -> list[int]:
    """Beat entry point: request today's report for every organisation (idempotent)."""
    from courses.fiscal import local_today
    from lms.models import Organization, ReportRun
    from lms.reporting.runs import report_request

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
    from lms.reporting.runs import report_sweep

    return report_sweep()


@shared_task(name="lms.send_reminders", acks_late=True)
def send_reminders() -> int:
    from lms.reporting.reminders import reminders_send

    return reminders_send()


@shared_task(name="lms.send_expiry_warnings", acks_late=True)
def send_expiry_warnings() -> int:
    """Beat, daily: renewal courses' completions entering their window (docs/renewal.md)."""
    from lms.reporting.reminders import expiry_warnings_send

    return expiry_warnings_send()
