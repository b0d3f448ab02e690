"""Reminders of courses to complete.

Weekly: overdue or soon-due staff get one e-mail a week at most; department heads get
a summary of their department. Re-running in the same week queues nothing twice (a
unique row per person and ISO week, and the mail's dedupe key).

Now (いますぐ通知, ``reminders_now_send``): a department head (their own department) or
HR (their town, a department of it, one person) reminds the people who have not yet
completed their assigned courses, as of today, with a notice on マイページ and an e-mail,
at once. Rate-limited (docs/reminders.md): the same sender reminds the same person of the
same course at most once in 24 hours, and a department's or a town's people at most once
in ``SHINKA_REMIND_NOW_INTERVAL_MINUTES`` (30), whoever sends it. Audited: one event per
send, with how many were reminded.

Neither names a course the person is exempt from (免除: ``still_to_be_done`` leaves
it out). Both kinds build the learner's mail with ``_staff_message`` and pick the courses with
the rule of ``lms.assignments`` (``still_to_be_done``). The mails go through the outbox
(``lms/outbox.py``): queued in the transaction of the send (the weekly one, with its
``ReminderLog``, per town), sent after it commits."""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from courses.fiscal import end_of_day, local_today
from lms.assignments import still_to_be_done
from lms.audit import Actor, audit_record
from lms.models import (
    AuditEvent,
    Department,
    Membership,
    Notice,
    Organization,
    OutgoingMail,
    ReminderLog,
    ReminderNow,
    ReminderNowCourse,
)
from lms.models.reminders import iso_week
from lms.outbox import outgoing_mail_publish_on_commit, outgoing_mail_queue
from lms.people.permissions import can_remind_department, can_remind_person, can_remind_town
from lms.people.posts import pick_primary_post, primary_post
from lms.people.roles import Role
from lms.reporting.completion import PersonCourseRow, person_course_rows

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
            # Exempt (免除) and completed courses are not still to be done.
            if not still_to_be_done(row.status) or row.due_date > today + SOON:
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


def _staff_message(rows, *, subject: str = "", intro: str = "") -> tuple[str, str]:
    """The learner's mail: ``intro``, then one line per course (its track, due date and
    whether it is overdue), then the link to マイページ."""
    lines = [
        f"- {row.track.title} / {row.course.title}（{_('Due')}: {row.due_date:%Y-%m-%d}"
        f"{'、' + _('Overdue') if row.overdue else ''}）"
        for row in rows
    ]
    intro = intro or _("These courses are due soon or overdue:")
    body = intro + "\n" + "\n".join(lines)
    body += "\n\n" + _("Continue on My page (sign-in required):") + "\n" + _link("lms:mypage")
    return "[しんか] " + (subject or _("Reminder: courses due")), body


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


# --- Reminders now (いますぐ通知) ------------------------------------------------------------

# The same sender reminds the same person of the same course at most once in this time.
REMIND_PERSON_AGAIN_AFTER = datetime.timedelta(hours=24)


def remind_group_again_after() -> datetime.timedelta:
    """How long a department's or a town's people wait before they are reminded again."""
    return datetime.timedelta(minutes=settings.SHINKA_REMIND_NOW_INTERVAL_MINUTES)


REMINDERS_NOT_ALLOWED = gettext_lazy("You cannot send reminders to these people.")
NOBODY_TO_REMIND = gettext_lazy(
    "Nobody needs a reminder: everyone has completed their courses, or was reminded "
    "recently (by you within the last 24 hours, or by anyone a short while ago)."
)


