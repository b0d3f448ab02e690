"""Reminder e-mails, at most one per person and ISO week."""

import datetime

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ReminderLog(models.Model):
    """A reminder e-mail for a person and ISO week: at most one.

    Written with its ``OutgoingMail`` in one transaction; ``sent_at`` is set by the
    outbox (``lms/outbox.py``) when the mail server accepted the mail, and stays empty
    while it waits or if it could not be sent (the mail's status says which).
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # "2026-W48" for staff, "2026-W48H" for a head's summary
    week = models.CharField(_("ISO week"), max_length=12)
    mail = models.OneToOneField(
        "lms.OutgoingMail",
        verbose_name=_("mail"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reminder",
    )
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "week"], name="reminder_once_a_week"),
        ]

    def __str__(self):
        return f"{self.user} {self.week}"


def iso_week(day: datetime.date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"
