"""Prerequisites: a course opens once the courses it names are complete (issue 19).

The one home of the rule, read by the course and module pages, マイページ (through
``courses.selectors.progress_for_tracks``), the completion service and the quiz views:

- A prerequisite is **complete** for a learner when a ``CourseCompletion`` is stored for its
  current cycle (``cycle_for``: the fiscal year of the day for an annual course, 0 for the
  others) by the end of that day, as マイページ and the reports count a course completed
  (``lms/assignments.py``). So an **annual prerequisite** (情報セキュリティ) must be
  completed again each fiscal year before a course that requires it opens: each April the
  course waits until this year's completion, as the annual course itself is due again.
- Only **live** prerequisites count: a withdrawn or deleted course locks nothing.
- A course the learner has already completed in its own current cycle stays **open** (to
  read again), whatever became of its prerequisites since.
- Locked means: the course and module pages show the prerequisites to complete first
  (with links) instead of the content, completing a module and starting, answering or
  submitting its quizzes are refused on the server, マイページ marks the course 受講前の条件あり.
- **No loops**: the editor refuses a course that requires itself or, through other courses,
  requires a course that requires it (``prerequisite_loop``, ``courses/forms.py``).
"""

import datetime
from collections.abc import Iterable

from django.db.models import Exists, OuterRef, Q

from .fiscal import end_of_day, fiscal_year_of, local_today
from .models import CourseCompletion, CoursePage, cycle_for


def prerequisites_missing(
    *, user, courses: Iterable[CoursePage], day: datetime.date | None = None
) -> dict[int, list[CoursePage]]:
    """Course id → its live prerequisites the learner has not completed (path order), for
    the locked ones among ``courses``; an open course is absent. One query, whatever the
    number of courses, prerequisites and completions (the completions as EXISTS in it)."""
    courses = list(courses)
    if not courses or not getattr(user, "is_authenticated", False):
        return {}
    day = day or local_today()
    fiscal_year = fiscal_year_of(day)
    # A course's completion for its current cycle, by the end of ``day`` (the cycle per
    # course: ``cycle_for`` of its ``annual``).
    completed = CourseCompletion.objects.filter(user=user, completed_at__lt=end_of_day(day)).filter(
        Q(course__annual=True, cycle=cycle_for(annual=True, fiscal_year=fiscal_year))
        | Q(
            course__annual=False,
            course__validity_months__isnull=True,
            cycle=cycle_for(annual=False, fiscal_year=fiscal_year),
        )
        # A renewal course: any round's completion, expired or not (docs/renewal.md):
        # what it opens was learned, and renewing it stays open.
        | Q(course__validity_months__isnull=False)
    )
    edges = (
        CoursePage.prerequisites.through.objects.filter(
            from_coursepage_id__in=[course.id for course in courses], to_coursepage__live=True
        )
        # ``alias``, not ``annotate``: the conditions are only filtered on, so each EXISTS
        # is in the SQL once (in WHERE), not twice (also in SELECT).
        .alias(
            prerequisite_done=Exists(completed.filter(course_id=OuterRef("to_coursepage_id"))),
            course_done=Exists(completed.filter(course_id=OuterRef("from_coursepage_id"))),
        )
        .filter(prerequisite_done=False, course_done=False)
        .select_related("to_coursepage")
        .order_by("to_coursepage__path")
    )
    missing: dict[int, list[CoursePage]] = {}
    for edge in edges:
        missing.setdefault(edge.from_coursepage_id, []).append(edge.to_coursepage)
    return missing


def course_locked_by(*, user, course: CoursePage, day=None) -> list[CoursePage]:
    """The prerequisites the learner must complete before ``course`` opens (none: open)."""
    return prerequisites_missing(user=user, courses=[course], day=day).get(course.id, [])


def prerequisite_loop(*, course_id: int, prerequisite_ids: Iterable[int]) -> list[str]:
    """The titles along a loop that choosing ``prerequisite_ids`` for the course would
    close (the course first and last), or ``[]``. The other courses' prerequisites are
    read as stored (live versions); one query for the edges, one for the titles."""
    through = CoursePage.prerequisites.through
    graph: dict[int, list[int]] = {}
    for source, target in through.objects.values_list("from_coursepage_id", "to_coursepage_id"):
        graph.setdefault(source, []).append(target)
    graph[course_id] = list(prerequisite_ids)
    # Depth-first from the course: a path back to it is the loop.
    stack = [(course_id, [course_id])]
    seen = set()
    while stack:
        node, trail = stack.pop()
        for target in graph.get(node, []):
            if target == course_id:
                titles = dict(CoursePage.objects.filter(pk__in=trail).values_list("id", "title"))
                return [titles.get(pk, str(pk)) for pk in [*trail, course_id]]
            if target not in seen:
                seen.add(target)
                stack.append((target, [*trail, target]))
    return []
