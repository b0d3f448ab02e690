"""The outbox: mail is queued with the change it tells about, sent by a job that marks it
sent only once the mail server accepted it, retried with back-off, failed visibly."""

import datetime
import smtplib
import threading
from http import HTTPStatus

import pytest
from celery import current_app
from django.core import mail
from django.db import IntegrityError, connection, connections, transaction
from django.urls import reverse
from django.utils import timezone

from config.celery import app as celery_app
from lms.models import OutgoingMail
from lms.outbox import (
    MAX_ATTEMPTS,
    STUCK_AFTER,
    outgoing_mail_queue,
    outgoing_mail_send,
    outgoing_mail_sweep,
)
from lms.people.roles import Role
from lms.tasks import send_outgoing_mail


def queued(organization, *, address="taro@example.jp", key="", **fields):
    with transaction.atomic():
        return outgoing_mail_queue(
            organization=organization,
            kind=OutgoingMail.Kind.REMINDER,
            address=address,
            subject="[しんか] 受講期限のお知らせ",
            body="本文",
            dedupe_key=key,
            publish=False,
            **fields,
        )


def test_a_refused_mail_stays_unsent_with_the_attempt_and_error_then_is_sent(
    organization, flaky_server
):
    outgoing = queued(organization)
    flaky_server.refusals = 1

    with pytest.raises(smtplib.SMTPServerDisconnected):  # raised for the job to retry
        outgoing_mail_send(mail_id=outgoing.pk)

    outgoing.refresh_from_db()
    assert (outgoing.status, outgoing.attempts, outgoing.sent_at) == ("queued", 1, None)
    assert outgoing.last_error == "SMTPServerDisconnected: Connection unexpectedly closed"
    assert outgoing.last_attempt_at is not None and not mail.outbox

    assert outgoing_mail_send(mail_id=outgoing.pk) == "sent"  # the server is back

    outgoing.refresh_from_db()
    assert (outgoing.status, outgoing.attempts) == ("sent", 2)
    assert timezone.is_aware(outgoing.sent_at)
    (message,) = mail.outbox
    assert message.to == ["taro@example.jp"] and message.subject == "[しんか] 受講期限のお知らせ"
    assert message.extra_headers["Message-ID"] == f"<shinka-outbox-{outgoing.pk}@localhost>"
    assert outgoing_mail_send(mail_id=outgoing.pk) == "skipped"  # a duplicate job
    assert len(mail.outbox) == 1


@pytest.fixture
def job_here():
    """``apply()`` runs a job here with its retries (without waiting for the back-off), as
    a worker would: a retry is not an error of the caller's."""
    previous = celery_app.conf.task_eager_propagates
    celery_app.conf.task_eager_propagates = False
    yield
    celery_app.conf.task_eager_propagates = previous


def test_the_job_retries_until_the_server_accepts_the_mail(organization, flaky_server, job_here):
    outgoing = queued(organization)
    flaky_server.refusals = 2

    result = send_outgoing_mail.apply(args=[outgoing.pk])

    assert result.get() == "sent"
    outgoing.refresh_from_db()
    assert (outgoing.status, outgoing.attempts) == ("sent", 3)
    assert outgoing.last_error.startswith("SMTPServerDisconnected")  # what went wrong before
    assert len(mail.outbox) == 1


def test_after_the_last_attempt_the_mail_is_failed_and_not_tried_again(
    organization, flaky_server, job_here
):
    outgoing = queued(organization)
    flaky_server.refusals = 100

    assert send_outgoing_mail.apply(args=[outgoing.pk]).get() == "failed"

    outgoing.refresh_from_db()
    assert (outgoing.status, outgoing.attempts, outgoing.sent_at) == ("failed", MAX_ATTEMPTS, None)
    assert MAX_ATTEMPTS == 6  # one attempt and five retries
    flaky_server.refusals = 0
    assert outgoing_mail_send(mail_id=outgoing.pk) == "skipped" and not mail.outbox


def test_a_mail_the_backend_cannot_build_fails_at_once(organization, flaky_server):
    outgoing = queued(organization)
    OutgoingMail.objects.filter(pk=outgoing.pk).update(subject="改行\nBcc: x@example.jp")

    assert outgoing_mail_send(mail_id=outgoing.pk) == "failed"  # no retry would help

    outgoing.refresh_from_db()
    assert outgoing.attempts == 1 and outgoing.last_error.startswith("BadHeaderError")


def test_the_job_retries_with_back_off_and_the_sweeper_runs_on_beat():
    task = celery_app.tasks["lms.send_outgoing_mail"]

    assert issubclass(smtplib.SMTPException, task.autoretry_for)
    assert task.retry_backoff == 60 and task.retry_backoff_max == 600 and task.retry_jitter
    assert task.max_retries == 5 and task.acks_late and task.reject_on_worker_lost
    assert STUCK_AFTER > datetime.timedelta(seconds=task.retry_backoff_max)
    beat = {entry["task"] for entry in celery_app.conf.beat_schedule.values()}
    assert "lms.sweep_outgoing_mail" in beat


