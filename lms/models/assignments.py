from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from courses.fiscal import end_of_day, fiscal_year_bounds


class TrackAssignmentQuerySet(models.QuerySet):
    def for_fiscal_year(self, fiscal_year: int):
        return self.filter(fiscal_year=fiscal_year)

    def existing_on(self, day):
        """Assignments made by the end of ``day`` (Asia/Tokyo); those from before
        ``created_at`` was recorded (NULL) count as having always existed."""
        return self.filter(Q(created_at__isnull=True) | Q(created_at__lt=end_of_day(day)))


class TrackAssignment(models.Model):
    """Who must take a track in a fiscal year (年度), and by when.

    Audience rules: ``applies_to_all`` covers everyone in the organisation.
    Otherwise departments (each with its sub-departments) and positions
    narrow it: with only departments, anyone posted there; with only
    positions, anyone holding one; with both, a post that matches both.
    Posts are read from dated memberships, so transfers change assignments.
    The rules (audience, earliest due date, status, overdue) are decided once, in
    Python and in SQL, in ``lms/assignments.py``.
    """

    organization = models.ForeignKey(
        "lms.Organization",
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="track_assignments",
    )
    track = models.ForeignKey(
        "courses.TrackPage",
        verbose_name=_("track"),
        on_delete=models.CASCADE,
        related_name="assignments",
    )
    fiscal_year = models.PositiveSmallIntegerField(
        _("fiscal year"), help_text=_("The year in which the fiscal year starts (April).")
    )
    due_date = models.DateField(_("due date"))
    applies_to_all = models.BooleanField(_("all staff"), default=False)
    departments = models.ManyToManyField(
        "lms.Department",
        verbose_name=_("departments"),
        blank=True,
        help_text=_("Includes their sub-departments."),
    )
    positions = models.ManyToManyField("lms.Position", verbose_name=_("positions"), blank=True)
    # When the assignment was made, so a report as of an earlier day leaves it out.
    created_at = models.DateTimeField(
        _("created at"), default=timezone.now, null=True, blank=True, editable=False
    )
    # Set on a copy made by the year-end rollover: each assignment is carried into
    # the next fiscal year at most once, however often the rollover runs.
    rolled_over_from = models.OneToOneField(
        "self",
        verbose_name=_("rolled over from"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="rolled_over_to",
    )

    objects = TrackAssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("track assignment")
        verbose_name_plural = _("track assignments")
        ordering = ["-fiscal_year", "due_date"]
        indexes = [models.Index(fields=["organization", "fiscal_year"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(fiscal_year__gte=2000, fiscal_year__lte=2200),
                name="track_assignment_fiscal_year_sane",
            ),
        ]

    def __str__(self):
        return f"{self.track} ({self.fiscal_year})"

    def clean(self):
        super().clean()
        if self.fiscal_year is None or self.due_date is None:
            return  # the missing field has its own error
        if not 2000 <= self.fiscal_year <= 2200:
            raise ValidationError({"fiscal_year": _("Enter a fiscal year such as 2026.")})
        start, end = fiscal_year_bounds(self.fiscal_year)
        if not (start <= self.due_date <= end):
            raise ValidationError({"due_date": _("The due date must fall within the fiscal year.")})


class Exemption(models.Model):
    """A person excused from a track for a period (免除: 育児休業, 病気休暇, 派遣, 休職 …).

    Per person and track, not per ``TrackAssignment``: an exemption outlives the yearly
    assignments (the rollover makes new ones each April) and covers the track whichever
    assignment reaches the person. What it changes, and on which days, is decided in
    ``lms/assignments.py`` (the exemption rule, in Python and in SQL): on a day within the
    period, once the exemption was entered, the person's courses of the track that are
    not completed are 免除 — neither overdue nor counted in the completion rate.
    Written only by the services in ``lms/exemptions.py`` (audited).
    """

    class Reason(models.TextChoices):
        CHILDCARE_LEAVE = "childcare_leave", _("Childcare leave")
        SICK_LEAVE = "sick_leave", _("Sick leave")
        SECONDMENT = "secondment", _("Secondment")
        LEAVE_OF_ABSENCE = "leave_of_absence", _("Leave of absence")
        OTHER = "other", _("Other")

    organization = models.ForeignKey(
        "lms.Organization",
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="exemptions",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="exemptions",
    )
    track = models.ForeignKey(
        "courses.TrackPage",
        verbose_name=_("track"),
        on_delete=models.CASCADE,
        related_name="exemptions",
    )
    starts_on = models.DateField(_("exempt from"))
    ends_on = models.DateField(
        _("exempt until"),
        null=True,
        blank=True,
        help_text=_("Leave empty while the end is not known."),
    )
    reason = models.CharField(_("reason"), max_length=20, choices=Reason)
    note = models.TextField(_("note"), blank=True, max_length=1000)
    # When it was entered, so a report as of an earlier day is not changed by it.
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("exemption")
        verbose_name_plural = _("exemptions")
        ordering = ["-starts_on", "pk"]
        indexes = [models.Index(fields=["user", "track"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="exemption_ends_after_it_starts",
            ),
        ]

    def __str__(self):
        return f"{self.user} / {self.track} ({self.get_reason_display()})"

    def clean(self):
        super().clean()
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": EXEMPTION_ENDS_BEFORE_IT_STARTS})


EXEMPTION_ENDS_BEFORE_IT_STARTS = _(
    "The end date is before the start date. Enter an end date on or after the start date."
)
