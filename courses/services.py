"""Writes of learning progress. Each service owns its transaction."""

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .blocks import quiz_ids_in
from .fiscal import fiscal_year_of
from .models import (
    CourseCompletion,
    CoursePage,
    ModuleCompletion,
    ModulePage,
    cycle_for,
    has_unpublished_ancestor,
    parent_path,
)

MODULE_NOT_AVAILABLE = _("This module is not published, so it cannot be completed.")
QUIZ_REQUIRED = _("This module is completed by passing its quiz.")


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
    The cycle is the fiscal year of ``at`` (Asia/Tokyo) for annual courses.
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
    cycle = cycle_for(annual=course.annual, fiscal_year=fiscal_year_of(timezone.localdate(at)))
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
