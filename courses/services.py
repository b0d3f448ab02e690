"""Writes of learning progress. Each service owns its transaction."""

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assessments.models import Attempt

from .attestations import attestation_current
from .blocks import quiz_ids_in
from .fiscal import end_of_day, fiscal_year_bounds
from .models import (
    CourseCompletion,
    CoursePage,
    ModuleAttestation,
    ModuleCompletion,
    ModulePage,
    has_unpublished_ancestor,
    parent_path,
)
from .prerequisites import course_locked_by
from .renewal import learner_cycle

MODULE_NOT_AVAILABLE = _("This module is not published, so it cannot be completed.")
QUIZ_REQUIRED = _("This module is completed by passing its quiz.")
PREREQUISITES_MISSING = _(
    "This course opens once you have completed its prerequisite courses: %(courses)s."
)
ATTESTATION_REQUIRED = _(
    "Please tick 「内容を確認し、遵守します」 and submit it to complete this module."
)
ATTESTATION_NOT_REQUIRED = _("This module does not ask for an attestation.")


class CompletionError(Exception):
    pass


@dataclass(frozen=True)
class CompletionResult:
    module_completion: ModuleCompletion
    created: bool
    course_completion: CourseCompletion | None
    course_completed_now: bool


@transaction.atomic
def module_complete(
    *, user, module: ModulePage, at: datetime.datetime | None = None, via_attempt=None
) -> CompletionResult:
    """Record that ``user`` finished ``module``; complete the course when it was the last.

    Idempotent: repeated calls in the same cycle return the first completion.
    The cycle is the fiscal year of ``at`` (Asia/Tokyo) for annual courses, the learner's
    round for renewal courses (``courses/renewal.py``).
    A module with a quiz is completed only through a passed attempt of that quiz.
    """
    if not module.live or has_unpublished_ancestor(module):
        raise CompletionError(MODULE_NOT_AVAILABLE)
    quiz_ids = quiz_ids_in(module.body)
    if quiz_ids and not (
        via_attempt is not None
        and via_attempt.passed
        and via_attempt.user_id == user.pk
        and via_attempt.quiz_id in quiz_ids
    ):
        raise CompletionError(QUIZ_REQUIRED)
    at = at or timezone.now()
    course = CoursePage.objects.get(path=parent_path(module.path))
    prerequisites_refuse(user=user, course=course, day=timezone.localdate(at))
    cycle = learner_cycle(user=user, course=course, day=timezone.localdate(at))
    if module.requires_attestation and not attestation_current(
        user=user, module=module, cycle=cycle
    ):
        raise CompletionError(ATTESTATION_REQUIRED)
    completion, created = ModuleCompletion.objects.get_or_create(
        user=user,
        module=module,
        cycle=cycle,
        defaults={"completed_at": at, "via_attempt": via_attempt},
    )
    course_completion, course_created = course_completion_refresh(
        user=user, course=course, cycle=cycle, at=at
    )
    return CompletionResult(completion, created, course_completion, course_created)


def prerequisites_refuse(*, user, course: CoursePage, day: datetime.date | None = None) -> None:
    """Raise ``CompletionError`` naming the prerequisites while ``course`` is locked for
    the learner (``courses/prerequisites.py``)."""
    missing = course_locked_by(user=user, course=course, day=day)
    if missing:
        raise CompletionError(
            PREREQUISITES_MISSING % {"courses": "、".join(f"「{c.title}」" for c in missing)}
        )


@dataclass(frozen=True)
class AttestationResult:
    attestation: ModuleAttestation
    created: bool
    completion: CompletionResult | None


@transaction.atomic
def module_attest(*, user, module: ModulePage, at: datetime.datetime | None = None):
    """Record that ``user`` attests 「内容を確認し、遵守します」 for the module's current
    version (with the time and the live revision), then complete the module: at once
    without a quiz, with the learner's latest passed attempt of its quiz when there is one
    (``courses/attestations.py``). Idempotent per version and cycle: a second call keeps
    the first row."""
    if not module.live or has_unpublished_ancestor(module):
        raise CompletionError(MODULE_NOT_AVAILABLE)
    if not module.requires_attestation:
        raise CompletionError(ATTESTATION_NOT_REQUIRED)
    at = at or timezone.now()
    course = CoursePage.objects.get(path=parent_path(module.path))
    prerequisites_refuse(user=user, course=course, day=timezone.localdate(at))
    cycle = learner_cycle(user=user, course=course, day=timezone.localdate(at))
    attestation, created = ModuleAttestation.objects.get_or_create(
        user=user,
        module=module,
        version=module.attestation_version,
        cycle=cycle,
        defaults={"attested_at": at, "revision_id": module.live_revision_id},
    )
    quiz_ids = quiz_ids_in(module.body)
    via_attempt = None
    if quiz_ids:
        passed = Attempt.objects.filter(
            user=user, quiz_id__in=quiz_ids, context=f"module:{module.id}", passed=True
        )
        if course.validity_months:
            # A pass of this round: made after the previous round's completion.
            previous = (
                CourseCompletion.objects.filter(user=user, course=course, cycle__lt=cycle)
                .order_by("-cycle")
                .values_list("completed_at", flat=True)
                .first()
            )
            if previous is not None:
                passed = passed.filter(submitted_at__gt=previous)
        elif course.annual:
            # A pass counts for the cycle it was made in, as when the quiz completes the
            # module itself: last fiscal year's pass does not complete this year's.
            start, end = fiscal_year_bounds(cycle)
            passed = passed.filter(
                submitted_at__gte=end_of_day(start - datetime.timedelta(days=1)),
                submitted_at__lt=end_of_day(end),
            )
        via_attempt = passed.order_by("-submitted_at").first()
        if via_attempt is None:
            return AttestationResult(attestation, created, None)
    completion = module_complete(user=user, module=module, at=at, via_attempt=via_attempt)
    return AttestationResult(attestation, created, completion)


@transaction.atomic
def course_completion_refresh(
    *, user, course: CoursePage, cycle: int, at: datetime.datetime
) -> tuple[CourseCompletion | None, bool]:
    """Store the course completion once every live module of the course is complete.

    A stored completion is never withdrawn when modules are added later: it
    records what the learner had finished at the time.
    """
    existing = CourseCompletion.objects.filter(user=user, course=course, cycle=cycle).first()
    if existing:
        return existing, False
    module_ids = set(ModulePage.objects.live().child_of(course).values_list("id", flat=True))
    if not module_ids:
        return None, False
    done = ModuleCompletion.objects.filter(user=user, module_id__in=module_ids, cycle=cycle).count()
    if done < len(module_ids):
        return None, False
    return CourseCompletion.objects.get_or_create(
        user=user, course=course, cycle=cycle, defaults={"completed_at": at}
    )
