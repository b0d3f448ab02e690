"""A course completion recorded by HR or a department head (集合研修, an external course).

``completion_record`` is the one writer: it checks who may record for whom
(``lms.people.permissions``), the date, the course and the cycle, stores the same
``CourseCompletion`` the reports read (``source`` = recorded) and writes its audit event,
all in one transaction. The import of historical completions (``lms.records.imports``)
applies the same checks (``completion_problem``) to every row.
"""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy

from courses.fiscal import fiscal_year_of, japanese_fiscal_year, local_today, western_date
from courses.models import CourseCompletion, CoursePage, cycle_for
from courses.renewal import next_recorded_cycle
from lms.audit import Actor, audit_record
from lms.models import AuditEvent
from lms.people.permissions import can_record_completion_for
from lms.towns import pages_of_towns_q

FUTURE_DATE = gettext_lazy("The completion date is in the future. Enter a date up to today.")
# The earliest day a completion may be dated: the first fiscal year the reports know
# (lms/reporting/forms.py EARLIEST_FISCAL_YEAR); older dates are typing errors, and year 1
# would not even fit a time zone conversion.
EARLIEST_COMPLETION_DAY = datetime.date(2000, 4, 1)
TOO_EARLY = gettext_lazy("The completion date is too early. Enter a date from 1 April 2000.")
NOT_IN_TRACKS = gettext_lazy("This course is not in your town's tracks.")
REASON_REQUIRED = gettext_lazy("Enter the reason for recording this completion.")
RENEWAL_NOT_LATER = gettext_lazy(
    "A completion of this course on %(day)s is already stored for this person. For a "
    "course with a validity period, record only completions after the latest one."
)
ALREADY_COMPLETED = gettext_lazy("This person has already completed this course.")
ALREADY_COMPLETED_IN_YEAR = gettext_lazy(
    "This person has already completed this course in %(year)s."
)
EVIDENCE_LIMIT = 10 * 1024 * 1024
EVIDENCE_TOO_LARGE = gettext_lazy("The evidence file is larger than 10 MB.")
EVIDENCE_KIND = gettext_lazy("The evidence file must be a PDF, PNG or JPEG file.")
# The first bytes of the kinds of evidence we keep: a certificate scanned or printed to PDF.
EVIDENCE_SIGNATURES = (b"%PDF-", b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff")


def courses_of_town(organization):
    """The live courses of the town's tracks: those a completion may be recorded for."""
    return CoursePage.objects.live().filter(pages_of_towns_q([organization.pk])).order_by("path")


def completion_cycle(
    course: CoursePage, completed_at: datetime.datetime, person_id: int | None = None
) -> int:
    """The cycle a completion at ``completed_at`` counts for (``cycle_for``): the fiscal
    year of its day in Japan for an annual course, the round after the person's highest
    stored one for a renewal course (``courses.renewal.next_recorded_cycle``; one query),
    else 0."""
    if course.validity_months and person_id is not None:
        return next_recorded_cycle(user_id=person_id, course=course)[0]
    day = timezone.localdate(completed_at)
    return cycle_for(annual=course.annual, fiscal_year=fiscal_year_of(day))


def renewal_order_problem(
    *, person_id: int, course: CoursePage, completed_at: datetime.datetime
) -> str | None:
    """A renewal course's rounds grow with time: a recorded completion must be later than
    the person's latest stored one (docs/renewal.md)."""
    if not course.validity_months:
        return None
    _cycle, latest = next_recorded_cycle(user_id=person_id, course=course)
    if latest is not None and completed_at <= latest:
        return str(RENEWAL_NOT_LATER) % {"day": western_date(latest)}
    return None


def completion_problem(
    *, person_id: int, course: CoursePage, completed_at: datetime.datetime, now=None
) -> str | None:
    """What stops a completion of ``course`` at ``completed_at`` for the person, in words;
    None when it may be stored. Only the rules of the completion itself: who may record
    it is asked of ``lms.people.permissions``."""
    now = now or timezone.now()
    if completed_at > now:
        return str(FUTURE_DATE)
    if timezone.localdate(completed_at) < EARLIEST_COMPLETION_DAY:
        return str(TOO_EARLY)
    if course.validity_months:
        return renewal_order_problem(person_id=person_id, course=course, completed_at=completed_at)
    cycle = completion_cycle(course, completed_at)
    if CourseCompletion.objects.filter(user_id=person_id, course=course, cycle=cycle).exists():
        return already_completed_message(course, cycle)
    return None


def already_completed_message(course: CoursePage, cycle: int) -> str:
    if course.annual:
        return str(ALREADY_COMPLETED_IN_YEAR) % {"year": japanese_fiscal_year(cycle)}
    return str(ALREADY_COMPLETED)


def evidence_problem(evidence) -> str | None:
    if evidence is None:
        return None
    if evidence.size > EVIDENCE_LIMIT:
        return str(EVIDENCE_TOO_LARGE)
    evidence.seek(0)
    head = evidence.read(8)
    evidence.seek(0)
    if not head.startswith(EVIDENCE_SIGNATURES):
        return str(EVIDENCE_KIND)
    return None


@transaction.atomic
def completion_record(
    *,
    by: Actor,
    person,
    organization,
    course_id: int,
    completed_at: datetime.datetime,
    reason: str,
    evidence=None,
) -> CourseCompletion:
    """Record that ``person`` completed the course at ``completed_at`` (aware, or taken as
    Japan time). Refused (PermissionDenied) unless ``by.user`` may record for the person;
    refused (ValidationError, in Japanese) for a course outside ``organization``'s tracks,
    a date in the future, an empty reason, evidence that is not a PDF or image, or a
    completion already stored for the course's cycle. Writes one COMPLETION_RECORDED event
    in the same transaction."""
    if by.user is None or not can_record_completion_for(by.user, person, day=local_today()):
        raise PermissionDenied
    course = courses_of_town(organization).filter(pk=course_id).first()
    if course is None:
        raise ValidationError({"course": str(NOT_IN_TRACKS)})
    if timezone.is_naive(completed_at):
        completed_at = timezone.make_aware(completed_at)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": str(REASON_REQUIRED)})
    problem = evidence_problem(evidence)
    if problem:
        raise ValidationError({"evidence": problem})
    problem = completion_problem(person_id=person.pk, course=course, completed_at=completed_at)
    if problem:
        raise ValidationError({"completed_on": problem})
    completion = CourseCompletion(
        user=person,
        course=course,
        cycle=completion_cycle(course, completed_at, person.pk),
        completed_at=completed_at,
        source=CourseCompletion.Source.RECORDED,
        recorded_by=by.user,
        recorded_at=timezone.now(),
        reason=reason,
    )
    if evidence is not None:
        completion.evidence.save(_evidence_name(evidence.name), evidence, save=False)
    try:
        with transaction.atomic():
            completion.save()
    except IntegrityError:
        # Someone stored the same cycle's completion a moment ago (the learner, or a second
        # tab): the unique constraint decides, and the second one is told so.
        if completion.evidence:
            completion.evidence.delete(save=False)
        raise ValidationError(
            {"completed_on": already_completed_message(course, completion.cycle)}
        ) from None
    audit_record(
        by=by,
        action=AuditEvent.Action.COMPLETION_RECORDED,
        subject=person,
        course_id=course.pk,
        course=course.title,
        cycle=completion.cycle,
        completed_at=timezone.localtime(completed_at).isoformat(),
        reason=reason,
        evidence=bool(completion.evidence),
    )
    return completion


def _evidence_name(name: str) -> str:
    """The stored file's name: its extension only (the uploaded name may carry personal
    data or characters storages dislike); the folder and a random suffix do the rest."""
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    return f"evidence.{extension}" if extension in {"pdf", "png", "jpg", "jpeg"} else "evidence"


def evidence_download_audit(*, by: Actor, completion: CourseCompletion) -> None:
    audit_record(
        by=by,
        action=AuditEvent.Action.COMPLETION_EVIDENCE_DOWNLOADED,
        subject=completion.user,
        course_id=completion.course_id,
        cycle=completion.cycle,
    )
