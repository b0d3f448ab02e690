"""Training sessions: the writes, each in one transaction with its audit event.

- ``session_create`` / ``session_update``: HR of the town (``can_manage_sessions``).
- ``session_register``: the session row is locked (``select_for_update``) while the seats
  are counted, so two people asking for the last seat get one seat and one waiting-list
  place, never two seats. Full → waiting list.
- ``session_cancel``: a registered person's seat goes to the first on the waiting list
  (in the order they asked), who gets a notice on マイページ and an e-mail.
- ``attendance_set``: 出席 stores the same ``CourseCompletion`` a recorded completion is
  (``source`` = recorded, ``lms.records``) and links it to the registration; 欠席 or undo
  deletes the completion *that registration created* and nothing else.

Who may do what is asked of ``lms.people.permissions``; the screens ask too, but the
services decide. Refusals: PermissionDenied (the screens answer 404) or ValidationError
with a Japanese message.
"""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from courses.fiscal import local_today
from courses.models import CourseCompletion
from lms.audit import Actor, audit_record
from lms.models import AuditEvent, Notice, OutgoingMail, SessionRegistration, TrainingSession
from lms.outbox import outgoing_mail_queue
from lms.people.permissions import (
    can_manage_sessions,
    can_record_attendance,
    can_register_for_session,
    users_administering,
)
from lms.records.services import completion_cycle, courses_of_town, renewal_order_problem

FIELDS = ("title", "course", "kind", "starts_at", "ends_at", "place", "capacity", "organiser")
FIELDS_WITH_MINUTES = (*FIELDS, "minutes")

ENDS_BEFORE_START = gettext_lazy("The session must end after it starts.")
CAPACITY_AT_LEAST_ONE = gettext_lazy("The capacity must be at least 1.")
COURSE_NOT_IN_TRACKS = gettext_lazy("This course is not in your town's tracks.")
COURSE_FIXED_BY_ATTENDANCE = gettext_lazy(
    "Attendance has been recorded for this session: its course cannot be changed."
)
ORGANISER_NOT_IN_TOWN = gettext_lazy("Choose an organiser who works in your town.")
CAPACITY_BELOW_REGISTERED = gettext_lazy(
    "%(count)s people are registered: the capacity cannot be lower."
)
ALREADY_STARTED = gettext_lazy("This session has already started.")
ALREADY_REGISTERED = gettext_lazy("This person is already registered or on the waiting list.")
NOT_REGISTERED = gettext_lazy("This person is not registered for this session.")
ATTENDED_CANNOT_CANCEL = gettext_lazy(
    "Attendance has been recorded for this person: the registration cannot be cancelled."
)
NOT_STARTED_YET = gettext_lazy("Attendance can be recorded once the session has started.")
UNKNOWN_REGISTRATION = gettext_lazy(
    "The form names someone who is not registered for this session. Reload the page."
)
OWN_ATTENDANCE = gettext_lazy("You cannot record your own attendance.")


def _described(session: TrainingSession) -> dict:
    return {
        "session": session.pk,
        "title": session.title,
        "course_id": session.course_id,
        "starts_at": timezone.localtime(session.starts_at).isoformat(),
        "ends_at": timezone.localtime(session.ends_at).isoformat(),
        "capacity": session.capacity,
        "organiser": session.organiser_id,
    }


def _validated(session: TrainingSession) -> None:
    errors = {}
    try:
        session.full_clean(exclude=["organization", "created_by"], validate_constraints=False)
    except ValidationError as error:
        errors = error.update_error_dict(errors)
    if session.capacity is not None and session.capacity < 1 and "capacity" not in errors:
        errors["capacity"] = [str(CAPACITY_AT_LEAST_ONE)]
    if session.starts_at and session.ends_at and session.ends_at <= session.starts_at:
        errors.setdefault("ends_at", []).append(str(ENDS_BEFORE_START))
    if session.course_id and "course" not in errors:
        if not courses_of_town(session.organization).filter(pk=session.course_id).exists():
            errors["course"] = [str(COURSE_NOT_IN_TRACKS)]
    if session.organiser_id and "organiser" not in errors:
        town_people = users_administering(session.organization_id, day=local_today())
        if not town_people.filter(pk=session.organiser_id).exists():
            errors["organiser"] = [str(ORGANISER_NOT_IN_TOWN)]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def session_create(*, by: Actor, organization, **fields) -> TrainingSession:
    """A new session of ``organization``: HR of the town only. ``fields``: ``FIELDS`` and
    ``minutes`` (the course, the organiser as objects or ``<name>_id``)."""
    if by.user is None or not can_manage_sessions(
        by.user, organization_id=organization.pk, day=local_today()
    ):
        raise PermissionDenied
    session = TrainingSession(organization=organization, created_by=by.user, **fields)
    _validated(session)
    session.save()
    audit_record(by=by, action=AuditEvent.Action.SESSION_CREATED, **_described(session))
    return session


