"""The reminder the day before a session (前日のお知らせ).

Once a day (Celery beat, ``lms.send_session_reminders``), everyone registered (with a
seat) for a session starting tomorrow in Japan gets one e-mail, through the outbox. A
registration is reminded once: ``reminded_at`` is set in the transaction that queues the
mail, and the mail's dedupe key names the registration and the session's start, so a
second run (or a retried task) queues nothing again; a session moved to another day is
reminded again for its new day.
"""

import datetime

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from courses.fiscal import local_today
from lms.models import OutgoingMail, SessionRegistration
from lms.outbox import outgoing_mail_publish_on_commit, outgoing_mail_queue
from lms.sessions.services import session_details


def _tomorrow_bounds(today: datetime.date):
    tomorrow = today + datetime.timedelta(days=1)
    start = timezone.make_aware(datetime.datetime.combine(tomorrow, datetime.time()))
    return start, start + datetime.timedelta(days=1)


@transaction.atomic
def session_reminders_send(*, today: datetime.date | None = None) -> int:
    """Queue the reminders of tomorrow's sessions not yet reminded. Returns how many."""
    today = today or local_today()
    start, end = _tomorrow_bounds(today)
    registrations = list(
        SessionRegistration.objects.select_for_update(of=("self",), skip_locked=True)
        .filter(
            status=SessionRegistration.Status.REGISTERED,
            reminded_at__isnull=True,
            session__starts_at__gte=start,
            session__starts_at__lt=end,
            user__is_active=True,
        )
        .select_related("session", "session__organization", "user")
        .order_by("pk")
    )
    now = timezone.now()
    mail_ids = []
    for registration in registrations:
        session = registration.session
        link = settings.WAGTAILADMIN_BASE_URL.rstrip("/") + reverse(
            "lms:session_detail", kwargs={"session_id": session.pk}
        )
        body = (
            _("This is a reminder of the training session you registered for, tomorrow:")
            + "\n\n"
            + session_details(session)
            + "\n\n"
            + _("If you cannot attend, please cancel your registration (sign-in required):")
            + "\n"
            + link
        )
        mail = outgoing_mail_queue(
            organization=session.organization,
            kind=OutgoingMail.Kind.SESSION_REMINDER,
            recipient_id=registration.user_id,
            address=registration.user.email,
            subject="[しんか] "
            + _("Training session tomorrow: %(title)s") % {"title": session.title},
            body=body,
            dedupe_key=f"session-reminder:{registration.pk}:{int(session.starts_at.timestamp())}",
            publish=False,
        )
        registration.reminded_at = now
        registration.save(update_fields=["reminded_at"])
        if mail is not None:
            mail_ids.append(mail.pk)
    outgoing_mail_publish_on_commit(mail_ids)
    return len(mail_ids)
