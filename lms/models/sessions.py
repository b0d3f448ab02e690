"""Training sessions (集合研修・オンライン研修・派遣研修) and who registered for them.

A session belongs to a town and to one of its courses; attending it completes the course
(``lms.sessions.services.attendance_set`` stores the ``CourseCompletion`` the reports read
and links it to the registration). Times are aware (stored in UTC, shown in Japan time).
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class TrainingSession(models.Model):
    class Kind(models.TextChoices):
        CLASSROOM = "classroom", _("Classroom training")
        ONLINE = "online", _("Online training")
        EXTERNAL = "external", _("External training")

    organization = models.ForeignKey(
        "lms.Organization",
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="training_sessions",
    )
    course = models.ForeignKey(
        "courses.CoursePage",
        verbose_name=_("course"),
        on_delete=models.PROTECT,
        related_name="training_sessions",
    )
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.CLASSROOM)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    place = models.CharField(
        _("place or online address"),
        max_length=300,
        help_text=_("A room, or the address of the online meeting (shown as text)."),
    )
    capacity = models.PositiveIntegerField(_("capacity"))
    organiser = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("organiser"),
        on_delete=models.PROTECT,
        related_name="organised_sessions",
    )
    minutes = models.PositiveIntegerField(
        _("learning time (minutes)"), help_text=_("Counted as learning time for those attending.")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("training session")
        verbose_name_plural = _("training sessions")
        ordering = ["starts_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="session_ends_after_it_starts"
            ),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="session_capacity_positive"),
        ]
        indexes = [models.Index(fields=["organization", "starts_at"])]

    def __str__(self):
        start = timezone.localtime(self.starts_at)
        return f"{self.title}（{start:%Y-%m-%d %H:%M}）"


class SessionRegistration(models.Model):
    class Status(models.TextChoices):
        REGISTERED = "registered", _("Registered")
        WAITING = "waiting", _("On the waiting list")
        CANCELLED = "cancelled", _("Cancelled")

    session = models.ForeignKey(
        TrainingSession,
        verbose_name=_("training session"),
        on_delete=models.CASCADE,
        related_name="registrations",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff member"),
        on_delete=models.CASCADE,
        related_name="session_registrations",
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices)
    attended = models.BooleanField(_("attended"), null=True, blank=True)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("registered by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    registered_at = models.DateTimeField(_("registered at"), default=timezone.now)
    reminded_at = models.DateTimeField(_("reminded at"), null=True, blank=True)
    # The completion this registration's attendance created (and only that one: undoing
    # the attendance deletes it, never a completion learned or recorded otherwise).
    completion = models.OneToOneField(
        "courses.CourseCompletion",
        verbose_name=_("completion"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="session_registration",
    )

    class Meta:
        verbose_name = _("session registration")
        verbose_name_plural = _("session registrations")
        ordering = ["registered_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["session", "user"], name="one_registration_a_person")
        ]

    def __str__(self):
        return f"{self.session} / {self.user}"
