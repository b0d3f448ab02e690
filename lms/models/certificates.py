"""修了証 (certificates of completion): one stored number per person, course or track, and
cycle, so a certificate printed again carries the same number and can be verified."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Certificate(models.Model):
    """A certificate of completion as first issued (``lms.certificates.issue``).

    ``number`` is random (unguessable) with a check character, shown in groups of four
    (``lms.certificates.numbers``). The title and completion time are kept as issued,
    so the certificate verifies as printed even when the course is renamed or removed;
    the person's name is read from the roster (anonymisation clears it there).
    """

    class Kind(models.TextChoices):
        COURSE = "course", _("Course")
        TRACK = "track", _("Track")

    number = models.CharField(_("certificate number"), max_length=16, unique=True)
    organization = models.ForeignKey(
        "lms.Organization",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="certificates",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        related_name="certificates",
    )
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    course = models.ForeignKey(
        "courses.CoursePage",
        verbose_name=_("course"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    track = models.ForeignKey(
        "courses.TrackPage",
        verbose_name=_("track"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # The page id, kept when the page is deleted (the FK is then cleared): with kind,
    # user and cycle it says which completion this is, once.
    page_id = models.PositiveIntegerField(_("page id"))
    cycle = models.PositiveSmallIntegerField(_("fiscal year (annual) or 0"))
    title = models.CharField(_("title"), max_length=255)
    completed_at = models.DateTimeField(_("completed at"))
    issued_at = models.DateTimeField(_("first issued at"), auto_now_add=True)

    class Meta:
        verbose_name = _("certificate of completion")
        verbose_name_plural = _("certificates of completion")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "kind", "page_id", "cycle"], name="certificate_once_per_cycle"
            ),
            models.CheckConstraint(
                condition=(Q(kind="course") & Q(track__isnull=True))
                | (Q(kind="track") & Q(course__isnull=True)),
                name="certificate_course_or_track",
            ),
        ]

    def __str__(self):
        return f"{self.number_display} {self.title}"

    @property
    def number_display(self) -> str:
        """In groups of four, as printed: 7KQ4-M2XD-9HTW-R3NB."""
        return "-".join(self.number[i : i + 4] for i in range(0, len(self.number), 4))
