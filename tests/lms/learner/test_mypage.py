import datetime
from http import HTTPStatus
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from courses.factories import ModulePageFactory
from courses.models import CourseCompletion, ModuleCompletion
from courses.services import module_complete
from lms.assignments import COMPLETED
from lms.factories import MembershipFactory, TrackAssignmentFactory, UserFactory
from lms.learner.selectors import mypage_for_user
from lms.models import Exemption

DAY = datetime.date(2026, 11, 28)


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(datetime.datetime(2026, 11, 28, 9, 0, tzinfo=ZoneInfo("Asia/Tokyo")))


@pytest.fixture
def setup(make_course, make_staff, organization):
    basics, basics_course, basics_modules = make_course(modules=3)
    counter, _, _ = make_course(modules=2)
    optional, _, _ = make_course(modules=2)
    TrackAssignmentFactory(
        organization=organization,
        track=basics,
        applies_to_all=True,
        due_date=datetime.date(2026, 9, 30),
    )
    TrackAssignmentFactory(
        organization=organization,
        track=counter,
        applies_to_all=True,
        due_date=datetime.date(2027, 3, 15),
    )
    learner = make_staff()
    return {
        "learner": learner,
        "basics": basics,
        "basics_modules": basics_modules,
        "counter": counter,
        "optional": optional,
        "organization": organization,
    }


def test_mypage_separates_assigned_and_optional_tracks_with_due_dates(setup):
    page = mypage_for_user(user=setup["learner"], today=DAY)

    assert [t.page.id for t in page.assigned] == [setup["basics"].id, setup["counter"].id]
    assert [t.page.id for t in page.optional] == [setup["optional"].id]
    assert page.assigned[0].due_date == datetime.date(2026, 9, 30)


def test_an_unfinished_track_past_its_due_date_is_overdue(setup):
    page = mypage_for_user(user=setup["learner"], today=DAY)

    assert page.assigned[0].overdue is True
    assert page.assigned[1].overdue is False
    assert page.overdue_count == 1


def test_a_finished_track_is_never_overdue(setup):
    for module in setup["basics_modules"]:
        module_complete(user=setup["learner"], module=module)

    page = mypage_for_user(user=setup["learner"], today=DAY)

    basics = next(t for t in page.assigned if t.page.id == setup["basics"].id)
    assert basics.completed and not basics.overdue
    assert basics.percent == 100


def test_resume_points_at_the_module_after_the_latest_completion(setup):
    first, second, _ = setup["basics_modules"]
    module_complete(user=setup["learner"], module=first)

    page = mypage_for_user(user=setup["learner"], today=DAY)

    assert page.resume.module.page.id == second.id
    assert page.resume.track.page.id == setup["basics"].id


def test_resume_starts_with_the_first_assigned_module_for_a_new_learner(setup):
    page = mypage_for_user(user=setup["learner"], today=DAY)

    assert page.resume.module.page.id == setup["basics_modules"][0].id


def test_mypage_renders_progress_and_overdue_marking(client, setup):
    client.force_login(setup["learner"])
    module_complete(user=setup["learner"], module=setup["basics_modules"][0])

    response = client.get(reverse("lms:mypage"))

    html = response.content.decode()
    assert response.status_code == HTTPStatus.OK
    assert 'lang="ja"' in html
    assert '<progress max="3" value="1"' in html
    assert "track--overdue" in html
    assert response["Cache-Control"].startswith("max-age=0")


def test_mypage_requires_sign_in(client, db):
    response = client.get(reverse("lms:mypage"))

    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"].startswith(reverse("account_login"))


def _queries(client):
    client.get(reverse("lms:mypage"))
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("lms:mypage")).status_code == HTTPStatus.OK
    return len(queries)


