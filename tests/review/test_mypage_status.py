"""Hostile review: マイページ's "Completed" and the one status rule (lms/assignments.py)."""

import datetime

from django.utils import timezone

from courses.factories import ModulePageFactory
from courses.models import CourseCompletion, ModuleCompletion
from lms.assignments import COMPLETED
from lms.factories import TrackAssignmentFactory
from lms.learner.selectors import mypage_for_user

TODAY = datetime.date(2026, 11, 28)


def test_a_course_completed_before_a_module_was_added_shows_completed_on_mypage(
    make_course, make_staff, organization
):
    """The rule: completed when a CourseCompletion is stored for the cycle, never withdrawn
    when modules are added later. The HR report and ``page.course_status`` say completed;
    the card's badges read ``CourseProgress.completed`` / ``TrackProgress.completed``
    (every live module done), a second copy of the rule, and show it as not completed."""
    track, course, modules = make_course(modules=2)
    person = make_staff("mado")
    TrackAssignmentFactory(
        organization=organization,
        track=track,
        fiscal_year=2026,
        due_date=datetime.date(2027, 3, 31),
        applies_to_all=True,
    )
    at = timezone.now()
    for module in modules:
        ModuleCompletion.objects.create(user=person, module=module, cycle=0, completed_at=at)
    CourseCompletion.objects.get_or_create(
        user=person, course=course, cycle=0, defaults={"completed_at": at}
    )
    ModulePageFactory(parent=course)  # a module added afterwards

    page = mypage_for_user(user=person, today=TODAY)

    [item] = [t for t in page.assigned if t.page.id == track.id]
    [shown] = [c for c in item.courses if c.page.id == course.id]
    assert page.course_status[course.id] == COMPLETED
    assert shown.completed, "the course card does not show 'Completed'"
    assert item.completed, "the track card does not show 'Completed'"