@transaction.atomic
def session_update(*, by: Actor, session_id: int, **fields) -> TrainingSession:
    """Change a session (HR of its town). The capacity may not fall below the people
    registered; raised, it gives the new seats to the waiting list, in order."""
    session = TrainingSession.objects.select_for_update().get(pk=session_id)
    if by.user is None or not can_manage_sessions(
        by.user, organization_id=session.organization_id, day=local_today()
    ):
        raise PermissionDenied
    before = _described(session)
    starts_at, course_id = session.starts_at, session.course_id
    for name, value in fields.items():
        setattr(session, name, value)
    _validated(session)
    if (
        session.course_id != course_id
        and session.registrations.filter(attended__isnull=False).exists()
    ):
        raise ValidationError({"course": str(COURSE_FIXED_BY_ATTENDANCE)})
    registered = session.registrations.filter(status=SessionRegistration.Status.REGISTERED).count()
    if session.capacity < registered:
        raise ValidationError({"capacity": str(CAPACITY_BELOW_REGISTERED) % {"count": registered}})
    session.save()
    if session.starts_at != starts_at:  # moved: remind again the day before the new day
        session.registrations.update(reminded_at=None)
    promoted = []
    if session.starts_at > timezone.now():
        promoted = _fill_seats(session, registered=registered)
    audit_record(
        by=by,
        action=AuditEvent.Action.SESSION_CHANGED,
        before=before,
        promoted=[registration.user_id for registration in promoted],
        **_described(session),
    )
    return session


def _locked_session(session_id: int) -> TrainingSession:
    try:
        return TrainingSession.objects.select_for_update().get(pk=session_id)
    except TrainingSession.DoesNotExist:
        raise PermissionDenied from None


@transaction.atomic
def session_register(*, by: Actor, session_id: int, person) -> SessionRegistration:
    """Register ``person`` for the session: a seat while there is one, else the waiting
    list. The session row stays locked until the transaction ends, so the seats are
    counted once per registration, one after the other."""
    session = _locked_session(session_id)
    if by.user is None or not can_register_for_session(by.user, person, session, day=local_today()):
        raise PermissionDenied
    if session.starts_at <= timezone.now():
        raise ValidationError(str(ALREADY_STARTED))
    registration = (
        SessionRegistration.objects.select_for_update().filter(session=session, user=person).first()
    )
    if registration is not None and registration.status != SessionRegistration.Status.CANCELLED:
        raise ValidationError(str(ALREADY_REGISTERED))
    taken = session.registrations.filter(status=SessionRegistration.Status.REGISTERED).count()
    status = (
        SessionRegistration.Status.REGISTERED
        if taken < session.capacity
        else SessionRegistration.Status.WAITING
    )
    if registration is None:
        registration = SessionRegistration(session=session, user=person)
    registration.status = status
    registration.registered_by = by.user
    registration.registered_at = timezone.now()
    registration.attended = None
    registration.reminded_at = None
    try:
        with transaction.atomic():
            registration.save()
    except IntegrityError:
        raise ValidationError(str(ALREADY_REGISTERED)) from None
    audit_record(
        by=by,
        action=AuditEvent.Action.SESSION_REGISTERED,
        subject=person,
        session=session.pk,
        status=status,
    )
    return registration


@transaction.atomic
def session_cancel(*, by: Actor, session_id: int, person) -> SessionRegistration:
    """Cancel ``person``'s registration (or waiting-list place). A freed seat goes to the
    first person waiting, who is told (a notice and an e-mail)."""
    session = _locked_session(session_id)
    if by.user is None or not can_register_for_session(by.user, person, session, day=local_today()):
        raise PermissionDenied
    registration = (
        SessionRegistration.objects.select_for_update()
        .filter(session=session, user=person)
        .exclude(status=SessionRegistration.Status.CANCELLED)
        .first()
    )
    if registration is None:
        raise ValidationError(str(NOT_REGISTERED))
    if registration.attended is not None:  # 出席 or 欠席 recorded: the record stays
        raise ValidationError(str(ATTENDED_CANNOT_CANCEL))
    was_registered = registration.status == SessionRegistration.Status.REGISTERED
    registration.status = SessionRegistration.Status.CANCELLED
    registration.save(update_fields=["status"])
    promoted = []
    if was_registered and session.starts_at > timezone.now():
        promoted = _fill_seats(session)
    audit_record(
        by=by,
        action=AuditEvent.Action.SESSION_CANCELLED,
        subject=person,
        session=session.pk,
        promoted=[waiter.user_id for waiter in promoted],
    )
    return registration


def _fill_seats(session: TrainingSession, *, registered: int | None = None) -> list:
    """Give the free seats of the (locked) session to the waiting list, first come first
    served; each promoted person gets a notice and an e-mail. Returns them."""
    if registered is None:
        registered = session.registrations.filter(
            status=SessionRegistration.Status.REGISTERED
        ).count()
    free = session.capacity - registered
    if free <= 0:
        return []
    waiting = list(
        session.registrations.select_for_update(of=("self",))
        .filter(status=SessionRegistration.Status.WAITING)
        .select_related("user")
        .order_by("registered_at", "pk")[:free]
    )
    for registration in waiting:
        registration.status = SessionRegistration.Status.REGISTERED
        registration.save(update_fields=["status"])
        _tell_promoted(session, registration)
    return waiting


