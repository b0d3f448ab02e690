"""Report runs: built once, delivered, retried, failed with a reason."""

import datetime
from pathlib import Path

import openpyxl
import pytest
from django.core import mail

from lms.models import Notice, OutgoingMail, ReportRun
from lms.people.roles import Role
from lms.reporting.runs import report_build, report_request
from tests.lms.towns import AS_OF


def _queued(organization, django_capture_on_commit_callbacks):
    """Today's HR report, asked for but not yet published to a worker."""
    with django_capture_on_commit_callbacks(execute=False):
        return report_request(
            organization=organization, kind="hr_completion", as_of=AS_OF, trigger="command"
        ).run


@pytest.fixture
def hr_people(make_staff):
    return [make_staff("jinji", roles=[Role.HR], email="hr@example.jp")]


@pytest.mark.usefixtures("town", "hr_people", "eager_jobs")
def test_a_report_is_built_once_delivered_and_readable(
    organization, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        first = report_request(
            organization=organization, kind="hr_completion", as_of=AS_OF, trigger="command"
        )
        again = report_request(
            organization=organization, kind="hr_completion", as_of=AS_OF, trigger="command"
        )
    assert first.created and not again.created and first.run.pk == again.run.pk

    with django_capture_on_commit_callbacks(execute=True):  # the mail goes after the commit
        run = report_build(run_id=first.run.pk)
        report_build(run_id=first.run.pk)  # a redelivered job does nothing

    run.refresh_from_db()
    assert run.status == ReportRun.Status.DELIVERED
    assert run.row_count == 12  # the five of the town and the HR officer, two courses each
    assert [step["status"] for step in run.history] == ["queued", "building", "ready", "delivered"]
    workbook = openpyxl.load_workbook(run.xlsx_file.path)
    assert workbook.sheetnames == ["所属別", "職位別", "個人別"]
    assert workbook["個人別"].max_row == 13
    assert workbook["個人別"]["A1"].value == "職員番号"
    assert run.csv_file.open("rb").read(3) == b"\xef\xbb\xbf"
    assert Notice.objects.filter(link__endswith=f"/reports/{run.pk}/").count() == 1
    assert len(mail.outbox) == 1 and not mail.outbox[0].attachments
    assert f"/reports/{run.pk}/" in mail.outbox[0].body
    outgoing = OutgoingMail.objects.get()  # through the outbox, marked sent once accepted
    assert (outgoing.kind, outgoing.status, outgoing.attempts) == ("report_delivered", "sent", 1)
    assert outgoing.dedupe_key == f"report:{run.pk}:{outgoing.recipient_id}"
    assert run.summary["total"]["assigned"] == 12


def test_a_failed_report_can_be_requested_again(organization, django_capture_on_commit_callbacks):
    run = _queued(organization, django_capture_on_commit_callbacks)
    ReportRun.objects.filter(pk=run.pk).update(status=ReportRun.Status.FAILED, error="x")

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        again = report_request(
            organization=organization, kind="hr_completion", as_of=AS_OF, trigger="command"
        )

    assert again.created and len(callbacks) == 1
    assert ReportRun.objects.get().status == ReportRun.Status.QUEUED


def test_a_run_being_built_is_not_built_again(
    town, organization, django_capture_on_commit_callbacks
):
    run = _queued(organization, django_capture_on_commit_callbacks)
    ReportRun.objects.filter(pk=run.pk).update(status=ReportRun.Status.BUILDING)

    report_build(run_id=run.pk)

    run.refresh_from_db()
    assert run.status == ReportRun.Status.BUILDING and not run.xlsx_file


def test_the_sweeper_requeues_abandoned_builds_but_leaves_fresh_ones(
    town, organization, monkeypatch, django_capture_on_commit_callbacks
):
    from django.utils import timezone

    from lms.reporting import runs as services
    from lms.reporting.runs import report_sweep

    published = []
    monkeypatch.setattr(services, "report_enqueue", lambda run_id: published.append(run_id) or True)
    run = _queued(organization, django_capture_on_commit_callbacks)

    assert report_sweep() == 0  # freshly queued: its message is on its way

    ReportRun.objects.filter(pk=run.pk).update(
        status=ReportRun.Status.BUILDING,
        started_at=timezone.now() - datetime.timedelta(hours=2),
    )
    assert report_sweep() == 1
    run.refresh_from_db()
    assert run.status == ReportRun.Status.QUEUED and published == [run.pk]
    assert run.history[-1]["note"] == "abandoned build"


def test_a_redelivered_job_rebuilds_a_run_its_dead_worker_had_claimed(
    town, organization, django_capture_on_commit_callbacks
):
    from lms.reporting.tasks import build_report

    run = _queued(organization, django_capture_on_commit_callbacks)
    ReportRun.objects.filter(pk=run.pk).update(
        status=ReportRun.Status.BUILDING, claim="job-1"
    )  # the dead worker's claim: the same job, redelivered

    build_report.push_request(id="job-1", delivery_info={"redelivered": True}, retries=0)
    try:
        build_report.run(run.pk)
    finally:
        build_report.pop_request()

    run.refresh_from_db()
    assert run.status == ReportRun.Status.DELIVERED
    assert "redelivered after a lost worker" in [step["note"] for step in run.history]


def _run_task(task, *args, retries, job="job-1"):
    task.push_request(id=job, retries=retries)
    try:
        return task.run(*args)
    finally:
        task.pop_request()


def test_a_retry_takes_over_the_claim_its_failed_attempt_could_not_release(
    town, organization, django_capture_on_commit_callbacks
):
    from lms.reporting.tasks import build_report

    run = _queued(organization, django_capture_on_commit_callbacks)
    # The first attempt claimed the run, then lost the database before it could
    # write anything else down.
    ReportRun.objects.filter(pk=run.pk).update(status=ReportRun.Status.BUILDING, claim="job-1")

    _run_task(build_report, run.pk, retries=1)

    run.refresh_from_db()
    assert run.status == ReportRun.Status.DELIVERED
    assert "retry 1" in [step["note"] for step in run.history]


def test_a_retry_never_takes_over_a_build_another_job_holds(
    town, organization, django_capture_on_commit_callbacks
):
    from lms.reporting.tasks import build_report

    run = _queued(organization, django_capture_on_commit_callbacks)
    # A duplicate job (a second message from the sweeper) retries while the
    # job that claimed the run is still building it.
    ReportRun.objects.filter(pk=run.pk).update(status=ReportRun.Status.BUILDING, claim="job-1")

    _run_task(build_report, run.pk, retries=1, job="duplicate")

    run.refresh_from_db()
    assert (run.status, run.claim) == (ReportRun.Status.BUILDING, "job-1")
    assert not run.xlsx_file


def test_a_late_failure_never_fails_a_newer_build(
    town, organization, django_capture_on_commit_callbacks
):
    from lms.reporting.tasks import record_report_failure

    run = _queued(organization, django_capture_on_commit_callbacks)
    # The database was away for long; the sweeper requeued the run and another
    # job is building it when the first job's failure can finally be written.
    ReportRun.objects.filter(pk=run.pk).update(status=ReportRun.Status.BUILDING, claim="newer")

    record_report_failure(run.pk, ReportRun.Failure.UNAVAILABLE, "OperationalError", "job-1")

    run.refresh_from_db()
    assert (run.status, run.failure) == (ReportRun.Status.BUILDING, "")


def test_without_a_worker_a_database_error_fails_the_run_at_once_and_the_page_answers(
    client, town, make_staff, monkeypatch, django_capture_on_commit_callbacks, eager_jobs
):
    from django.db import OperationalError
    from django.urls import reverse

    def database_gone(run, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr("lms.reporting.runs.build_files", database_gone)
    client.force_login(make_staff("jinji", roles=[Role.HR]))

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("lms:report_request"), {"kind": "hr_completion"})

    assert response.status_code == 302
    run = ReportRun.objects.get()
    assert (run.status, run.failure) == (ReportRun.Status.FAILED, ReportRun.Failure.UNAVAILABLE)


def test_when_retries_run_out_the_run_fails_with_a_reason_and_no_file(
    town, organization, django_capture_on_commit_callbacks, monkeypatch, settings
):
    from django.db import OperationalError

    from lms.reporting.tasks import build_report

    def database_gone(run, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr("lms.reporting.runs.build_files", database_gone)
    run = _queued(organization, django_capture_on_commit_callbacks)
    private = Path(settings.STORAGES["private"]["OPTIONS"]["location"])
    files_before = set(private.rglob("*"))

    with pytest.raises(OperationalError):
        _run_task(build_report, run.pk, retries=build_report.max_retries)

    run.refresh_from_db()
    assert run.status == ReportRun.Status.FAILED
    assert run.failure == ReportRun.Failure.UNAVAILABLE
    assert "server closed the connection" in run.error
    assert not run.xlsx_file and not run.csv_file
    assert set(private.rglob("*")) == files_before


def test_an_attempt_with_retries_left_leaves_the_run_to_its_retry(
    town, organization, django_capture_on_commit_callbacks, monkeypatch
):
    from django.db import OperationalError

    from lms.reporting.tasks import build_report

    def database_gone(run, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr("lms.reporting.runs.build_files", database_gone)
    monkeypatch.setattr(build_report, "retry", lambda exc, **kwargs: exc)
    run = _queued(organization, django_capture_on_commit_callbacks)

    with pytest.raises(OperationalError):
        _run_task(build_report, run.pk, retries=0)

    run.refresh_from_db()
    assert run.status == ReportRun.Status.BUILDING and not run.failure


def test_a_failure_the_database_cannot_take_is_recorded_once_it_is_back(
    town, organization, django_capture_on_commit_callbacks, monkeypatch
):
    from django.db import OperationalError

    from lms.reporting import runs as services
    from lms.reporting import tasks

    def database_gone(run, **kwargs):
        raise OperationalError("the database system is shutting down")

    real_fail = services.report_fail

    def fail_while_down(**kwargs):
        raise OperationalError("connection refused")

    deferred = []
    monkeypatch.setattr("lms.reporting.runs.build_files", database_gone)
    monkeypatch.setattr("lms.reporting.runs.report_fail", fail_while_down)
    monkeypatch.setattr(
        tasks.record_report_failure, "apply_async", lambda args, **kw: deferred.append(args)
    )
    run = _queued(organization, django_capture_on_commit_callbacks)

    with pytest.raises(OperationalError):
        _run_task(tasks.build_report, run.pk, retries=tasks.build_report.max_retries)

    assert ReportRun.objects.get(pk=run.pk).status == ReportRun.Status.BUILDING
    assert len(deferred) == 1
    monkeypatch.setattr("lms.reporting.runs.report_fail", real_fail)  # the database is back

    tasks.record_report_failure(*deferred[0])

    run.refresh_from_db()
    assert (run.status, run.failure) == (ReportRun.Status.FAILED, ReportRun.Failure.UNAVAILABLE)


def test_a_late_failure_never_overwrites_a_finished_report(
    town, organization, django_capture_on_commit_callbacks
):
    from lms.reporting.runs import report_fail

    run = report_build(run_id=_queued(organization, django_capture_on_commit_callbacks).pk)
    assert run.status == ReportRun.Status.DELIVERED

    assert not report_fail(run_id=run.pk, failure=ReportRun.Failure.UNAVAILABLE, error="late")

    run.refresh_from_db()
    assert run.status == ReportRun.Status.DELIVERED and not run.failure


def test_hr_reads_why_a_report_failed_in_japanese(client, organization, make_staff):
    from django.urls import reverse

    from lms.reporting.runs import report_fail

    hr = make_staff("jinji", roles=[Role.HR])
    run = ReportRun.objects.create(
        organization=organization, kind="hr_completion", fiscal_year=2026, as_of=AS_OF,
        trigger="command", status=ReportRun.Status.BUILDING,
    )  # fmt: skip
    report_fail(run_id=run.pk, failure=ReportRun.Failure.UNAVAILABLE, error="OperationalError: x")
    client.force_login(hr)

    page = client.get(reverse("lms:report_detail", args=[run.pk])).content.decode()

    assert "データベース" in page and "もう一度" in page
    assert "OperationalError: x" not in page  # technical detail (hosts, addresses): admins only
    client.force_login(make_staff("jinji", roles=[Role.HR, Role.ADMIN], is_superuser=True))
    admin_page = client.get(reverse("lms:report_detail", args=[run.pk])).content.decode()
    assert "OperationalError: x" in admin_page


def test_the_queue_state_is_a_field_that_follows_the_job_through_a_dead_broker(
    organization, monkeypatch, django_capture_on_commit_callbacks
):
    from django.db import OperationalError

    from lms.reporting.runs import report_enqueue, report_sweep
    from lms.reporting.tasks import build_report

    def broker_down(*args, **kwargs):
        raise OperationalError("Connection refused")

    run = _queued(organization, django_capture_on_commit_callbacks)
    assert run.dispatch == ReportRun.Dispatch.PENDING and not run.waiting_for_queue

    monkeypatch.setattr(build_report, "apply_async", broker_down)
    assert not report_enqueue(run_id=run.pk)
    assert not report_enqueue(run_id=run.pk)  # still down: noted once in the history
    run.refresh_from_db()
    assert run.dispatch == ReportRun.Dispatch.BROKER_DOWN and run.waiting_for_queue
    notes = [step["note"] for step in run.history]
    assert notes.count(ReportRun.PUBLISH_FAILED) == 1

    published = []
    monkeypatch.setattr(build_report, "apply_async", lambda *a, **k: published.append(a))
    assert report_sweep() == 1  # the broker is back
    run.refresh_from_db()
    assert run.dispatch == ReportRun.Dispatch.PUBLISHED and not run.waiting_for_queue
    assert run.status == ReportRun.Status.QUEUED
    assert report_sweep() == 0 and len(published) == 1  # on the queue: not published again


def test_waiting_for_the_queue_is_read_from_the_field_not_from_the_history(
    organization, django_capture_on_commit_callbacks
):
    run = _queued(organization, django_capture_on_commit_callbacks)
    run.history = [*run.history, {"status": "queued", "at": "", "note": ReportRun.PUBLISH_FAILED}]

    assert not run.waiting_for_queue  # the history is a log for people
    run.dispatch = ReportRun.Dispatch.BROKER_DOWN
    assert run.waiting_for_queue
    run.status = ReportRun.Status.BUILDING
    assert not run.waiting_for_queue


@pytest.mark.usefixtures("town")
def test_a_job_marks_its_run_published_and_the_command_build_leaves_it_pending(
    organization, django_capture_on_commit_callbacks
):
    from lms.reporting.tasks import build_report

    run = _queued(organization, django_capture_on_commit_callbacks)
    report_build(run_id=run.pk)  # as the management command does, in its own process
    run.refresh_from_db()
    assert (run.status, run.dispatch) == (ReportRun.Status.DELIVERED, ReportRun.Dispatch.PENDING)

    ReportRun.objects.filter(pk=run.pk).update(status=ReportRun.Status.FAILED)
    with django_capture_on_commit_callbacks(execute=False):
        again = report_request(
            organization=organization, kind="hr_completion", as_of=AS_OF, trigger="dashboard"
        ).run
    assert again.dispatch == ReportRun.Dispatch.PENDING
    ReportRun.objects.filter(pk=run.pk).update(dispatch=ReportRun.Dispatch.BROKER_DOWN)
    _run_task(build_report, run.pk, retries=0)  # a worker got it: the queue was reached
    run.refresh_from_db()
    assert (run.status, run.dispatch) == (
        ReportRun.Status.DELIVERED,
        ReportRun.Dispatch.PUBLISHED,
    )


def test_a_requeued_build_waits_for_the_sweeper_or_for_its_own_job(
    organization, django_capture_on_commit_callbacks
):
    from lms.reporting.runs import report_requeue

    run = _queued(organization, django_capture_on_commit_callbacks)
    building = {"status": ReportRun.Status.BUILDING, "claim": "job-1"}

    ReportRun.objects.filter(pk=run.pk).update(**building, dispatch=ReportRun.Dispatch.PUBLISHED)
    assert report_requeue(run_id=run.pk, note="abandoned build")  # the sweeper publishes it
    run.refresh_from_db()
    assert (run.status, run.dispatch) == (ReportRun.Status.QUEUED, ReportRun.Dispatch.PENDING)

    ReportRun.objects.filter(pk=run.pk).update(**building)
    assert report_requeue(run_id=run.pk, note="retry 1", claim="job-1")  # its job goes on
    run.refresh_from_db()
    assert (run.status, run.dispatch) == (ReportRun.Status.QUEUED, ReportRun.Dispatch.PUBLISHED)


# Versions: a rebuild for the same date supersedes the earlier version when published.


def _delivered(organization, django_capture_on_commit_callbacks, *, kind="hr_completion"):
    with django_capture_on_commit_callbacks(execute=False):
        run = report_request(organization=organization, kind=kind, as_of=AS_OF, trigger="command")
    return report_build(run_id=run.run.pk)


def _rebuild(run, who=None, *, reason="data_corrected", note=""):
    from lms.audit import Actor
    from lms.reporting.runs import report_rebuild

    return report_rebuild(
        run_id=run.pk, reason=reason, note=note, actor=Actor(user=who), publish=False
    )


@pytest.mark.usefixtures("town")
def test_a_rebuild_is_a_new_version_that_supersedes_the_old_only_once_published(
    organization, hr_people, django_capture_on_commit_callbacks
):
    from lms.models import AuditEvent

    first = _delivered(organization, django_capture_on_commit_callbacks)

    asked = _rebuild(first, hr_people[0], note="名簿の誤りを修正")
    first.refresh_from_db()
    assert asked.created and asked.run.version == 2 and asked.run.supersedes == first
    assert first.is_current  # until the new version is ready, the old one is read
    second = report_build(run_id=asked.run.pk)

    first.refresh_from_db()
    assert second.status == ReportRun.Status.DELIVERED and second.is_current
    assert first.superseded_at is not None and not first.is_current
    assert first.xlsx_file and first.status == ReportRun.Status.DELIVERED  # both kept
    assert (second.requested_by, second.rebuild_reason, second.rebuild_note) == (
        hr_people[0],
        "data_corrected",
        "名簿の誤りを修正",
    )
    asked_event = AuditEvent.objects.get(action=AuditEvent.Action.REPORT_REBUILD_REQUESTED)
    assert asked_event.actor == hr_people[0]
    assert (asked_event.detail["replaces"], asked_event.detail["reason"]) == (
        first.pk,
        "data_corrected",
    )
    built = AuditEvent.objects.filter(action=AuditEvent.Action.REPORT_GENERATED).latest("pk")
    assert (built.detail["version"], built.detail["replaces"]) == (2, first.pk)


@pytest.mark.usefixtures("town")
def test_asking_for_a_report_again_gives_its_latest_version_and_builds_nothing(
    organization, django_capture_on_commit_callbacks
):
    first = _delivered(organization, django_capture_on_commit_callbacks)
    second = report_build(run_id=_rebuild(first).run.pk)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        again = report_request(
            organization=organization, kind="hr_completion", as_of=AS_OF, trigger="schedule"
        )

    assert (again.run.pk, again.created, callbacks) == (second.pk, False, [])
    assert ReportRun.objects.count() == 2


@pytest.mark.usefixtures("town")
def test_a_rebuild_asked_twice_makes_one_new_version(
    organization, hr_people, django_capture_on_commit_callbacks
):
    from lms.models import AuditEvent

    first = _delivered(organization, django_capture_on_commit_callbacks)

    one = _rebuild(first, hr_people[0])
    while_building = _rebuild(first, hr_people[0])  # a double click
    report_build(run_id=one.run.pk)
    after_it_is_ready = _rebuild(first, hr_people[0])  # a second tab, still showing version 1

    assert one.created and not while_building.created and not after_it_is_ready.created
    assert while_building.run.pk == after_it_is_ready.run.pk == one.run.pk
    assert list(ReportRun.objects.order_by("version").values_list("version", flat=True)) == [1, 2]
    assert AuditEvent.objects.filter(action=AuditEvent.Action.REPORT_REBUILD_REQUESTED).count() == 1


@pytest.mark.usefixtures("town")
def test_a_failed_rebuild_is_asked_again_on_the_same_version(
    organization, hr_people, django_capture_on_commit_callbacks
):
    first = _delivered(organization, django_capture_on_commit_callbacks)
    failed = _rebuild(first, reason="other").run
    ReportRun.objects.filter(pk=failed.pk).update(status=ReportRun.Status.FAILED, failure="error")

    again = _rebuild(first, hr_people[0], reason="data_corrected", note="再実行")

    failed.refresh_from_db()
    assert again.created and again.run.pk == failed.pk
    assert (failed.status, failed.rebuild_reason, failed.rebuild_note, failed.failure) == (
        ReportRun.Status.QUEUED,
        "data_corrected",
        "再実行",
        "",
    )
    assert ReportRun.objects.count() == 2


@pytest.mark.usefixtures("town", "eager_jobs")
def test_the_notice_and_mail_of_a_new_version_say_it_replaces_the_earlier_one(
    organization, hr_people, django_capture_on_commit_callbacks
):
    first = _delivered(organization, django_capture_on_commit_callbacks)
    mail.outbox.clear()

    rebuild = _rebuild(first, note="異動の反映漏れを修正").run.pk
    with django_capture_on_commit_callbacks(execute=True):
        second = report_build(run_id=rebuild)

    notice = Notice.objects.get(link__endswith=f"/reports/{second.pk}/")
    assert "第2版ができました。以前の版に代わるものです（理由：データを修正した）" in notice.message
    (message,) = mail.outbox
    assert "以前の版に代わるもの" in message.subject
    assert "メモ：異動の反映漏れを修正" in message.body and f"/reports/{second.pk}/" in message.body


@pytest.mark.usefixtures("town")
def test_a_new_candidate_version_is_compared_with_the_version_it_replaces(
    organization, django_capture_on_commit_callbacks
):
    first = _delivered(organization, django_capture_on_commit_callbacks, kind="dx_candidates")

    second = report_build(run_id=_rebuild(first, reason="criteria_changed").run.pk)

    assert second.summary["changes"]["previous_id"] == first.pk


def _scope(organization, **fields):
    return {
        "organization": organization,
        "kind": "hr_completion",
        "fiscal_year": 2026,
        "as_of": AS_OF,
        "trigger": "command",
        **fields,
    }


def test_the_database_keeps_one_build_per_version_and_one_current_version(organization):
    """The constraints, on SQLite and on PostgreSQL alike."""
    from django.db import IntegrityError, transaction
    from django.utils import timezone

    delivered = ReportRun.Status.DELIVERED
    first = ReportRun.objects.create(**_scope(organization, status=delivered))
    attempts = {
        "the same version twice": _scope(organization, status=ReportRun.Status.QUEUED),
        "a second current version": _scope(organization, version=2, status=delivered),
    }
    for fields in attempts.values():
        with pytest.raises(IntegrityError), transaction.atomic():
            ReportRun.objects.create(**fields)
    building = ReportRun.objects.create(**_scope(organization, version=2, supersedes=first))
    with pytest.raises(IntegrityError), transaction.atomic():  # two builds of one report
        ReportRun.objects.create(**_scope(organization, version=3, status=ReportRun.Status.FAILED))
    with pytest.raises(IntegrityError), transaction.atomic():  # a version replaced twice
        ReportRun.objects.create(
            **_scope(
                organization,
                version=3,
                supersedes=first,
                status=delivered,
                superseded_at=timezone.now(),
            )
        )
    ReportRun.objects.filter(pk=first.pk).update(superseded_at=timezone.now())
    ReportRun.objects.filter(pk=building.pk).update(status=delivered)

    assert ReportRun.objects.filter(superseded_at__isnull=True, status=delivered).get() == building


# The fiscal-year close freezes the year-end report.

YEAR_END = datetime.date(2026, 3, 31)


def _closed_year_end(organization, django_capture_on_commit_callbacks):
    """Fiscal year 2025's year-end report, delivered, and the year closed on it."""
    from lms.models import FiscalYearClose

    with django_capture_on_commit_callbacks(execute=False):
        run = report_request(
            organization=organization, kind="hr_completion", as_of=YEAR_END, trigger="command"
        ).run
    run = report_build(run_id=run.pk)
    FiscalYearClose.objects.create(organization=organization, fiscal_year=2025, report=run)
    return run


@pytest.mark.usefixtures("town")
def test_the_year_end_report_of_a_closed_year_is_never_rebuilt(
    organization, django_capture_on_commit_callbacks
):
    from lms.reporting.runs import ReportFrozen

    final = _closed_year_end(organization, django_capture_on_commit_callbacks)

    with pytest.raises(ReportFrozen) as refused:
        _rebuild(final)

    assert "令和7年度は締められています" in refused.value.message
    assert ReportRun.objects.get() == final and final.is_current


@pytest.mark.usefixtures("town")
def test_a_rebuild_on_its_way_when_the_year_is_closed_is_not_published(
    organization, django_capture_on_commit_callbacks
):
    from lms.models import FiscalYearClose

    with django_capture_on_commit_callbacks(execute=False):
        run = report_request(
            organization=organization, kind="hr_completion", as_of=YEAR_END, trigger="command"
        ).run
    final = report_build(run_id=run.pk)
    late = _rebuild(final).run
    FiscalYearClose.objects.create(organization=organization, fiscal_year=2025, report=final)

    report_build(run_id=late.pk)

    late.refresh_from_db()
    final.refresh_from_db()
    assert (late.status, late.failure, late.xlsx_file.name) == (
        ReportRun.Status.FAILED,
        ReportRun.Failure.FROZEN,
        "",
    )
    assert final.is_current


@pytest.mark.usefixtures("town")
def test_a_failed_rebuild_of_a_closed_years_report_cannot_be_asked_again(
    organization, django_capture_on_commit_callbacks
):
    from lms.models import FiscalYearClose
    from lms.reporting.runs import ReportFrozen

    with django_capture_on_commit_callbacks(execute=False):
        run = report_request(
            organization=organization, kind="hr_completion", as_of=YEAR_END, trigger="command"
        ).run
    final = report_build(run_id=run.pk)
    failed = _rebuild(final).run
    ReportRun.objects.filter(pk=failed.pk).update(status=ReportRun.Status.FAILED)
    FiscalYearClose.objects.create(organization=organization, fiscal_year=2025, report=final)

    with pytest.raises(ReportFrozen):
        report_request(
            organization=organization, kind="hr_completion", as_of=YEAR_END, trigger="dashboard"
        )
    with pytest.raises(ReportFrozen):
        _rebuild(final)

    failed.refresh_from_db()
    assert failed.status == ReportRun.Status.FAILED