@dataclass(frozen=True)
class ReminderTarget:
    """Whom a reminder-now is for: a department (with its units), a town, or one person."""

    scope: str
    organization: Organization
    department: Department | None = None
    person: object = None

    @classmethod
    def of_department(cls, department: Department) -> "ReminderTarget":
        return cls(ReminderNow.Scope.DEPARTMENT, department.organization, department=department)

    @classmethod
    def of_town(cls, organization: Organization) -> "ReminderTarget":
        return cls(ReminderNow.Scope.TOWN, organization)

    @classmethod
    def of_person(cls, person) -> "ReminderTarget":
        return cls(ReminderNow.Scope.PERSON, person.organization, person=person)

    @property
    def label(self) -> str:
        if self.department is not None:
            return self.department.name
        if self.person is not None:
            return self.person.get_full_name()
        return self.organization.name

    def allows(self, sender, *, day: datetime.date) -> bool:
        """The permission (``lms.people.permissions``) for this target."""
        if self.scope == ReminderNow.Scope.DEPARTMENT:
            return can_remind_department(sender, self.department, day=day)
        if self.scope == ReminderNow.Scope.PERSON:
            return can_remind_person(sender, self.person, day=day)
        return can_remind_town(sender, self.organization.pk, day=day)

    def previous_sends(self):
        """The earlier sends to the same department or town (any sender)."""
        return ReminderNow.objects.filter(
            organization=self.organization,
            scope=self.scope,
            department=self.department,
            person=None,
        )


class RemindersNotAllowed(Exception):
    message = REMINDERS_NOT_ALLOWED


class RemindersTooSoon(Exception):
    """A department's or a town's people were reminded less than the interval ago."""

    def __init__(self, *, sent_at: datetime.datetime, again_at: datetime.datetime):
        super().__init__(again_at)
        self.sent_at = sent_at
        self.again_at = again_at


@dataclass
class ReminderRecipient:
    """A person to remind, with the courses they are reminded of."""

    user_id: int
    staff_number: str
    name: str
    department: Department
    rows: list[PersonCourseRow] = field(default_factory=list)


def reminders_now_wait(
    target: ReminderTarget, *, now: datetime.datetime | None = None
) -> RemindersTooSoon | None:
    """Why ``target`` cannot be reminded yet (the last send and when it can be again), or
    None. One person has no such wait: only the 24 hours per course and sender."""
    if target.scope == ReminderNow.Scope.PERSON:
        return None
    now = now or timezone.now()
    last = (
        target.previous_sends()
        .filter(sent_at__gt=now - remind_group_again_after())
        .order_by("-sent_at")
        .values_list("sent_at", flat=True)
        .first()
    )
    if last is None:
        return None
    return RemindersTooSoon(sent_at=last, again_at=last + remind_group_again_after())


def reminders_now_recipients(
    *, sender, target: ReminderTarget, today: datetime.date, now: datetime.datetime | None = None
) -> list[ReminderRecipient]:
    """The people of ``target`` to remind today, in staff-number order: active accounts
    with an assigned course still to be done as of ``today`` (the rule of
    ``lms.assignments``; the rows of ``person_course_rows``, each person at their primary
    post), each with those courses, less the courses ``sender`` reminded them of in the
    last 24 hours and those anyone reminded them of within the group interval
    (``remind_group_again_after``). A person left with none is not reminded."""
    now = now or timezone.now()
    department = target.department
    if target.person is not None:
        post = primary_post(user=target.person, day=today)
        if post is None or post.department.organization_id != target.organization.pk:
            return []
        department = post.department
    # Left out: a course this sender reminded the person of in the last 24 hours, and
    # a course anyone reminded them of within the group interval, through any target
    # (a 係, its 部, the town, the person): the per-recipient limit across senders.
    recently = set(
        ReminderNowCourse.objects.filter(
            Q(reminder__sender=sender, reminder__sent_at__gt=now - REMIND_PERSON_AGAIN_AFTER)
            | Q(reminder__sent_at__gt=now - remind_group_again_after()),
            reminder__organization=target.organization,
        ).values_list("user_id", "course_id")
    )
    people: dict[int, ReminderRecipient] = {}
    for row in person_course_rows(
        organization=target.organization, as_of=today, department=department
    ):
        if target.person is not None and row.user_id != target.person.pk:
            continue
        if not still_to_be_done(row.status) or (row.user_id, row.course.pk) in recently:
            continue
        person = people.setdefault(
            row.user_id,
            ReminderRecipient(row.user_id, row.staff_number, row.name, row.department),
        )
        person.rows.append(row)
    active = set(
        get_user_model()
        .objects.filter(pk__in=list(people), is_active=True)
        .values_list("pk", flat=True)
    )
    return sorted(
        (person for user_id, person in people.items() if user_id in active),
        key=lambda person: (person.staff_number, person.user_id),
    )


