"""Weekly reminders: overdue or soon-due staff get one e-mail a week at most (never for
a course they are exempt from: ``lms.assignments``, 免除);
department heads get a summary of their department. Re-running in the same
week queues nothing twice (a unique row per person and ISO week, and the mail's
dedupe key). The mails go through the outbox (``lms/outbox.py``): queued with their
``ReminderLog`` in one transaction per town, sent after it commits."""

import datetime
from collections import defaultdict

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from courses.fiscal import local_today
from lms.assignments import COMPLETED, EXEMPT
from lms.models import Membership, Organization, OutgoingMail, ReminderLog
from lms.models.reminders import iso_week
from lms.outbox import outgoing_mail_publish_on_commit, outgoing_mail_queue
from lms.people.posts import pick_primary_post
from lms.people.roles import Role
from lms.reporting.completion import person_course_rows

SOON = datetime.timedelta(days=14)


def reminders_send(*, today: datetime.date | None = None) -> int:
    """Queue this week's reminders and heads' summaries; returns how many were queued."""
    today = today or local_today()
    week = iso_week(today)
    queued = 0
    for organization in Organization.objects.all():
        due = defaultdict(list)
        by_department = defaultdict(list)
        for row in person_course_rows(organization=organization, as_of=today):
            # Exempt people (免除) are not reminded of the courses they are exempt from.
            if row.status in (COMPLETED, EXEMPT) or row.due_date > today + SOON:
                continue
            due[row.user_id].append(row)
            by_department[row.department.path].append(row)
        emails = _emails(due.keys())
        with transaction.atomic():
            mail_ids = []
            for user_id, rows in due.items():
                mail_ids += _queue_once(
                    organization,
                    OutgoingMail.Kind.REMINDER,
                    user_id,
                    week,
                    emails.get(user_id),
                    _staff_message(rows),
                )
            for head, department in _heads(organization, today):
                rows = [
                    row
                    for path, rows in by_department.items()
                    if path.startswith(department.path)
                    for row in rows
                ]
                if rows:
                    mail_ids += _queue_once(
                        organization,
                        OutgoingMail.Kind.HEAD_SUMMARY,
                        head.id,
                        f"{week}H",
                        head.email,
                        _head_message(department, rows),
                    )
            outgoing_mail_publish_on_commit(mail_ids)
        queued += len(mail_ids)
    return queued


def _emails(user_ids) -> dict[int, str]:
    return dict(
        get_user_model()
        .objects.filter(pk__in=list(user_ids), is_active=True)
        .values_list("pk", "email")
    )


def _queue_once(
    organization, kind: str, user_id: int, week: str, email: str | None, message: tuple[str, str]
) -> list[int]:
    """Queue the reminder of ``user_id`` for ``week`` unless it was queued before: the
    mail and its ``ReminderLog`` together (a savepoint). The ids of the mails queued."""
    if not email:
        return []
    subject, body = message
    try:
        with transaction.atomic():
            mail = outgoing_mail_queue(
                organization=organization,
                kind=kind,
                recipient_id=user_id,
                address=email,
                subject=subject,
                body=body,
                dedupe_key=f"reminder:{user_id}:{week}",
                publish=False,
            )
            if mail is None:
                return []  # already queued this week
            ReminderLog.objects.create(user_id=user_id, week=week, mail=mail)
    except IntegrityError:
        return []  # already reminded this week (before the outbox)
    return [mail.pk]


def _link(name: str) -> str:
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + reverse(name)


def _staff_message(rows) -> tuple[str, str]:
    lines = [
        f"- {row.track.title} / {row.course.title}（{_('Due')}: {row.due_date:%Y-%m-%d}"
        f"{'、' + _('Overdue') if row.overdue else ''}）"
        for row in rows
    ]
    body = _("These courses are due soon or overdue:") + "\n" + "\n".join(lines)
    body += "\n\n" + _("Continue on My page (sign-in required):") + "\n" + _link("lms:mypage")
    return "[しんか] " + _("Reminder: courses due"), body


def _head_message(department, rows) -> tuple[str, str]:
    people = sorted({(row.staff_number, row.name) for row in rows if row.overdue})
    body = _(
        "%(department)s: %(overdue)s people have overdue courses; "
        "%(due)s courses are due within two weeks."
    ) % {
        "department": department.name,
        "overdue": len(people),
        "due": sum(1 for row in rows if not row.overdue),
    }
    body += "\n" + "\n".join(f"- {number} {name}" for number, name in people)
    body += "\n\n" + _link("lms:hr_dashboard")
    return "[しんか] " + _("Weekly summary for your department"), body


def _heads(organization, today):
    """(head, department of their primary post) for every department head whose primary
    post (``lms.people.posts``, over all their posts, as ``headed_department``) is in
    the town. One query."""
    posts = defaultdict(list)
    for membership in (
        Membership.objects.active_on(today)
        .filter(
            user__is_active=True,
            user__groups__name=Role.DEPT_HEAD,
            user__in=Membership.objects.active_on(today)
            .filter(department__organization=organization)
            .values("user"),
        )
        .select_related("user", "department")
    ):
        posts[membership.user_id].append(membership)
    heads = (pick_primary_post(user_posts) for user_posts in posts.values())
    return [
        (post.user, post.department)
        for post in heads
        if post.department.organization_id == organization.pk
    ]
