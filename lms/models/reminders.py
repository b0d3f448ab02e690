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


class ExpiryWarning(models.Model):
    """A renewal course's completion was announced as expiring soon (docs/renewal.md):
    once per completion, so once per round; written with its notice and mail."""

    completion = models.OneToOneField(
        "courses.CourseCompletion",
        verbose_name=_("course completion"),
        on_delete=models.CASCADE,
        related_name="expiry_warning",
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    expires_on = models.DateField(_("expiry date"))
    warned_at = models.DateTimeField(_("warned at"))
    mail = models.OneToOneField(
        "lms.OutgoingMail",
        verbose_name=_("mail"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="expiry_warning",
    )

    class Meta:
        verbose_name = _("expiry warning")
        verbose_name_plural = _("expiry warnings")

    def __str__(self):
        return f"{self.user} {self.expires_on}"


def iso_week(day: datetime.date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


class ReminderNow(models.Model):
    """One "remind them now" send (いますぐ通知): a department head or HR reminded the people
    of a department, a town or one person who had not yet completed their courses.

    Written, with its ``ReminderNowCourse`` rows, notices, mails and audit event, in one
    transaction by ``lms.reporting.reminders.reminders_now_send``, which also reads these
    rows to enforce the rate limits (docs/reminders.md).
    """

    class Scope(models.TextChoices):
        DEPARTMENT = "department", _("Department")
        TOWN = "town", _("Whole town")
        PERSON = "person", _("One person")

    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sender"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    organization = models.ForeignKey(
        "lms.Organization",
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    scope = models.CharField(_("scope"), max_length=12, choices=Scope)
    department = models.ForeignKey(
        "lms.Department",
        verbose_name=_("department"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    recipients = models.PositiveIntegerField(_("people reminded"))
    mails = models.PositiveIntegerField(_("mails queued"))
    sent_at = models.DateTimeField(_("sent at"), db_index=True)

    class Meta:
        verbose_name = _("reminder sent now")
        verbose_name_plural = _("reminders sent now")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(scope="department", department__isnull=False, person=None)
                | models.Q(scope="town", department=None, person=None)
                | models.Q(scope="person", department=None, person__isnull=False),
                name="reminder_now_scope_names_its_target",
            ),
        ]

    def __str__(self):
        return f"{self.sender} {self.scope} {self.sent_at:%Y-%m-%d %H:%M}"


class ReminderNowCourse(models.Model):
    """A course one person was reminded of by a ``ReminderNow``: the same sender reminds
    the same person of the same course at most once in ``REMIND_PERSON_AGAIN_AFTER``."""

    reminder = models.ForeignKey(ReminderNow, on_delete=models.CASCADE, related_name="courses")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    course = models.ForeignKey("courses.CoursePage", on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["reminder", "user", "course"], name="reminder_now_course_once"
            ),
        ]
        indexes = [models.Index(fields=["user", "course"])]

    def __str__(self):
        return f"{self.user} {self.course_id}"
