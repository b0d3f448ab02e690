"""Report runs: request, publish, build, retry, fail, deliver, sweep.

Each service owns its transaction.
"""

import datetime
import logging
import re
import shutil
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from courses.fiscal import era_of, fiscal_year_of, town_fiscal_year
from lms.audit import Actor, audit_record
from lms.models import AuditEvent, FiscalYearClose, Notice, Organization, OutgoingMail, ReportRun
from lms.outbox import outgoing_mail_publish_on_commit, outgoing_mail_queue
from lms.people.permissions import REPORT_ROLES
from lms.reporting.build import attach, build_files, sha256_of, store_with_run

logger = logging.getLogger(__name__)


REPORT_ALREADY_REQUESTED = gettext_lazy(
    "This report is already being prepared. You will be notified when it is ready."
)


REPORT_QUEUED = gettext_lazy(
    "The report has been requested. You will be notified when it is ready."
)


REPORT_QUEUE_DOWN = gettext_lazy(
    "The report has been recorded but the job queue cannot be reached right now. "
    "It will start automatically when the queue is back; there is no need to ask again."
)


REPORT_FROZEN = gettext_lazy(
    "%(year)s has been closed: its year-end report is final and cannot be rebuilt."
)


class ReportFrozen(Exception):
    """The year-end report of a closed fiscal year cannot be replaced by a new version."""

    def __init__(self, run: ReportRun):
        super().__init__(run.pk)
        self.run = run

    @property
    def message(self) -> str:
        year = town_fiscal_year(self.run.fiscal_year, era_of(self.run.organization))
        return str(REPORT_FROZEN) % {"year": year}


@dataclass(frozen=True)
class ReportRequest:
    run: ReportRun
    created: bool


def _history(run: ReportRun, status: str, note: str = "") -> None:
    run.history = [*run.history, {"status": status, "at": timezone.now().isoformat(), "note": note}]


# The notes of the history, as they are stored (in English, for the log); the report's
# page puts them into words in the reader's language (``history_in_words``). The first
# step's note is the run's trigger (``ReportRun.Trigger``).
NOTE_REQUESTED_AGAIN = "requested again after failure"
NOTE_REBUILD = "rebuild of version {version}: {reason}"
NOTE_REBUILD_AGAIN = "rebuild asked again after failure: {reason}"
NOTE_ABANDONED = "abandoned build"
NOTE_REDELIVERED = "redelivered after a lost worker"
NOTE_RETRY = "retry {count}"
NOTE_ROWS = "{rows} rows"
NOTE_RECIPIENTS = "{count} recipients"


def _note_pattern(note: str) -> re.Pattern:
    """A stored note's form as a regular expression: each ``{name}`` becomes a group."""
    parts = re.split(r"\{(\w+)\}", note)
    return re.compile(
        "".join(
            re.escape(part) if index % 2 == 0 else f"(?P<{part}>.+?)"
            for index, part in enumerate(parts)
        )
        + "$"
    )


@dataclass(frozen=True)
class HistoryStep:
    """A step of a run's history in words: when (aware), the state, what happened."""

    at: datetime.datetime | None
    status: str
    detail: str


def _history_detail(run: ReportRun, status: str, note: str) -> tuple[str, str]:
    """The state and the detail of one stored step, in words; a note of another form
    (older data) is left out rather than shown untranslated."""
    label = ReportRun.Status(status).label if status in ReportRun.Status.values else "—"
    requested = _("requested by: %(who)s")
    if status == ReportRun.Status.QUEUED:
        if note in ReportRun.Trigger.values:
            return label, requested % {"who": run.requester_label}
        if match := _note_pattern(NOTE_REBUILD).match(note):
            return label, _(
                "rebuild of version %(version)s, reason: %(reason)s, requested by: %(who)s"
            ) % {
                "version": match["version"],
                "reason": _reason_words(match["reason"]),
                "who": run.requester_label,
            }
        if match := _note_pattern(NOTE_REBUILD_AGAIN).match(note):
            return label, _("asked for again after the rebuild failed, reason: %(reason)s") % {
                "reason": _reason_words(match["reason"])
            }
        if match := _note_pattern(NOTE_RETRY).match(note):
            return label, _("tried again after a temporary error, attempt %(count)s") % {
                "count": match["count"]  # the job's retries so far
            }
        return label, {
            NOTE_REQUESTED_AGAIN: _("asked for again after it failed"),
            NOTE_ABANDONED: _("the build stopped part-way and was queued again"),
            NOTE_REDELIVERED: _("the build stopped part-way and is being made again"),
            ReportRun.PUBLISH_FAILED: _("waiting: the job queue could not be reached"),
        }.get(note, "")
    if status == ReportRun.Status.READY and (match := _note_pattern(NOTE_ROWS).match(note)):
        return label, _("%(rows)s rows") % {"rows": match["rows"]}
    if status == ReportRun.Status.DELIVERED and (
        match := _note_pattern(NOTE_RECIPIENTS).match(note)
    ):
        return _("Delivered (%(count)s people)") % {"count": match["count"]}, ""
    if status == ReportRun.Status.FAILED and note in ReportRun.Failure.values:
        return label, ReportRun.Failure(note).label
    return label, ""