def _tell_promoted(session: TrainingSession, registration: SessionRegistration) -> None:
    start = timezone.localtime(session.starts_at)
    message = _("A seat became free: you are now registered for %(title)s on %(day)s.") % {
        "title": session.title,
        "day": f"{start:%Y-%m-%d %H:%M}",
    }
    link = reverse("lms:session_detail", kwargs={"session_id": session.pk})
    Notice.objects.create(user=registration.user, message=message[:300], link=link)
    outgoing_mail_queue(
        organization=session.organization,
        kind=OutgoingMail.Kind.SESSION_NOTICE,
        recipient_id=registration.user_id,
        address=registration.user.email if registration.user.is_active else "",
        subject="[しんか] " + _("You are registered for a training session"),
        body=message + "\n\n" + session_details(session),
        dedupe_key=f"session-seat:{registration.pk}:{registration.registered_at.timestamp()}",
    )


def session_details(session: TrainingSession) -> str:
    """When and where, for the mails (Japan time)."""
    start, end = timezone.localtime(session.starts_at), timezone.localtime(session.ends_at)
    return "\n".join(
        (
            f"{_('Session')}: {session.title}",
            f"{_('Date and time')}: {start:%Y-%m-%d %H:%M}〜{end:%H:%M}",
            f"{_('Place')}: {session.place}",
        )
    )


@transaction.atomic
def attendance_set(*, by: Actor, session_id: int, marks: dict) -> int:
    """Record attendance: ``marks`` maps registration ids to True (出席), False (欠席) or
    None (not recorded). Every id must be a registered person of this session, else
    nothing is changed. 出席 stores a completion of the session's course (unless one is
    stored for its cycle already: then nothing more is needed) and links it; 欠席 or None
    deletes the completion this registration stored, if any. Returns how many changed."""
    session = _locked_session(session_id)
    if by.user is None or not can_record_attendance(by.user, session, day=local_today()):
        raise PermissionDenied
    now = timezone.now()
    if session.starts_at > now:
        raise ValidationError(str(NOT_STARTED_YET))
    registrations = {
        registration.pk: registration
        for registration in session.registrations.select_for_update(of=("self",))
        .filter(status=SessionRegistration.Status.REGISTERED)
        .select_related("user", "completion")
    }
    if not set(marks) <= set(registrations):
        raise ValidationError(str(UNKNOWN_REGISTRATION))
    changed = 0
    for registration_id, attended in marks.items():
        registration = registrations[registration_id]
        if registration.attended == attended:
            continue
        if registration.user_id == by.user.pk:
            raise ValidationError(str(OWN_ATTENDANCE))
        completion = None
        if attended:
            completion = _completion_for(session, registration, by=by, now=now)
        elif registration.completion is not None:
            registration.completion.delete()
        registration.attended = attended
        registration.completion = completion
        registration.save(update_fields=["attended", "completion"])
        audit_record(
            by=by,
            action=AuditEvent.Action.SESSION_ATTENDANCE_RECORDED,
            subject=registration.user,
            session=session.pk,
            course_id=session.course_id,
            attended=attended,
            completion=completion.pk if completion else None,
        )
        changed += 1
    return changed


def _completion_for(session, registration, *, by: Actor, now) -> CourseCompletion | None:
    """The completion attending stores: dated when the session ended (or now, when it is
    recorded during the session). None when the person already has one for that cycle
    (learned online, recorded, or another session): that one already counts."""
    completed_at = min(session.ends_at, now)
    course = session.course
    # The records' rules (lms/records/services.py): a renewal course takes the round after
    # the person's latest, and only when this completion is later than that one.
    if course.validity_months and renewal_order_problem(
        person_id=registration.user_id, course=course, completed_at=completed_at
    ):
        return None
    cycle = completion_cycle(course, completed_at, registration.user_id)
    if CourseCompletion.objects.filter(
        user_id=registration.user_id, course_id=session.course_id, cycle=cycle
    ).exists():
        return None
    day = timezone.localdate(session.starts_at)
    try:
        with transaction.atomic():
            return CourseCompletion.objects.create(
                user_id=registration.user_id,
                course_id=session.course_id,
                cycle=cycle,
                completed_at=completed_at,
                source=CourseCompletion.Source.RECORDED,
                recorded_by=by.user,
                recorded_at=now,
                reason=_("Attended %(title)s on %(day)s")
                % {"title": session.title, "day": day.isoformat()},
            )
    except IntegrityError:
        return None  # stored a moment ago by the learner: that one counts


def attended_minutes(user_ids, start: datetime.datetime, end: datetime.datetime) -> dict:
    """Learning time (学習時間) from sessions: minutes per person of the sessions starting
    in [start, end) they attended. One query; people without any are left out."""
    rows = (
        SessionRegistration.objects.filter(
            user_id__in=list(user_ids),
            attended=True,
            status=SessionRegistration.Status.REGISTERED,
            session__starts_at__gte=start,
            session__starts_at__lt=end,
        )
        .values("user_id")
        .annotate(total=Sum("session__minutes"))
    )
    return {row["user_id"]: row["total"] for row in rows}