def test_a_key_is_queued_once(organization):
    first = queued(organization, key="reminder:1:2026-W48")

    assert queued(organization, key="reminder:1:2026-W48") is None
    assert queued(organization, address="") is None  # nobody to write to
    assert list(OutgoingMail.objects.values_list("pk", flat=True)) == [first.pk]
    with pytest.raises(IntegrityError), transaction.atomic():
        OutgoingMail.objects.create(
            organization=organization,
            kind="reminder",
            address="x@example.jp",
            subject="s",
            body="b",
            dedupe_key="reminder:1:2026-W48",
        )


def test_a_mail_queued_in_a_transaction_that_rolls_back_is_never_sent(
    organization, eager_jobs, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            with transaction.atomic():
                outgoing_mail_queue(
                    organization=organization,
                    kind=OutgoingMail.Kind.REMINDER,
                    address="taro@example.jp",
                    subject="s",
                    body="b",
                )
            raise RuntimeError("the change it told about failed")

    assert not callbacks and not OutgoingMail.objects.exists() and not mail.outbox


def test_a_mail_queued_in_a_transaction_that_commits_is_sent_after_it(
    organization, eager_jobs, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            outgoing = outgoing_mail_queue(
                organization=organization,
                kind=OutgoingMail.Kind.REMINDER,
                address="taro@example.jp",
                subject="s",
                body="b",
            )
            assert not mail.outbox  # not before the commit

    outgoing.refresh_from_db()
    assert outgoing.status == "sent" and len(mail.outbox) == 1


def test_with_the_broker_down_the_mail_waits_and_the_sweeper_sends_it(
    organization, django_capture_on_commit_callbacks, time_machine, caplog
):
    time_machine.move_to(datetime.datetime(2026, 11, 30, 8, 0, tzinfo=datetime.UTC))
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(current_app.conf, "broker_write_url", "redis://127.0.0.1:1/11")  # nobody
        with django_capture_on_commit_callbacks(execute=True):
            with transaction.atomic():
                outgoing = outgoing_mail_queue(
                    organization=organization,
                    kind=OutgoingMail.Kind.REMINDER,
                    address="taro@example.jp",
                    subject="s",
                    body="b",
                )
    assert "Could not publish 1 of 1 mails" in caplog.text
    assert OutgoingMail.objects.get(pk=outgoing.pk).status == "queued"  # kept, not lost

    previous = current_app.conf.task_always_eager
    current_app.conf.task_always_eager = True  # the sweep's jobs run here
    try:
        assert outgoing_mail_sweep() == 0  # too early: a retry may still be on its way
        time_machine.move_to(datetime.datetime(2026, 11, 30, 8, 16, tzinfo=datetime.UTC))
        assert outgoing_mail_sweep() == 1
    finally:
        current_app.conf.task_always_eager = previous

    outgoing.refresh_from_db()
    assert outgoing.status == "sent" and len(mail.outbox) == 1


def test_the_sweeper_deletes_old_mail_but_keeps_mail_still_waiting(organization, time_machine):
    time_machine.move_to(datetime.datetime(2026, 8, 1, 8, 0, tzinfo=datetime.UTC))
    old_sent = queued(organization)
    old_waiting = queued(organization)
    OutgoingMail.objects.filter(pk=old_sent.pk).update(status="sent", sent_at=timezone.now())
    time_machine.move_to(datetime.datetime(2026, 11, 30, 8, 0, tzinfo=datetime.UTC))
    recent = queued(organization)
    OutgoingMail.objects.filter(pk=recent.pk).update(status="failed")

    outgoing_mail_sweep()

    assert set(OutgoingMail.objects.values_list("pk", flat=True)) == {old_waiting.pk, recent.pk}


# --- Failures are visible to the town's administrators


@pytest.fixture
def mails(organization, other_town):
    ours = {
        "failed": queued(organization, address="failed@example.jp"),
        "sent": queued(organization, address="sent@example.jp"),
    }
    OutgoingMail.objects.filter(pk=ours["failed"].pk).update(
        status="failed", attempts=6, last_error="SMTPRecipientsRefused: 550"
    )
    OutgoingMail.objects.filter(pk=ours["sent"].pk).update(status="sent", sent_at=timezone.now())
    theirs = queued(other_town["organization"], address="theirs@example.jp")
    OutgoingMail.objects.filter(pk=theirs.pk).update(status="failed")
    return {**ours, "theirs": theirs}


@pytest.fixture
def administrator(client, make_staff):
    client.force_login(make_staff("somu", roles=[Role.ADMIN]))
    return client


def _listed(client, query="") -> set[int]:
    response = client.get(reverse("outgoing_mail:index") + query)
    assert response.status_code == HTTPStatus.OK
    return {item.pk for item in response.context["object_list"]}


def test_the_administrator_reads_their_own_towns_mail_only(administrator, mails):
    assert _listed(administrator) == {mails["failed"].pk, mails["sent"].pk}
    assert _listed(administrator, "?status=failed") == {mails["failed"].pk}
    assert _listed(administrator, "?q=sent@example") == {mails["sent"].pk}
    assert _listed(administrator, "?q=theirs@example") == set()
    html = administrator.get(reverse("outgoing_mail:index")).content.decode()
    assert "送信メール" in html and "送信できませんでした" in html and "送信済み" in html
    inspect = administrator.get(reverse("outgoing_mail:inspect", args=[mails["failed"].pk]))
    assert inspect.status_code == HTTPStatus.OK
    assert "SMTPRecipientsRefused: 550" in inspect.content.decode()
    assert "送信し直す" in inspect.content.decode()
    theirs = reverse("outgoing_mail:inspect", args=[mails["theirs"].pk])
    assert administrator.get(theirs).status_code == HTTPStatus.NOT_FOUND


def test_the_outbox_has_no_add_edit_or_delete(administrator, mails):
    outgoing = mails["failed"]
    for path in ("new/", f"edit/{outgoing.pk}/", f"delete/{outgoing.pk}/", f"copy/{outgoing.pk}/"):
        address = reverse("outgoing_mail:index") + path
        assert administrator.get(address).status_code == HTTPStatus.NOT_FOUND
        assert administrator.post(address, {}).status_code == HTTPStatus.NOT_FOUND
    assert OutgoingMail.objects.filter(pk=outgoing.pk, status="failed").exists()


# To the admin's home with a message, to マイページ (plain staff), or not found.
REFUSED = (HTTPStatus.FOUND, HTTPStatus.FORBIDDEN, HTTPStatus.NOT_FOUND)


@pytest.mark.parametrize("role", [None, Role.HR, Role.IT_POLICY, "superuser"])
def test_the_outbox_is_refused_to_everyone_else(client, make_staff, mails, role):
    if role == "superuser":  # the operator, without the town's administrator role
        user = make_staff("jinji", is_superuser=True, is_staff=True)
    else:
        user = make_staff("jinji", roles=[role] if role else [])
    client.force_login(user)

    for address in (
        reverse("outgoing_mail:index"),
        reverse("outgoing_mail:inspect", args=[mails["failed"].pk]),
    ):
        response = client.get(address)
        assert response.status_code in REFUSED, address
        assert "failed@example.jp" not in response.content.decode()
    resend = client.post(reverse("outgoing_mail:resend", args=[mails["failed"].pk]))
    assert resend.status_code in REFUSED
    assert OutgoingMail.objects.get(pk=mails["failed"].pk).status == "failed"
    if role is not None:  # in the admin (plain staff are sent to マイページ)
        home = client.get(reverse("wagtailadmin_home")).content.decode()
        assert "送信できなかったメール" not in home


def test_the_dashboard_counts_failed_mail_for_the_administrator(administrator, mails):
    html = administrator.get(reverse("wagtailadmin_home")).content.decode()

    assert "送信できなかったメールが 1 件あります。" in html
    assert reverse("outgoing_mail:index") + "?status=failed" in html


def test_the_administrator_sends_a_failed_mail_again(
    administrator, mails, eager_jobs, django_capture_on_commit_callbacks
):
    address = reverse("outgoing_mail:resend", args=[mails["failed"].pk])
    confirm = administrator.get(address)
    assert confirm.status_code == HTTPStatus.OK
    assert "6 回試みても送信できませんでした" in confirm.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = administrator.post(address, follow=True)

    assert "メールをもう一度送信します。" in response.content.decode()
    outgoing = OutgoingMail.objects.get(pk=mails["failed"].pk)
    assert (outgoing.status, outgoing.attempts) == ("sent", 1)
    assert [message.to for message in mail.outbox] == [["failed@example.jp"]]


def test_only_a_failed_mail_of_the_own_town_is_sent_again(administrator, mails):
    sent = administrator.post(reverse("outgoing_mail:resend", args=[mails["sent"].pk]), follow=True)
    assert "送信し直せるのは、送信できなかったメールだけです。" in sent.content.decode()
    theirs = administrator.post(reverse("outgoing_mail:resend", args=[mails["theirs"].pk]))
    assert theirs.status_code == HTTPStatus.NOT_FOUND
    assert OutgoingMail.objects.get(pk=mails["theirs"].pk).status == "failed"
    assert not mail.outbox


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SELECT … FOR UPDATE SKIP LOCKED is PostgreSQL's (SQLite serialises writers)",
)
@pytest.mark.django_db(transaction=True)
def test_a_mail_being_sent_by_another_worker_is_skipped(organization):
    outgoing = queued(organization)
    answers = []

    def another_worker():
        try:
            answers.append(outgoing_mail_send(mail_id=outgoing.pk))
        finally:
            connections.close_all()

    with transaction.atomic():  # this worker is sending it: the row is locked
        OutgoingMail.objects.select_for_update().get(pk=outgoing.pk)
        worker = threading.Thread(target=another_worker)
        worker.start()
        worker.join(timeout=10)
        assert answers == ["skipped"]  # at once, without waiting for the lock

    assert not mail.outbox and OutgoingMail.objects.get(pk=outgoing.pk).attempts == 0
    assert outgoing_mail_send(mail_id=outgoing.pk) == "sent"
