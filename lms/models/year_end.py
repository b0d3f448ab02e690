"""The fiscal-year close (年度末の締め)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class FiscalYearClose(models.Model):
    """HR closed a fiscal year: its year-end (31 March) completion report is final.

    The report named here is never superseded: asking to rebuild it is refused
    (``lms/reporting/runs.py``). There is no reopening: the figures of a closed
    year are the ones the town reported.
    """

    organization = models.ForeignKey(
        "lms.Organization", verbose_name=_("organisation"), on_delete=models.CASCADE
    )
    fiscal_year = models.PositiveSmallIntegerField(_("fiscal year"))
    report = models.OneToOneField(
        "lms.ReportRun",
        verbose_name=_("year-end report"),
        on_delete=models.PROTECT,
        related_name="fiscal_year_close",
    )
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("closed by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    closed_at = models.DateTimeField(_("closed at"), default=timezone.now)

    class Meta:
        verbose_name = _("fiscal-year close")
        verbose_name_plural = _("fiscal-year closes")
        ordering = ["-fiscal_year"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "fiscal_year"], name="fiscal_year_closed_once"
            ),
            models.CheckConstraint(
                condition=Q(fiscal_year__gte=2000, fiscal_year__lte=2200),
                name="fiscal_year_close_year_sane",
            ),
        ]

    def __str__(self):
        return f"{self.organization} {self.fiscal_year}"
