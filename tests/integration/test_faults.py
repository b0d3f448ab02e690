"""Jobs survive faults: a worker killed mid-report, a transaction that rolls back."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection, transaction

from lms.models import ReportRun
from lms.roles import Role
from lms.services import report_request

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

ROOT = Path(__file__).resolve().parents[2]


def start_worker(*, slow_seconds: float, name: str) -> subprocess.Popen:
    database = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": (
            f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}"
        ),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "SHINKA_SLOW_BUILD_SECONDS": str(slow_seconds),
        "SHINKA_PRIVATE_ROOT": settings.STORAGES["private"]["OPTIONS"]["location"],
    }
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "tests.integration.slow_worker", "worker",
         "--pool=solo", "--without-mingle", "--without-gossip", "--without-heartbeat",
         "-n", f"{name}@%h", "--loglevel=INFO"],
        cwd=ROOT, env=env, start_new_session=True,
        stdout=open(f"/tmp/worker-{name}.log", "w"), stderr=subprocess.STDOUT,
    )  # fmt: skip


def stop(worker: subprocess.Popen, sig=signal.SIGTERM) -> None:
    if worker.poll() is None:
        os.killpg(worker.pid, sig)
        worker.wait(timeout=30)


def wait_for(predicate, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.25)
    raise AssertionError("timed out")


@pytest.fixture
def town(postgres, redis_broker, make_staff, make_course, organization):
    from lms.factories import TrackAssignmentFactory

    track, _, _ = make_course(modules=2)
    TrackAssignmentFactory(organization=organization, track=track, applies_to_all=True)
    make_staff("mado")
    make_staff("jinji", roles=[Role.HR])
    return organization


def test_a_report_survives_a_worker_killed_mid_build(town):
    first = start_worker(slow_seconds=60, name="doomed")
    try:
        run = report_request(
            organization=town, kind="hr_completion", as_of=AS_OF, trigger="command"
        ).run
        wait_for(lambda: ReportRun.objects.get(pk=run.pk).status == ReportRun.Status.BUILDING)
    finally:
        stop(first, signal.SIGKILL)
    second = start_worker(slow_seconds=0, name="survivor")
    try:
        run = wait_for(
            lambda: ReportRun.objects.filter(pk=run.pk, status=ReportRun.Status.DELIVERED).first(),
            timeout=90,
        )
    finally:
        stop(second)

    notes = [step["note"] for step in run.history]
    assert "redelivered after a lost worker" in notes
    assert [step["status"] for step in run.history].count("ready") == 1
    stem = f"{run.kind}-{run.fiscal_year}-{run.as_of:%Y%m%d}-{run.pk}"
    files = list(Path(run.xlsx_file.storage.location, "reports").rglob(f"{stem}*.xlsx"))
    assert len(files) == 1  # exactly one output file, the one the run points to
    assert files[0].name == Path(run.xlsx_file.name).name


def test_a_report_requested_in_a_transaction_that_rolls_back_never_runs(town):
    worker = start_worker(slow_seconds=0, name="idle")
    try:
        with pytest.raises(RuntimeError), transaction.atomic():
            report_request(organization=town, kind="hr_completion", as_of=AS_OF, trigger="command")
            raise RuntimeError("the request failed after asking for the report")
        time.sleep(3)
    finally:
        stop(worker)

    assert not ReportRun.objects.exists()


AS_OF = __import__("datetime").date(2026, 11, 28)
