"""A person's private calendar feed (iCal) of their due dates."""

import secrets
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


def new_secret() -> str:
    return secrets.token_urlsafe(32)


class CalendarFeed(models.Model):
    """The address a calendar (Outlook, Google, groupware) subscribes to: ``key`` finds the
    row, ``secret`` (compared in constant time) proves the address is the person's. Revoked
    feeds are kept (who made and ended them is audited); at most one live feed a person."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff member"),
        on_delete=models.CASCADE,
        related_name="calendar_feeds",
    )
    key = models.UUIDField(_("key"), default=uuid.uuid4, unique=True, editable=False)
    secret = models.CharField(_("secret"), max_length=64, default=new_secret, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")
        constraints = [
            models.UniqueConstraint(
                fields=["user"], condition=Q(revoked_at__isnull=True), name="one_live_calendar_feed"
            )
        ]

    def __str__(self):
        return f"{self.user} — {self.key}"

    @property
    def token(self) -> str:
        """What the address carries: the key, then the secret."""
        return f"{self.key.hex}.{self.secret}"