def _reason_words(reason: str) -> str:
    values = ReportRun.RebuildReason
    return values(reason).label if reason in values.values else "—"


def history_in_words(run: ReportRun) -> list[HistoryStep]:
    """The run's stored history (kept as it was written) in words for its readers."""
    steps = []
    for step in run.history:
        try:
            at = datetime.datetime.fromisoformat(step.get("at") or "")
        except ValueError:
            at = None
        if at is not None and timezone.is_naive(at):
            at = timezone.make_aware(at, datetime.UTC)  # written as UTC by ``_history``
        status, detail = _history_detail(run, step.get("status", ""), step.get("note") or "")
        steps.append(HistoryStep(at=at, status=str(status), detail=str(detail)))
    return steps


def delivered_to(run: ReportRun) -> int | None:
    """How many people the run was delivered to, from its history (None: not delivered)."""
    pattern = _note_pattern(NOTE_RECIPIENTS)
    for step in reversed(run.history):
        if step.get("status") == ReportRun.Status.DELIVERED:
            match = pattern.match(step.get("note") or "")
            return int(match["count"]) if match else None
    return None


def _latest_version(organization, kind: str, as_of: datetime.date) -> ReportRun | None:
    """The newest version of a report, with the organisation locked: requests, rebuilds
    and the fiscal-year close of one town take turns (on PostgreSQL; SQLite has one
    writer at a time anyway), and the constraints on ``ReportRun`` stand behind them."""
    Organization.objects.select_for_update().filter(pk=organization.pk).exists()
    return (
        ReportRun.objects.filter(
            organization=organization, kind=kind, fiscal_year=fiscal_year_of(as_of), as_of=as_of
        )
        .order_by("-version")
        .first()
    )


def report_is_frozen(run_id: int | None) -> bool:
    """Whether the run is the final year-end report of a closed fiscal year."""
    return run_id is not None and FiscalYearClose.objects.filter(report_id=run_id).exists()


def _queue_again(run: ReportRun, note: str) -> None:
    """A failed version goes back to the queue (the same row: one build per version)."""
    if report_is_frozen(run.supersedes_id):
        raise ReportFrozen(run.supersedes)
    run.status = ReportRun.Status.QUEUED
    run.dispatch = ReportRun.Dispatch.PENDING
    run.failure = run.error = ""
    run.queued_at = timezone.now()
    _history(run, ReportRun.Status.QUEUED, note)
    run.save(
        update_fields=[
            "status",
            "dispatch",
            "failure",
            "error",
            "queued_at",
            "history",
            "rebuild_reason",
            "rebuild_note",
            "requested_by",
        ]
    )


@transaction.atomic
def report_request(
    *,
    organization,
    kind: str,
    as_of: datetime.date,
    trigger: str,
    requested_by=None,
    publish: bool = True,
) -> ReportRequest:
    """Ask for a report. Idempotent per (organisation, kind, fiscal year, as-of date).

    The first version is made and queued if there is none; a failed latest
    version is queued again; a version that is queued, building or done is
    returned as it is (a new version only comes from ``report_rebuild``). With
    ``publish``, the job is published after commit. Raises ``ReportFrozen`` when
    the failed version would replace the final report of a closed fiscal year.
    """
    latest = _latest_version(organization, kind, as_of)
    if latest is None:
        run, created = ReportRun.objects.get_or_create(
            organization=organization,
            kind=kind,
            fiscal_year=fiscal_year_of(as_of),
            as_of=as_of,
            version=1,
            defaults={"trigger": trigger, "requested_by": requested_by},
        )
        if created:
            _history(run, ReportRun.Status.QUEUED, trigger)
            run.save(update_fields=["history"])
    elif latest.status == ReportRun.Status.FAILED:
        run, created = latest, True
        _queue_again(run, NOTE_REQUESTED_AGAIN)
    else:
        run, created = latest, False
    if created and publish:
        transaction.on_commit(lambda: report_enqueue(run_id=run.pk))
    return ReportRequest(run=run, created=created)


