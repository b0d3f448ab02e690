"""Report jobs on a real Celery worker, with Redis as the broker and PostgreSQL."""

import datetime
import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.core import mail
from django.db import OperationalError

from config.celery import app
from lms.models import OutgoingMail, ReportRun
from lms.reporting import build as report_build_module
from lms.reporting.runs import report_request
from lms.reporting.tasks import schedule_report
from lms.tasks import send_outgoing_mail  # noqa: F401 - the worker knows the outbox's job

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

AS_OF = datetime.date(2026, 11, 28)


@pytest.fixture
def worker(postgres, redis_broker):
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30) as worker:
        yield worker


def wait_for(run_id, *statuses, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = ReportRun.objects.get(pk=run_id)
        if run.status in statuses:
            return run
        time.sleep(0.2)
    raise AssertionError(f"report {run_id} stayed {run.status}: {run.history}")


def test_a_real_worker_builds_and_delivers_a_report(worker, town):
    run = report_request(
        organization=town, kind="hr_completion", as_of=AS_OF, trigger="command"
    ).run

    run = wait_for(run.pk, ReportRun.Status.DELIVERED, ReportRun.Status.FAILED)

    assert run.status == ReportRun.Status.DELIVERED
    assert run.row_count == 2 and run.xlsx_file and run.sha256


def test_a_real_worker_sends_the_reports_mail_through_the_outbox_once(worker, town):
    run = report_request(
        organization=town, kind="hr_completion", as_of=AS_OF, trigger="command"
    ).run
    wait_for(run.pk, ReportRun.Status.DELIVERED, ReportRun.Status.FAILED)

    # The delivery queued the mail and published its job after commit; the worker sends it.
    deadline = time.monotonic() + 30
    while not OutgoingMail.objects.filter(status="sent").exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    outgoing = OutgoingMail.objects.get()
    assert (outgoing.status, outgoing.attempts, outgoing.kind) == ("sent", 1, "report_delivered")
    assert outgoing.sent_at is not None
    assert [message.to for message in mail.outbox] == [[outgoing.address]]


def test_a_job_that_fails_once_is_retried_and_the_report_is_made_once(worker, town, monkeypatch):
    real_build = report_build_module.build_files
    failures = []

    def flaky(run, **kwargs):
        if not failures:
            failures.append(run.pk)
            raise OperationalError("database went away")
        return real_build(run, **kwargs)

    monkeypatch.setattr("lms.reporting.runs.build_files", flaky)
    run = report_request(
        organization=town, kind="hr_completion", as_of=AS_OF, trigger="command"
    ).run

    run = wait_for(run.pk, ReportRun.Status.DELIVERED, ReportRun.Status.FAILED)

    assert run.status == ReportRun.Status.DELIVERED and failures == [run.pk]
    statuses = [step["status"] for step in run.history]
    assert statuses.count("building") == 2 and statuses.count("ready") == 1


def test_duplicate_triggers_make_one_run(worker, town):
    # Two beats, or a beat and a person, ask for the same report at once.
    schedule_report.delay("hr_completion")
    schedule_report.delay("hr_completion")

    deadline = time.monotonic() + 30
    while not ReportRun.objects.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    run = wait_for(ReportRun.objects.get().pk, ReportRun.Status.DELIVERED)

    # The solo worker runs tasks in order: both triggers ran before the build finished.
    assert ReportRun.objects.count() == 1
    assert [step["status"] for step in run.history].count("building") == 1