def test_mypage_runs_a_fixed_number_of_queries(
    client, setup, make_course, departments, positions, django_assert_max_num_queries
):
    learner = setup["learner"]
    client.force_login(learner)
    module_complete(user=learner, module=setup["basics_modules"][0])
    small = _queries(client)

    # Grow everything mypage touches: tracks, modules, assignments, posts, completions.
    for _ in range(4):
        track, course, modules = make_course(modules=5)
        TrackAssignmentFactory(
            organization=setup["organization"], track=track, departments=[departments["jumin"]]
        )
        for module in modules[:3]:
            module_complete(user=learner, module=module)
        for _ in range(3):
            module_complete(user=UserFactory(), module=modules[0])
        Exemption.objects.create(
            organization=setup["organization"], user=learner, track=track,
            starts_on=datetime.date(2026, 4, 1), reason=Exemption.Reason.SICK_LEAVE,
        )  # fmt: skip
    for _ in range(5):
        ModulePageFactory(parent=course)
    MembershipFactory(
        user=learner, department=departments["jinji"], position=positions["shuji"], is_primary=False
    )
    large = _queries(client)

    assert large == small
    # 16, one for the courses' prerequisites (courses/prerequisites.py) and one for the
    # person's exemptions.
    with django_assert_max_num_queries(18):
        client.get(reverse("lms:mypage"))


def test_a_required_track_with_nothing_published_is_not_overdue(setup, make_course, learning_home):
    from courses.factories import TrackPageFactory

    empty = TrackPageFactory(parent=learning_home)
    TrackAssignmentFactory(
        organization=setup["organization"],
        track=empty,
        applies_to_all=True,
        due_date=datetime.date(2026, 5, 1),
    )

    page = mypage_for_user(user=setup["learner"], today=DAY)

    track = next(t for t in page.assigned if t.page.id == empty.id)
    assert track.overdue is False


def test_a_stored_course_completion_keeps_a_track_from_overdue_when_a_module_is_added(setup):
    """As in the HR report: completed means a CourseCompletion is stored (lms.assignments)."""
    for module in setup["basics_modules"]:
        module_complete(user=setup["learner"], module=module)
    course = setup["basics_modules"][0].get_parent()
    ModulePageFactory(parent=course)  # published after the learner finished

    page = mypage_for_user(user=setup["learner"], today=DAY)

    basics = next(t for t in page.assigned if t.page.id == setup["basics"].id)
    assert basics.done < basics.total
    assert basics.overdue is False
    assert page.course_status[course.id] == "completed"


def test_modules_done_without_a_stored_completion_leave_the_track_overdue(client, setup):
    from courses.models import CourseCompletion

    for module in setup["basics_modules"]:
        module_complete(user=setup["learner"], module=module)
    CourseCompletion.objects.filter(user=setup["learner"]).delete()
    client.force_login(setup["learner"])

    page = mypage_for_user(user=setup["learner"], today=DAY)
    html = client.get(reverse("lms:mypage")).content.decode()

    basics = next(t for t in page.assigned if t.page.id == setup["basics"].id)
    # Every module ticked (the bar is full), nothing stored: not completed by the one rule
    # (lms.assignments), so overdue, and no "Completed" badge.
    assert basics.done == basics.total and not basics.completed and basics.overdue
    assert page.overdue_count == 1
    assert "badge--overdue" in html and "track--done" not in html


def test_a_course_completed_before_a_module_was_added_shows_completed_on_mypage(
    make_course, make_staff, organization
):
    """The rule: completed when a CourseCompletion is stored for the cycle, never withdrawn
    when modules are added later. The HR report, ``page.course_status`` and the cards'
    badges (``CourseProgress.completed`` / ``TrackProgress.completed``) all follow it."""
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

    page = mypage_for_user(user=person, today=datetime.date(2026, 11, 28))

    [item] = [t for t in page.assigned if t.page.id == track.id]
    [shown] = [c for c in item.courses if c.page.id == course.id]
    assert page.course_status[course.id] == COMPLETED
    assert shown.completed, "the course card does not show 'Completed'"
    assert item.completed, "the track card does not show 'Completed'"
