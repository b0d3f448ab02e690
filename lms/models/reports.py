"""Report runs and what is stored with them."""

from django.conf import settings
from django.core.files.storage import storages
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from courses.fiscal import fiscal_year_bounds


def private_storage():
    # Reports hold personal data: they live outside MEDIA_ROOT and are only
    # served by a view that checks permissions and writes an audit event.
    return storages["private"]


class ReportRun(models.Model):
    """One version of a report, built by a Celery job. The row is the source of truth for the job.

    Idempotent: one build per (organisation, kind, fiscal year, as-of date) and
    version; asking for the same report again returns its latest version (a
    failed one is retried). A new version is made only when someone asks for a
    rebuild, with a reason; it ``supersedes`` the one it replaces when it is
    published, and both are kept. The current version of a report is the
    finished one that nothing has superseded (at most one: a constraint).
    """

    class Kind(models.TextChoices):
        HR_COMPLETION = "hr_completion", _("Completion by department (HR)")
        DX_CANDIDATES = "dx_candidates", _("DX promotion leader candidates (IT policy)")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        BUILDING = "building", _("Building")
        READY = "ready", _("Ready")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")

    class Failure(models.TextChoices):
        UNAVAILABLE = (
            "unavailable",
            _(
                "The database or file storage stayed unavailable while the report was being built. "
                "Please request it again later; if it fails again, contact the administrator."
            ),
        )
        ERROR = (
            "error",
            _(
                "The report could not be built because of an error. "
                "Please contact the system administrator."
            ),
        )
        FROZEN = (
            "frozen",
            _(
                "The fiscal year has been closed, so its year-end report is final "
                "and was not replaced."
            ),
        )

    class Trigger(models.TextChoices):
        DASHBOARD = "dashboard", _("Requested on the dashboard")
        SCHEDULE = "schedule", _("Schedule")
        COMMAND = "command", _("Management command")

    class RebuildReason(models.TextChoices):
        """Why someone asked for a new version of a report that already existed."""

        CRITERIA_CHANGED = "criteria_changed", _("The selection criteria were changed")
        DATA_CORRECTED = "data_corrected", _("The data were corrected")
        OTHER = "other", _("Other")

    class Dispatch(models.TextChoices):
        """Whether the build job of a queued run has reached the job queue (the broker)."""

        PENDING = "pending", _("Not yet published to the job queue")
        PUBLISHED = "published", _("Published to the job queue")
        BROKER_DOWN = "broker_down", _("Waiting for the job queue")

    organization = models.ForeignKey(
        "lms.Organization", verbose_name=_("organisation"), on_delete=models.CASCADE
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind)
    fiscal_year = models.PositiveSmallIntegerField(_("fiscal year"))
    as_of = models.DateField(_("as of"))
    status = models.CharField(_("status"), max_length=12, choices=Status, default=Status.QUEUED)
    trigger = models.CharField(_("trigger"), max_length=12, choices=Trigger)
    # Set where the run is queued (pending), published (published) or could not be
    # published because the broker was down (broker_down: the sweeper publishes it).
    dispatch = models.CharField(
        _("job queue"), max_length=12, choices=Dispatch, default=Dispatch.PENDING
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    xlsx_file = models.FileField(
        _("Excel file"), storage=private_storage, upload_to="reports/%Y/", blank=True
    )
    csv_file = models.FileField(
        _("CSV file"), storage=private_storage, upload_to="reports/%Y/", blank=True
    )
    sha256 = models.CharField(_("SHA-256 of the Excel file"), max_length=64, blank=True)
    row_count = models.PositiveIntegerField(_("rows"), default=0)
    summary = models.JSONField(_("summary"), default=dict, blank=True)
    criteria = models.JSONField(
        _("criteria snapshot"), default=dict, blank=True, help_text=_("For candidate reports.")
    )
    # Which job is building the run (the Celery task id; a retry or a redelivery
    # of the same job keeps it), so that no other job takes over or fails the build.
    claim = models.CharField(_("claimed by job"), max_length=64, blank=True)
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    # A rebuild names the version it replaces; that one is marked superseded when
    # this one is published (until then the earlier version stays current).
    supersedes = models.OneToOneField(
        "self",
        verbose_name=_("replaces"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="superseded_by",
    )
    superseded_at = models.DateTimeField(_("replaced at"), null=True, blank=True)
    rebuild_reason = models.CharField(
        _("reason for the rebuild"), max_length=20, choices=RebuildReason, blank=True
    )
    rebuild_note = models.CharField(_("note on the rebuild"), max_length=200, blank=True)
    failure = models.CharField(_("reason for failure"), max_length=12, choices=Failure, blank=True)
    error = models.TextField(_("technical detail of the failure"), blank=True)
    history = models.JSONField(_("status history"), default=list, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    queued_at = models.DateTimeField(_("queued at"), default=timezone.now)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["-created_at"]
        constraints = [
            # A double click, two tabs or two beats ask for the same version: one build.
            models.UniqueConstraint(
                fields=["organization", "kind", "fiscal_year", "as_of", "version"],
                name="report_run_once_per_version",
            ),
            # The version the dashboards read: one per report.
            models.UniqueConstraint(
                fields=["organization", "kind", "fiscal_year", "as_of"],
                condition=Q(superseded_at__isnull=True, status__in=["ready", "delivered"]),
                name="report_run_current_once_per_scope",
            ),
            # A report is built (or waits to be built again) by one version at a time.
            models.UniqueConstraint(
                fields=["organization", "kind", "fiscal_year", "as_of"],
                condition=Q(status__in=["queued", "building", "failed"]),
                name="report_run_one_build_per_scope",
            ),
        ]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self):
        return f"{self.get_kind_display()} {self.fiscal_year} ({self.as_of})"

    def get_absolute_url(self):
        return reverse("lms:report_detail", args=[self.pk])

    # The note written in the history when the job could not be published (for people:
    # the state is ``dispatch``).
    PUBLISH_FAILED = "publish failed"
    FINISHED = (Status.READY, Status.DELIVERED)
    # JSON that grows with the organisation: pages that do not show it defer it.
    LARGE_FIELDS = ("summary", "criteria")

    @property
    def is_finished(self) -> bool:
        return self.status in self.FINISHED

    @property
    def is_current(self) -> bool:
        """Finished and not replaced by a newer version: the one the dashboards read."""
        return self.is_finished and self.superseded_at is None

    @property
    def is_frozen(self) -> bool:
        """The final year-end report of a closed fiscal year: never superseded.
        (Reads the close: select it with the run where runs are listed.)"""
        return hasattr(self, "fiscal_year_close")

    @property
    def is_year_end(self) -> bool:
        """As of 31 March: the report of a whole fiscal year (年度末の報告)."""
        return self.as_of == fiscal_year_bounds(self.fiscal_year)[1]

    @property
    def requester_label(self) -> str:
        """Who asked for the run, in words for the people who read it: the person, or the
        automatic build (HR's nightly, IT policy's monthly), or the system administrator
        (the management command)."""
        if self.trigger == self.Trigger.SCHEDULE:
            if self.kind == self.Kind.HR_COMPLETION:
                return str(_("the nightly automatic build"))
            return str(_("the monthly automatic build"))
        if self.trigger == self.Trigger.COMMAND and self.requested_by_id is None:
            return str(_("the system administrator (made on the server)"))
        if self.requested_by_id is not None:
            return self.requested_by.get_full_name() or str(_("a member of staff"))
        return str(_("requested on the dashboard"))

    @property
    def waiting_for_queue(self) -> bool:
        """Queued, but the job could not be published yet (broker down); the sweeper will."""
        return self.status == self.Status.QUEUED and self.dispatch == self.Dispatch.BROKER_DOWN


class CandidateEntry(models.Model):
    """One person on a DX-leader candidate report, as the report ranked them.

    Stored with the run when it is published (one row per candidate), so the
    dashboard reads only the page it shows and the next report finds who came in
    and who went out with one query, whatever the size of the organisation.
    """

    run = models.ForeignKey(ReportRun, on_delete=models.CASCADE, related_name="candidates")
    # The order of the report: departments in turn, each ranked by points.
    position = models.PositiveIntegerField(_("order in the report"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    department = models.ForeignKey(
        "lms.Department", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    # Names as they were on the day of the report (the files say the same).
    department_name = models.CharField(_("department"), max_length=100)
    rank = models.PositiveIntegerField(_("rank within the department"))
    staff_number = models.CharField(_("staff number"), max_length=32)
    name = models.CharField(_("name"), max_length=160)
    position_name = models.CharField(_("position"), max_length=64, blank=True)
    score = models.IntegerField(_("points"))
    reasons = models.TextField(_("reasons"), blank=True)

    class Meta:
        verbose_name = _("DX leader candidate")
        verbose_name_plural = _("DX leader candidates")
        ordering = ["run", "position"]
        constraints = [
            models.UniqueConstraint(fields=["run", "position"], name="candidate_entry_position"),
            models.UniqueConstraint(fields=["run", "user"], name="candidate_entry_once_a_run"),
        ]
        indexes = [models.Index(fields=["run", "rank", "position"])]

    def __str__(self):
        return f"{self.name} ({self.department_name})"
