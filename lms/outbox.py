"""The outbox: mail that is not lost.

Producers (the weekly reminders, a report's delivery) never send: they write an
``OutgoingMail`` row in the transaction of the change the mail tells about, and the
job that sends it is published only once that transaction has committed
(``transaction.on_commit``). So a change that rolls back sends nothing, and a change
that commits always leaves its mail behind, even when the broker is down.

The job (``lms.send_outgoing_mail``, registered in ``lms/tasks.py``) sends one mail
with ``fail_silently=False`` and marks it sent only once the mail backend returned
without an error (the SMTP server accepted it). A failure is counted on the row with
its error, and the job retries with exponential back-off; after the last attempt the
mail is marked failed, which site administrators see (Wagtail admin → 研修管理 →
送信メール, and a panel on the admin dashboard) and may send again.

The row is locked while it is sent (``select_for_update(skip_locked=True)`` on
PostgreSQL; SQLite's ``BEGIN IMMEDIATE`` serialises writers), so two workers, a
retry and the sweeper never send the same mail twice. The sweeper
(``lms.sweep_outgoing_mail``, beat) publishes mail left queued for longer than any
retry waits (the broker was down, a worker died) and deletes old mail after the
retention period (the bodies name people).
"""

import datetime
import logging
from smtplib import SMTPException

from celery import current_app
from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from courses.fiscal import local_today
from lms.models import OutgoingMail, ReminderLog
from lms.people.permissions import can_read_outgoing_mail, outgoing_mail_towns

logger = logging.getLogger(__name__)

SEND_TASK = "lms.send_outgoing_mail"

# Errors that say the mail server is (for now) unreachable or refused: worth another try.
RETRYABLE = (SMTPException, OSError)

# One attempt, then this many retries; the last failure marks the mail failed.
MAX_ATTEMPTS = settings.SHINKA_MAIL_RETRIES + 1

# Longer than the longest wait between two retries (``retry_backoff_max``): a mail still
# queued this long after its last attempt has no job on its way.
STUCK_AFTER = datetime.timedelta(minutes=settings.SHINKA_MAIL_STUCK_MINUTES)

MAIL_RESENT = _("The mail will be sent again.")
MAIL_NOT_FAILED = _("Only mail that could not be sent can be sent again.")


class MailNotAccepted(SMTPException):
    """The backend returned, but said it sent nothing."""


def outgoing_mail_queue(
    *,
    organization,
    kind: str,
    address: str,
    subject: str,
    body: str,
    recipient_id: int | None = None,
    dedupe_key: str = "",
    publish: bool = True,
) -> OutgoingMail | None:
    """Queue one mail inside the caller's transaction. Returns None when there is no
    address or a mail with ``dedupe_key`` was queued before (nothing is queued twice).

    With ``publish`` the sending job is published once the caller's transaction commits;
    a caller that queues many mails passes ``publish=False`` and calls
    ``outgoing_mail_publish_on_commit`` once with their ids.
    """
    if not address:
        return None
    try:
        with transaction.atomic():  # a savepoint: a duplicate leaves the caller's work alone
            mail = OutgoingMail.objects.create(
                organization=organization,
                recipient_id=recipient_id,
                address=address,
                subject=" ".join(subject.split())[:200],  # one header line
                body=body,
                kind=kind,
                dedupe_key=dedupe_key,
            )
    except IntegrityError:
        if dedupe_key and OutgoingMail.objects.filter(dedupe_key=dedupe_key).exists():
            return None
        raise
    if publish:
        outgoing_mail_publish_on_commit([mail.pk])
    return mail


def outgoing_mail_publish_on_commit(mail_ids) -> None:
    """Publish the sending jobs of ``mail_ids`` once the current transaction commits
    (never if it rolls back)."""
    mail_ids = list(mail_ids)
    if mail_ids:
        transaction.on_commit(lambda: outgoing_mail_publish(mail_ids=mail_ids))


def outgoing_mail_publish(*, mail_ids) -> int:
    """Publish one sending job per mail; returns how many were published.

    A dead broker is not an error: the mail stays queued and the sweeper publishes it
    later. Without a broker (the demo) each mail is sent here and now, once.
    """
    mail_ids = list(mail_ids)
    if current_app.conf.task_always_eager:
        for mail_id in mail_ids:
            try:
                # Nobody would retry later: one attempt, failed for good if it fails.
                outgoing_mail_send(mail_id=mail_id, final=True)
            except Exception:  # noqa: BLE001 - recorded on the row, shown to administrators
                logger.warning("Mail %s could not be sent.", mail_id, exc_info=True)
        return len(mail_ids)
    published = 0
    try:
        # A connection of its own, given up fast: a request must answer while the broker
        # is down (settings: CELERY_BROKER_TRANSPORT_OPTIONS).
        with current_app.connection_for_write() as connection:
            for mail_id in mail_ids:
                current_app.send_task(SEND_TASK, args=[mail_id], connection=connection, retry=False)
                published += 1
    except Exception:  # noqa: BLE001 - kombu raises many kinds; the sweeper publishes later
        logger.warning(
            "Could not publish %s of %s mails; the sweeper will.",
            len(mail_ids) - published,
            len(mail_ids),
        )
    return published


