from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    """Who looked at, changed or took away whose personal data (or whose roles or rules),
    when, and from where.

    Append-only: no admin screen adds, changes or deletes one; on PostgreSQL a trigger
    refuses every UPDATE and DELETE except the retention prune's (``lms.audit.audit_prune``,
    migration 0024). An account named here cannot be deleted (PROTECT): accounts are
    deactivated and, after the retention period, anonymised, never deleted.
    """

    class Action(models.TextChoices):
        LOGIN_SUCCEEDED = "login_succeeded", _("Signed in")
        LOGIN_FAILED = "login_failed", _("Failed to sign in")
        MFA_ADDED = "mfa_added", _("Two-factor authentication set up")
        MFA_REMOVED = "mfa_removed", _("Two-factor authentication removed")
        MFA_RESET = "mfa_reset", _("Recovery codes regenerated")
        MFA_FAILED = "mfa_failed", _("Wrong two-factor code")
        ROLES_CHANGED = "roles_changed", _("Roles changed")
        REPORT_GENERATED = "report_generated", _("Report generated")
        PERSON_PROGRESS_VIEWED = "person_progress_viewed", _("Viewed a person's progress")
        PERSON_SKILLS_VIEWED = "person_skills_viewed", _("Viewed a person's skill levels")
        REPORT_DOWNLOADED = "report_downloaded", _("Downloaded a report")
        ROSTER_IMPORTED = "roster_imported", _("Imported the staff list")
        ROSTER_EXPORTED = "roster_exported", _("Exported the staff list")
        PERSON_DATA_EXPORTED = "person_data_exported", _("Exported all data held about a person")
        PERSON_ANONYMISED = "person_anonymised", _("Anonymised a former member of staff")
        CRITERIA_CHANGED = "criteria_changed", _("Changed the DX leader candidate criteria")
        ACCOUNT_CHANGED = "account_changed", _("Changed an account's active or superuser flag")
        PASSWORD_RESET_SENT = "password_reset_sent", _("Sent someone a password reset link")
        PASSWORD_CHANGED = "password_changed", _("Changed their own password")
        REPORT_REBUILD_REQUESTED = (
            "report_rebuild_requested",
            _("Asked for a new version of a report"),
        )
        FISCAL_YEAR_CLOSED = "fiscal_year_closed", _("Closed a fiscal year")
        ASSIGNMENTS_ROLLED_OVER = (
            "assignments_rolled_over",
            _("Rolled track assignments over into the next fiscal year"),
        )
        CERTIFICATE_ISSUED = "certificate_issued", _("Issued a certificate of completion")
        CERTIFICATE_VERIFIED = "certificate_verified", _("Checked a certificate number")
        TRANSCRIPT_VIEWED = "transcript_viewed", _("Viewed a person's learning record")
        TRANSCRIPT_DOWNLOADED = "transcript_downloaded", _("Downloaded a learning record")
        CALENDAR_FEED_CREATED = "calendar_feed_created", _("Made a calendar feed address")
        CALENDAR_FEED_REVOKED = "calendar_feed_revoked", _("Stopped a calendar feed address")
        REMINDERS_SENT_NOW = "reminders_sent_now", _("Reminded people now of courses to complete")
        EXEMPTION_CREATED = "exemption_created", _("Exempted someone from a track")
        EXEMPTION_CHANGED = "exemption_changed", _("Changed an exemption")
        EXEMPTION_ENDED = "exemption_ended", _("Ended an exemption")
        COMPLETION_RECORDED = "completion_recorded", _("Recorded a course completion")
        COMPLETIONS_IMPORTED = "completions_imported", _("Imported historical course completions")
        COMPLETION_EVIDENCE_DOWNLOADED = (
            "completion_evidence_downloaded",
            _("Downloaded the evidence of a recorded completion"),
        )
        ATTESTATIONS_DOWNLOADED = (
            "attestations_downloaded",
            _("Downloaded the list of who attested a module"),
        )
        SESSION_CREATED = "session_created", _("Created a training session")
        SESSION_CHANGED = "session_changed", _("Changed a training session")
        SESSION_REGISTERED = "session_registered", _("Registered someone for a training session")
        SESSION_CANCELLED = "session_cancelled", _("Cancelled a training session registration")
        SESSION_ATTENDANCE_RECORDED = (
            "session_attendance_recorded",
            _("Recorded attendance at a training session"),
        )

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
    )
    action = models.CharField(_("action"), max_length=40, choices=Action)
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("subject"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    occurred_at = models.DateTimeField(_("occurred at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-occurred_at"]

    def __str__(self):
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.actor} {self.get_action_display()}"
