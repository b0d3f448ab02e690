"""開示請求 (disclosure requests): the record of each request for a person's data."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class DisclosureRequest(models.Model):
    """One 開示請求 as HR received it: for whom, on whose behalf, under which reference.

    Written with its PERSON_DATA_EXPORTED audit event in one transaction
    (``lms.privacy.disclosure.person_data_disclose``); never edited afterwards.
    """

    class Requester(models.TextChoices):
        SELF = "self", _("The person themselves")
        LEGAL_REPRESENTATIVE = "legal_representative", _("A legal representative")
        AGENT = "agent", _("An agent authorised by the person")

    organization = models.ForeignKey(
        "lms.Organization", on_delete=models.PROTECT, related_name="disclosure_requests"
    )
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        related_name="disclosure_requests",
    )
    requester = models.CharField(
        pgettext_lazy("disclosure request", "requested by"),
        max_length=32,
        choices=Requester.choices,
        default=Requester.SELF,
    )
    requester_name = models.CharField(
        _("name of the representative or agent"), max_length=100, blank=True
    )
    reference_number = models.CharField(_("reference number"), max_length=32)
    received_on = models.DateField(_("date received"))
    reason = models.TextField(_("purpose and grounds"), max_length=500)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("disclosure request")
        verbose_name_plural = _("disclosure requests")
        ordering = ["-recorded_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "reference_number"],
                name="disclosure_reference_unique_per_org",
            )
        ]

    def __str__(self):
        return f"{self.reference_number} ({self.subject_id})"