@transaction.atomic
def report_rebuild(
    *,
    run_id: int,
    reason: str,
    note: str = "",
    actor: Actor,
    trigger: str = ReportRun.Trigger.DASHBOARD,
    publish: bool = True,
) -> ReportRequest:
    """Ask for a new version of the finished report ``run_id`` (the version the person
    saw), for a reason; audited. The new version supersedes it when it is published.

    Asked twice (a double click, a second tab), the second finds that ``run_id`` is
    no longer the latest version and gets the newer one back, unchanged: one build.
    A failed rebuild is queued again with the new reason. Raises ``ReportFrozen``
    for the final year-end report of a closed fiscal year.
    """
    seen = ReportRun.objects.select_related("organization").get(pk=run_id)
    latest = _latest_version(seen.organization, seen.kind, seen.as_of)
    if latest.pk == seen.pk and latest.is_finished:
        if report_is_frozen(latest.pk):
            raise ReportFrozen(latest)
        try:
            with transaction.atomic():
                run = ReportRun.objects.create(
                    organization=seen.organization,
                    kind=seen.kind,
                    fiscal_year=seen.fiscal_year,
                    as_of=seen.as_of,
                    version=seen.version + 1,
                    supersedes=seen,
                    trigger=trigger,
                    requested_by=actor.user,
                    rebuild_reason=reason,
                    rebuild_note=note,
                )
        except IntegrityError:  # the same rebuild, asked for at the same moment elsewhere
            return ReportRequest(run=seen.superseded_by, created=False)
        _history(
            run, ReportRun.Status.QUEUED, NOTE_REBUILD.format(version=seen.version, reason=reason)
        )
        run.save(update_fields=["history"])
    elif latest.status == ReportRun.Status.FAILED:
        run = latest
        if run.supersedes_id:
            run.rebuild_reason, run.rebuild_note = reason, note
        run.requested_by = actor.user or run.requested_by
        _queue_again(run, NOTE_REBUILD_AGAIN.format(reason=reason))
    else:
        return ReportRequest(run=latest, created=False)
    audit_record(
        by=actor,
        action=AuditEvent.Action.REPORT_REBUILD_REQUESTED,
        report_id=run.pk,
        replaces=run.supersedes_id,
        kind=run.kind,
        as_of=run.as_of.isoformat(),
        version=run.version,
        reason=reason,
        note=note,
    )
    if publish:
        transaction.on_commit(lambda: report_enqueue(run_id=run.pk))
    return ReportRequest(run=run, created=True)


def report_enqueue(*, run_id: int) -> bool:
    """Publish the build job. A dead broker is not an error here: the row stays
    queued, marked ``broker_down``, and the sweeper publishes it later. Returns
    whether it was published (a queued run is then marked ``published``)."""
    from lms.reporting.tasks import build_report

    if build_report.app.conf.task_always_eager:
        # No worker (the demo): the job runs here and now, and records its own
        # failure on the run; the page that asked still answers.
        try:
            build_report.apply_async(args=[run_id])
        except Exception:  # noqa: BLE001 - shown on the run as its reason for failure
            logger.exception("Report %s could not be built.", run_id)
        return True
    try:
        # A connection of its own: a pooled one that failed while the broker was
        # down would keep failing after the broker is back.
        with build_report.app.connection_for_write() as connection:
            build_report.apply_async(args=[run_id], retry=False, connection=connection)
    except Exception:  # noqa: BLE001 - kombu raises many kinds; the sweeper retries
        logger.warning("Could not publish report %s; the sweeper will retry.", run_id)
        with transaction.atomic():
            run = ReportRun.objects.select_for_update().get(pk=run_id)
            if run.status == ReportRun.Status.QUEUED and not run.waiting_for_queue:
                run.dispatch = ReportRun.Dispatch.BROKER_DOWN
                _history(run, ReportRun.Status.QUEUED, ReportRun.PUBLISH_FAILED)
                run.save(update_fields=["dispatch", "history"])
        return False
    _mark_published(run_id)
    return True


def _mark_published(run_id: int) -> None:
    """A queued run's job is on the queue (a run already claimed was marked by its build)."""
    try:
        ReportRun.objects.filter(pk=run_id, status=ReportRun.Status.QUEUED).exclude(
            dispatch=ReportRun.Dispatch.PUBLISHED
        ).update(dispatch=ReportRun.Dispatch.PUBLISHED)
    except DatabaseError:
        # The job is on its way and will build the run; left marked as it was, a run
        # waiting for the queue is published once more by the sweeper (a duplicate
        # message finds it claimed and does nothing).
        logger.warning("Report %s was published but could not be marked so.", run_id)


