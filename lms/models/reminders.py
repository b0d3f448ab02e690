"""Reminder e-mails sent, at most one per person and ISO week."""

import datetime

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ReminderLog(models.Model):
    """A reminder e-mail sent: at most one per person and ISO week."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # "2026-W48" for staff, "2026-W48H" for a head's summary
    week = models.CharField(_("ISO week"), max_length=12)
    sent_at = models.DateTimeField(_("sent at"), auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "week"], name="reminder_once_a_week"),
        ]

    def __str__(self):
        return f"{self.user} {self.week}"


def iso_week(day: datetime.date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"