def reminders_now_send(
    *, sender, target: ReminderTarget, by: Actor, today: datetime.date | None = None
) -> ReminderNow | None:
    """Remind the people of ``target`` now: for each, a notice on マイページ and an e-mail
    (through the outbox, sent after commit) naming their courses still to be done; the
    send, the courses each was reminded of and one audit event, all in one transaction.

    Returns the send, or None when nobody needed a reminder (nothing is written). Raises
    ``RemindersNotAllowed`` when ``sender`` may not remind them and ``RemindersTooSoon``
    when their department or town was reminded less than the interval ago.
    """
    today = today or local_today()
    with transaction.atomic(durable=True):
        # One send of a town at a time: two clicks (two tabs) cannot both pass the limits.
        Organization.objects.select_for_update().filter(pk=target.organization.pk).first()
        if not target.allows(sender, day=today):
            raise RemindersNotAllowed
        now = timezone.now()
        too_soon = reminders_now_wait(target, now=now)
        if too_soon is not None:
            raise too_soon
        recipients = reminders_now_recipients(sender=sender, target=target, today=today, now=now)
        if not recipients:
            return None
        reminder = ReminderNow.objects.create(
            sender=sender,
            organization=target.organization,
            scope=target.scope,
            department=target.department,
            person=target.person,
            recipients=len(recipients),
            mails=0,
            sent_at=now,
        )
        ReminderNowCourse.objects.bulk_create(
            ReminderNowCourse(reminder=reminder, user_id=person.user_id, course_id=row.course.pk)
            for person in recipients
            for row in person.rows
        )
        link = reverse("lms:mypage")
        sender_name = sender.get_full_name() or sender.get_username()
        Notice.objects.bulk_create(
            Notice(user_id=person.user_id, message=_notice_message(sender_name, person), link=link)
            for person in recipients
        )
        emails = _emails(person.user_id for person in recipients)
        mail_ids = []
        for person in recipients:
            subject, body = _staff_message(
                person.rows,
                subject=_("Please complete your courses"),
                intro=_("%(sender)s asks you to complete these courses:") % {"sender": sender_name},
            )
            mail = outgoing_mail_queue(
                organization=target.organization,
                kind=OutgoingMail.Kind.REMINDER_NOW,
                recipient_id=person.user_id,
                address=emails.get(person.user_id, ""),
                subject=subject,
                body=body,
                dedupe_key=f"remindnow:{reminder.pk}:{person.user_id}",
                publish=False,
            )
            if mail is not None:
                mail_ids.append(mail.pk)
        reminder.mails = len(mail_ids)
        reminder.save(update_fields=["mails"])
        outgoing_mail_publish_on_commit(mail_ids)
        audit_record(
            by=by,
            action=AuditEvent.Action.REMINDERS_SENT_NOW,
            subject=target.person,
            reminder_id=reminder.pk,
            scope=target.scope,
            organization_id=target.organization.pk,
            department_id=target.department.pk if target.department else None,
            count=reminder.recipients,
            mails=reminder.mails,
        )
    return reminder


def _notice_message(sender_name: str, person: ReminderRecipient) -> str:
    return (
        _("%(sender)s asks you to complete %(count)s courses. Please continue on My page.")
        % {"sender": sender_name, "count": len(person.rows)}
    )[:300]


# --- Expiry warnings (renewal courses, docs/renewal.md) -------------------------------------