def outgoing_mail_send(*, mail_id: int, final: bool = False) -> str:
    """Make one attempt at sending a queued mail; returns its status afterwards.

    Sent (with ``sent_at``) only when the backend returned without an error. On an error
    the attempt and the error are recorded and, for an error worth retrying, the error
    is raised again for the job to retry, unless this was the last attempt (or
    ``final``): then the mail is failed. A mail that is not queued (sent, failed, being
    sent by another worker right now) is left alone: ``"skipped"``.
    """
    failure = None
    with transaction.atomic():
        mail = next(
            iter(
                OutgoingMail.objects.select_for_update(skip_locked=True).filter(
                    pk=mail_id, status=OutgoingMail.Status.QUEUED
                )
            ),
            None,
        )
        if mail is None:
            return "skipped"
        mail.attempts += 1
        mail.last_attempt_at = timezone.now()
        try:
            _deliver(mail)
        except Exception as error:  # noqa: BLE001 - recorded on the row; retried or failed
            failure = error
            mail.last_error = f"{error.__class__.__name__}: {error}"[:500]
            if final or mail.attempts >= MAX_ATTEMPTS or not isinstance(error, RETRYABLE):
                mail.status = OutgoingMail.Status.FAILED
        else:
            mail.status = OutgoingMail.Status.SENT
            mail.sent_at = timezone.now()
            ReminderLog.objects.filter(mail=mail).update(sent_at=mail.sent_at)
        mail.save(update_fields=["attempts", "last_attempt_at", "last_error", "status", "sent_at"])
    if failure is not None:
        logger.warning(
            "Mail %s not sent (attempt %s, now %s): %s",
            mail.pk,
            mail.attempts,
            mail.status,
            mail.last_error,
        )
        if mail.status == OutgoingMail.Status.QUEUED:
            raise failure  # the job retries it, with back-off
    return mail.status


def _deliver(mail: OutgoingMail) -> None:
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2].strip("> ") or "localhost"
    message = EmailMessage(
        subject=mail.subject,
        body=mail.body,
        to=[mail.address],
        # The same Message-ID on every attempt: a mail server that did accept an attempt
        # whose answer was lost can tell the next one is the same mail.
        headers={"Message-ID": f"<shinka-outbox-{mail.pk}@{domain}>"},
    )
    if message.send(fail_silently=False) != 1:
        raise MailNotAccepted("the mail backend reported that nothing was sent")


def outgoing_mail_sweep(*, now: datetime.datetime | None = None) -> int:
    """Publish mail still queued long after its last attempt (never published, or its
    job lost), and delete mail older than the retention period. Returns how many were
    published."""
    now = now or timezone.now()
    stuck = list(_stuck(now).order_by("pk").values_list("pk", flat=True))
    retention = datetime.timedelta(days=settings.SHINKA_MAIL_RETENTION_DAYS)
    OutgoingMail.objects.exclude(status=OutgoingMail.Status.QUEUED).filter(
        created_at__lt=now - retention
    ).delete()
    return outgoing_mail_publish(mail_ids=stuck) if stuck else 0


class MailNotFailed(Exception):
    message = MAIL_NOT_FAILED


@transaction.atomic
def outgoing_mail_resend(*, mail_id: int, user) -> OutgoingMail:
    """A site administrator sends a failed mail of their town again: queued with a fresh
    round of attempts (the error stays until it is sent). Raises ``MailNotFailed`` for a
    mail that is not failed and ``OutgoingMail.DoesNotExist`` for one they may not read."""
    mail = outgoing_mails_for(user).select_for_update().get(pk=mail_id)
    if mail.status != OutgoingMail.Status.FAILED:
        raise MailNotFailed(mail_id)
    mail.status = OutgoingMail.Status.QUEUED
    mail.attempts = 0
    mail.last_attempt_at = None
    mail.save(update_fields=["status", "attempts", "last_attempt_at"])
    outgoing_mail_publish_on_commit([mail.pk])
    return mail


def outgoing_mails_for(user):
    """The mail ``user`` may read: their towns' mail, for site administrators only."""
    if not can_read_outgoing_mail(user):
        return OutgoingMail.objects.none()
    return OutgoingMail.objects.filter(
        organization_id__in=outgoing_mail_towns(user, day=local_today())
    )


def outgoing_mail_failed_count(user) -> int:
    """How many of the mails ``user`` reads could not be sent (the dashboard panel)."""
    return outgoing_mails_for(user).filter(status=OutgoingMail.Status.FAILED).count()


def outgoing_mail_health(*, now: datetime.datetime | None = None) -> dict:
    """For monitoring (``/healthz``): mail that could not be sent, and mail waiting longer
    than any retry would (no worker is sending). Counts over every town, nothing else."""
    now = now or timezone.now()
    return {
        "failed": OutgoingMail.objects.filter(status=OutgoingMail.Status.FAILED).count(),
        "waiting_too_long": _stuck(now).count(),
    }


def _stuck(now: datetime.datetime):
    return (
        OutgoingMail.objects.filter(status=OutgoingMail.Status.QUEUED)
        .alias(waiting_since=Coalesce("last_attempt_at", "created_at"))
        .filter(waiting_since__lt=now - STUCK_AFTER)
    )