# A build still marked "building" after this long was abandoned (worker killed,
# database lost); the sweeper queues it again. Longer than the task time limit.
BUILD_ABANDONED_AFTER = datetime.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 60)


def report_build(*, run_id: int, claim: str = "", progress=None) -> ReportRun:
    """Build a queued run's files and notify its recipients. Safe to call again.

    The run is claimed for one job with a conditional UPDATE (queued →
    building), so a duplicate message, a second beat or a sweeper never builds
    the same run twice; files are written to a temporary folder and attached
    only when complete, and only while the claim still holds, so a failure or
    a build that lost its claim publishes no file.
    """
    claiming = {"status": ReportRun.Status.BUILDING, "started_at": timezone.now()}
    if claim:  # a job's id: the job came through the queue (the command builds without)
        claiming["dispatch"] = ReportRun.Dispatch.PUBLISHED
    claim = claim or uuid.uuid4().hex
    claimed = ReportRun.objects.filter(pk=run_id, status=ReportRun.Status.QUEUED).update(
        **claiming, claim=claim
    )
    run = ReportRun.objects.select_related("organization").get(pk=run_id)
    if not claimed:
        return run
    _history(run, ReportRun.Status.BUILDING)
    run.save(update_fields=["history"])
    built = build_files(run, progress=progress)
    try:
        published = _publish(run, built, claim)
    finally:
        shutil.rmtree(built["xlsx"].parent, ignore_errors=True)
    if published:
        report_notify(run=run)
    return run


def _publish(run: ReportRun, built: dict, claim: str) -> bool:
    """Attach the files and what goes with them, and mark the run ready, in one
    transaction, while the claim still holds; a new version supersedes the one it
    replaces in the same transaction. Returns whether the run was published."""
    with transaction.atomic():
        holding = ReportRun.objects.select_for_update().filter(
            pk=run.pk, status=ReportRun.Status.BUILDING, claim=claim
        )
        if not holding.exists():
            return False  # requeued as abandoned meanwhile; the newer build publishes
        if report_is_frozen(run.supersedes_id):
            # Closed while this version was on its way: the final report stays.
            report_fail(run_id=run.pk, failure=ReportRun.Failure.FROZEN, claim=claim)
            run.refresh_from_db()
            return False
        stem = f"{run.kind}-{run.fiscal_year}-{run.as_of:%Y%m%d}-{run.pk}"
        attach(run.xlsx_file, built["xlsx"], f"{stem}.xlsx")
        attach(run.csv_file, built["csv"], f"{stem}.csv")
        run.sha256 = sha256_of(built["xlsx"])
        run.row_count = built["rows"]
        run.criteria = built.get("criteria", {})
        if run.supersedes_id:
            # Before this one becomes ready: one current version per report.
            ReportRun.objects.filter(pk=run.supersedes_id, superseded_at__isnull=True).update(
                superseded_at=timezone.now()
            )
        store_with_run(run, built)
        run.status = ReportRun.Status.READY
        run.finished_at = timezone.now()
        _history(run, ReportRun.Status.READY, NOTE_ROWS.format(rows=run.row_count))
        run.save()
        audit_record(
            action=AuditEvent.Action.REPORT_GENERATED,
            actor=run.requested_by,
            report_id=run.pk,
            kind=run.kind,
            rows=run.row_count,
            trigger=run.trigger,
            version=run.version,
            replaces=run.supersedes_id,
            reason=run.rebuild_reason,
        )
    return True


@transaction.atomic
def report_requeue(*, run_id: int, note: str, claim: str | None = None) -> bool:
    """Put a run that failed part-way back in the queue.

    With ``claim`` (a retry or redelivery of the job that claimed it) only that
    job's own build is requeued, and that job builds it again (its message is the
    one on the queue); without (the sweeper) any abandoned build is, and waits to be
    published again.
    """
    run = ReportRun.objects.select_for_update().get(pk=run_id)
    if run.status != ReportRun.Status.BUILDING or claim not in (None, run.claim):
        return False
    run.status = ReportRun.Status.QUEUED
    run.dispatch = ReportRun.Dispatch.PENDING if claim is None else ReportRun.Dispatch.PUBLISHED
    run.claim = ""
    run.queued_at = timezone.now()
    _history(run, ReportRun.Status.QUEUED, note)
    run.save(update_fields=["status", "dispatch", "claim", "queued_at", "history"])
    return True