def expiry_warnings_send(*, today: datetime.date | None = None) -> int:
    """Tell each learner whose latest completion of a renewal course is still valid and in
    its renewal window (``expiry_warning_days`` before the expiry date) that it expires
    soon: a notice on マイページ and a mail through the outbox, once per completion (so once
    per round: ``ExpiryWarning``), never after a renewal or the expiry. Only people posted
    in a town that day, in their primary post's town. Returns how many were warned.
    A fixed number of queries per renewal course, whatever the number of completions."""
    from courses.models import CourseCompletion, CoursePage
    from courses.renewal import expiry_date, months_later

    today = today or local_today()
    warned = 0
    for course in CoursePage.objects.live().filter(validity_months__isnull=False):
        # Completions that may be in their window today: on or after the day validity
        # months ago (earlier ones have expired), up to the warning days after that.
        since = months_later(today, -course.validity_months) - datetime.timedelta(days=1)
        until = since + datetime.timedelta(days=course.expiry_warning_days + 2)
        later = CourseCompletion.objects.filter(
            user=OuterRef("user"), course=course, cycle__gt=OuterRef("cycle")
        )
        candidates = (
            CourseCompletion.objects.filter(
                course=course,
                user__is_active=True,
                completed_at__gte=end_of_day(since - datetime.timedelta(days=1)),
                completed_at__lt=end_of_day(until),
                expiry_warning__isnull=True,
            )
            .exclude(Exists(later))
            .select_related("user")
        )
        due = []
        for completion in candidates:
            expires_on = expiry_date(completion.completed_at, course.validity_months)
            window = expires_on - datetime.timedelta(days=course.expiry_warning_days)
            if window <= today < expires_on:
                due.append((completion, expires_on))
        if not due:
            continue
        towns = _towns_of(user_ids={c.user_id for c, _e in due}, day=today)
        with transaction.atomic():
            mail_ids = []
            for completion, expires_on in due:
                organization = towns.get(completion.user_id)
                if organization is None:
                    continue  # not posted in a town today (left)
                mail_id = _warn_once(organization, course, completion, expires_on)
                if mail_id is not False:
                    warned += 1
                    if mail_id:
                        mail_ids.append(mail_id)
            outgoing_mail_publish_on_commit(mail_ids)
    return warned


def _towns_of(*, user_ids, day) -> dict:
    """User id → the town of their primary post on ``day``. One query."""
    posts = defaultdict(list)
    for membership in (
        Membership.objects.active_on(day)
        .filter(user_id__in=user_ids)
        .select_related("department__organization")
    ):
        posts[membership.user_id].append(membership)
    return {
        user_id: pick_primary_post(user_posts).department.organization
        for user_id, user_posts in posts.items()
    }


def _warn_once(organization, course, completion, expires_on):
    """The notice, the mail and the ``ExpiryWarning`` of one completion, in a savepoint;
    False when it was warned before, else the mail's id (None without an address)."""
    from courses.fiscal import town_date
    from lms.models import ExpiryWarning

    day = town_date(expires_on, organization.era_display)
    message = _("Your completion of “%(course)s” expires on %(date)s. Please take it again.") % {
        "course": course.title,
        "date": day,
    }
    link = course.url or ""
    try:
        with transaction.atomic():
            warning = ExpiryWarning.objects.create(
                completion=completion,
                user=completion.user,
                expires_on=expires_on,
                warned_at=timezone.now(),
            )
            Notice.objects.create(user=completion.user, message=message[:300], link=link)
            body = (
                message
                + "\n\n"
                + _("Continue on My page (sign-in required):")
                + "\n"
                + _link("lms:mypage")
            )
            mail = outgoing_mail_queue(
                organization=organization,
                kind=OutgoingMail.Kind.EXPIRY_WARNING,
                recipient_id=completion.user_id,
                address=completion.user.email,
                subject="[しんか] " + _("Your completion expires soon"),
                body=body,
                dedupe_key=f"expiry:{completion.pk}",
                publish=False,
            )
            if mail is not None:
                warning.mail = mail
                warning.save(update_fields=["mail"])
    except IntegrityError:
        return False  # warned already (another run)
    return mail.pk if mail is not None else None
