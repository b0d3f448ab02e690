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
