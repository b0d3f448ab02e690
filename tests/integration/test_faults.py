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
from lms.people.roles import Role
from lms.reporting.runs import report_request

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

ROOT = Path(__file__).resolve().parents[2]


def worker_log(name: str) -> Path:
    """Where a started worker writes: one file per test process (pytest-xdist runs two)."""
    return Path(f"/tmp/worker-{name}-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}.log")


def start_worker(
    *, slow_seconds: float, name: str, broker_url: str = "", database_port=None, **extra_env
) -> subprocess.Popen:
    database = connection.settings_dict
    port = database_port or database["PORT"] or 5432
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{port}/{database['NAME']}",
        "CELERY_BROKER_URL": broker_url or settings.CELERY_BROKER_URL,
        "SHINKA_SLOW_BUILD_SECONDS": str(slow_seconds),
        "SHINKA_PRIVATE_ROOT": settings.STORAGES["private"]["OPTIONS"]["location"],
        **extra_env,
    }
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "tests.integration.slow_worker", "worker",
         "--pool=solo", "--without-mingle", "--without-gossip", "--without-heartbeat",
         "-n", f"{name}@%h", "--loglevel=INFO"],
        cwd=ROOT, env=env, start_new_session=True,
        stdout=open(worker_log(name), "w"), stderr=subprocess.STDOUT,
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


def wait_for_status(run, status, timeout=90) -> ReportRun:
    return wait_for(
        lambda: ReportRun.objects.filter(pk=run.pk, status=status).first(), timeout=timeout
    )


@pytest.fixture
def town(postgres, redis_broker, town):
    return town


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
        run = wait_for_status(run, ReportRun.Status.DELIVERED)
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


@pytest.fixture
def private_redis(tmp_path):
    """A Redis server of the test's own, so the test can take it down and bring it back."""
    import shutil
    import socket

    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("needs the redis-server program")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    def start():
        server = subprocess.Popen(
            [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly",
             "no", "--dir", str(tmp_path)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        wait_for(lambda: _answers(port), timeout=10)
        return server

    yield port, start


def _answers(port) -> bool:
    import redis

    try:
        return redis.Redis(port=port, socket_connect_timeout=0.2).ping()
    except redis.RedisError:
        return False


def test_a_dead_broker_keeps_the_page_fast_and_the_report_arrives_once_it_is_back(
    town, private_redis, client, make_staff
):
    from celery import current_app

    from lms.reporting.runs import report_sweep

    port, start = private_redis
    url = f"redis://127.0.0.1:{port}/0"
    original = current_app.conf.broker_url
    # report_enqueue publishes on a connection of its own, made from this setting.
    current_app.conf.broker_url = current_app.conf.broker_write_url = url
    try:
        server = start()
        server.terminate()
        server.wait(timeout=10)  # the broker is down
        client.force_login(make_staff("jinji", roles=[Role.HR]))

        began = time.monotonic()
        response = client.post("/mypage/reports/request/", {"kind": "hr_completion"})
        elapsed = time.monotonic() - began

        assert response.status_code == 302 and elapsed < 2
        run = ReportRun.objects.get()
        assert run.waiting_for_queue

        server = start()  # the broker is back
        worker = start_worker(slow_seconds=0, name="after-outage", broker_url=url)
        try:
            assert report_sweep() == 1
            run = wait_for(
                lambda: ReportRun.objects.filter(status=ReportRun.Status.DELIVERED).first()
            )
        finally:
            stop(worker)
            server.terminate()
    finally:
        current_app.conf.broker_url = current_app.conf.broker_write_url = original

    assert ReportRun.objects.count() == 1
    assert [step["status"] for step in run.history].count("building") == 1


@pytest.fixture
def database_link():
    """The worker reaches PostgreSQL through a proxy the test can cut; the test does not."""
    from .tcp_proxy import CuttableProxy

    database = connection.settings_dict
    proxy = CuttableProxy(database["HOST"] or "127.0.0.1", int(database["PORT"] or 5432))
    yield proxy
    proxy.close()


def files_of(run) -> list[Path]:
    stem = f"{run.kind}-{run.fiscal_year}-{run.as_of:%Y%m%d}-{run.pk}"
    return list(Path(settings.STORAGES["private"]["OPTIONS"]["location"]).rglob(f"{stem}*"))


def start_building_behind(database_link, town, tmp_path, *, name: str, retries: int):
    """A worker reaching the database through the proxy, in the middle of building a report."""
    worker = start_worker(
        slow_seconds=3, name=name, database_port=database_link.port,
        SHINKA_REPORT_RETRIES=str(retries), SHINKA_REPORT_RETRY_BACKOFF="1", TMPDIR=str(tmp_path),
    )  # fmt: skip
    try:
        run = report_request(
            organization=town, kind="hr_completion", as_of=AS_OF, trigger="command"
        ).run
        wait_for(lambda: ReportRun.objects.get(pk=run.pk).status == ReportRun.Status.BUILDING)
    except BaseException:
        stop(worker)
        raise
    return worker, run


def test_a_report_survives_losing_the_database_mid_build(town, database_link, tmp_path):
    worker, run = start_building_behind(database_link, town, tmp_path, name="db-outage", retries=4)
    try:
        database_link.cut()  # the database goes away in the middle of the build
        wait_for(lambda: database_link.refused >= 1)  # a retry found it still away
        database_link.restore()
        run = wait_for_status(run, ReportRun.Status.DELIVERED)
    finally:
        stop(worker)

    notes = [step["note"] for step in run.history]
    assert any(note.startswith("retry ") for note in notes), run.history
    assert [step["status"] for step in run.history].count("ready") == 1
    assert not run.failure and len(files_of(run)) == 2  # one .xlsx, one .csv
    assert not list(tmp_path.glob("shinka-report-*"))  # the broken attempt left nothing


def test_a_report_whose_database_stays_away_ends_failed_with_a_reason_and_no_file(
    town, database_link, tmp_path
):
    log = worker_log("db-gone")
    worker, run = start_building_behind(database_link, town, tmp_path, name="db-gone", retries=1)
    try:
        database_link.cut()
        # Retries run out while the database is still away: the failure itself
        # cannot be written, so it is handed to a job that waits for the database.
        wait_for(lambda: "Task lms.record_report_failure[" in log.read_text(), timeout=60)
        assert ReportRun.objects.get(pk=run.pk).status == ReportRun.Status.BUILDING
        database_link.restore()
        run = wait_for_status(run, ReportRun.Status.FAILED)
    finally:
        stop(worker)

    assert run.failure == ReportRun.Failure.UNAVAILABLE
    assert run.error  # the technical detail, for the administrator
    assert not run.xlsx_file and not files_of(run)
    assert not list(tmp_path.glob("shinka-report-*"))