@transaction.atomic
def report_fail(*, run_id: int, failure: str, error: str = "", claim: str | None = None) -> bool:
    """Mark a run that is not finished as failed: why (shown to HR) and the technical detail.

    With ``claim``, only while that job's build is the current one: a late
    failure never overrides a newer build that took over.
    """
    run = ReportRun.objects.select_for_update().get(pk=run_id)
    if run.status not in (ReportRun.Status.QUEUED, ReportRun.Status.BUILDING):
        return False
    if claim is not None and run.claim != claim:
        return False
    run.status = ReportRun.Status.FAILED
    run.failure = failure
    run.error = error[:2000]
    run.claim = ""
    _history(run, ReportRun.Status.FAILED, failure)  # the detail may name hosts: admins only
    run.save(update_fields=["status", "failure", "error", "claim", "history"])
    return True


def report_recipients(run: ReportRun):
    return (
        get_user_model()
        .objects.filter(is_active=True, groups__name=REPORT_ROLES[run.kind])
        .filter(memberships__department__organization=run.organization)
        .distinct()
    )


def report_notify(*, run: ReportRun) -> int:
    """In-app notice and an e-mail with a link (gateways strip attachments). Once per run.

    The mails are queued in the outbox in the transaction that marks the run delivered,
    and sent once it commits (``lms/outbox.py``): a lost mail is retried, and a failed
    one is shown to the town's administrators.
    """
    with transaction.atomic():
        if not ReportRun.objects.filter(pk=run.pk, status=ReportRun.Status.READY).update(
            status=ReportRun.Status.DELIVERED
        ):
            return 0
        recipients = list(report_recipients(run))
        link = reverse("lms:report_detail", args=[run.pk])
        message = _notice_message(run)
        Notice.objects.bulk_create(Notice(user=u, message=message, link=link) for u in recipients)
        run.status = ReportRun.Status.DELIVERED
        _history(run, ReportRun.Status.DELIVERED, NOTE_RECIPIENTS.format(count=len(recipients)))
        run.save(update_fields=["history"])
        url = settings.WAGTAILADMIN_BASE_URL.rstrip("/") + link
        body = message
        if run.rebuild_note:
            body += "\n" + _("Note: %(note)s") % {"note": run.rebuild_note}
        mails = [
            outgoing_mail_queue(
                organization=run.organization,
                kind=OutgoingMail.Kind.REPORT_DELIVERED,
                recipient_id=user.pk,
                address=user.email,
                subject=f"[しんか] {message}",
                body=_("%(message)s\n\nOpen it here (sign-in required):\n%(url)s\n")
                % {"message": body, "url": url},
                dedupe_key=f"report:{run.pk}:{user.pk}",
                publish=False,
            )
            for user in recipients
        ]
        outgoing_mail_publish_on_commit(mail.pk for mail in mails if mail)
    return len(recipients)


def _notice_message(run: ReportRun) -> str:
    """What the notice and the mail say: a new version says that it replaces the earlier one."""
    if not run.supersedes_id:
        return _("The report “%(report)s” is ready.") % {"report": str(run)}
    return _(
        "Version %(version)s of the report “%(report)s” is ready. It replaces the earlier "
        "version (reason: %(reason)s)."
    ) % {"report": str(run), "version": run.version, "reason": run.get_rebuild_reason_display()}


def report_sweep(*, now: datetime.datetime | None = None) -> int:
    """Publish runs whose job never reached the queue, and requeue abandoned builds.

    A run waiting for a broker that was down is published at once; a run
    queued for a long time is published again (a duplicate message finds it
    claimed and does nothing); a build abandoned by a killed worker is queued again.
    """
    now = now or timezone.now()
    due = [
        run_id
        for run_id in ReportRun.objects.filter(
            status=ReportRun.Status.BUILDING, started_at__lt=now - BUILD_ABANDONED_AFTER
        ).values_list("pk", flat=True)
        if report_requeue(run_id=run_id, note=NOTE_ABANDONED)
    ]
    due += list(
        ReportRun.objects.filter(status=ReportRun.Status.QUEUED)
        .filter(
            Q(dispatch=ReportRun.Dispatch.BROKER_DOWN)
            | Q(queued_at__lt=now - BUILD_ABANDONED_AFTER)
        )
        .exclude(pk__in=due)
        .values_list("pk", flat=True)
    )
    return sum(report_enqueue(run_id=run_id) for run_id in due)
