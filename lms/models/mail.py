"""The outbox: every e-mail the platform sends, as a row written in the same
transaction as the change it tells about, then sent by a Celery job (``lms/outbox.py``)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class OutgoingMail(models.Model):
    """One e-mail to one address. Marked sent only once the mail server accepted it.

    ``dedupe_key`` names what the mail is about (``reminder:<user>:<week>``,
    ``report:<run>:<user>``): a producer run twice queues it once (a constraint).
    """

    class Kind(models.TextChoices):
        REMINDER = "reminder", _("Reminder of courses due")
        HEAD_SUMMARY = "head_summary", _("Weekly summary for a department head")
        REPORT_DELIVERED = "report_delivered", _("Report ready")
        REMINDER_NOW = "reminder_now", _("Reminder sent now by a head or HR")
        SESSION_REMINDER = "session_reminder", _("Reminder of a training session tomorrow")
        SESSION_NOTICE = "session_notice", _("A seat at a training session became free")
        EXPIRY_WARNING = "expiry_warning", _("A completion expires soon")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting to be sent")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Could not be sent")

    organization = models.ForeignKey(
        "lms.Organization",
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    address = models.EmailField(_("address"), max_length=254)
    subject = models.CharField(_("mail subject"), max_length=200)
    body = models.TextField(_("body"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind)
    dedupe_key = models.CharField(_("dedupe key"), max_length=100, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status, default=Status.QUEUED, db_index=True
    )
    attempts = models.PositiveSmallIntegerField(_("sending attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_attempt_at = models.DateTimeField(_("last attempt at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("outgoing mail")
        verbose_name_plural = _("outgoing mail")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["dedupe_key"],
                condition=~Q(dedupe_key=""),
                name="outgoing_mail_once_per_key",
            ),
            models.CheckConstraint(
                condition=Q(status="sent", sent_at__isnull=False) | ~Q(status="sent"),
                name="outgoing_mail_sent_has_sent_at",
            ),
        ]
        indexes = [models.Index(fields=["organization", "status"])]

    def __str__(self):
        return f"{self.subject} → {self.address}"
