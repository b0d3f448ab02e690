"""Prerequisites (issue 19): a course opens once the courses it names are complete; until
then its pages say what to do first and the server refuses its completion and quizzes."""

import datetime
from http import HTTPStatus
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from wagtail.models import Page, Site

from assessments.factories import QuestionFactory, QuizFactory
from assessments.models import Attempt, Question
from courses.factories import CoursePageFactory, LearningHomePageFactory, TrackPageFactory
from courses.models import CourseCompletion, CoursePage, ModuleCompletion
from courses.prerequisites import course_locked_by, prerequisite_loop, prerequisites_missing
from courses.services import CompletionError, module_complete
from lms.factories import UserFactory
from tests.assessments.conftest import key_of

TOKYO = ZoneInfo("Asia/Tokyo")


def require(course, *prerequisites):
    course.prerequisites.set(prerequisites)
    course.save_revision().publish()
    course.refresh_from_db()
    return course


@pytest.fixture
def basics_then_advanced(make_course):
    """基礎 (two modules) → 応用 (two modules), in one track; 応用 requires 基礎."""
    track, basics, basic_modules = make_course(modules=2)
    _, advanced, advanced_modules = make_course(modules=2, track=track)
    require(advanced, basics)
    return basics, basic_modules, advanced, advanced_modules


def complete_course(user, modules, at=None):
    for module in modules:
        module_complete(user=user, module=module, at=at)


def test_a_course_is_locked_until_its_prerequisite_is_completed(basics_then_advanced, learner):
    basics, basic_modules, advanced, advanced_modules = basics_then_advanced

    assert course_locked_by(user=learner, course=advanced) == [basics]
    with pytest.raises(CompletionError, match=basics.title):
        module_complete(user=learner, module=advanced_modules[0])
    assert not ModuleCompletion.objects.filter(module=advanced_modules[0]).exists()

    complete_course(learner, basic_modules)

    assert course_locked_by(user=learner, course=advanced) == []
    assert module_complete(user=learner, module=advanced_modules[0]).created


def test_the_lock_is_per_learner(basics_then_advanced, learner):
    basics, basic_modules, advanced, _ = basics_then_advanced
    other = UserFactory()
    complete_course(other, basic_modules)

    assert course_locked_by(user=learner, course=advanced) == [basics]
    assert course_locked_by(user=other, course=advanced) == []


def test_a_withdrawn_prerequisite_locks_nothing(basics_then_advanced, learner):
    basics, _, advanced, _ = basics_then_advanced
    basics.unpublish()

    assert course_locked_by(user=learner, course=advanced) == []


def test_an_annual_prerequisite_must_be_completed_in_this_fiscal_year(make_course, learner):
    track, security, security_modules = make_course(modules=1, annual=True)
    _, advanced, _ = make_course(modules=1, track=track)
    require(advanced, security)
    complete_course(learner, security_modules, at=datetime.datetime(2026, 3, 31, 12, tzinfo=TOKYO))

    # The fiscal year 2025 ends on 31 March 2026: open then, locked again in April.
    assert course_locked_by(user=learner, course=advanced, day=datetime.date(2026, 3, 31)) == []
    assert course_locked_by(user=learner, course=advanced, day=datetime.date(2026, 4, 1)) == [
        security
    ]


def test_a_completed_course_stays_open_after_a_prerequisite_is_added(make_course, learner):
    track, basics, _ = make_course(modules=1)
    _, advanced, advanced_modules = make_course(modules=1, track=track)
    complete_course(learner, advanced_modules)

    require(advanced, basics)

    assert course_locked_by(user=learner, course=advanced) == []


def test_prerequisites_are_read_in_one_query_whatever_their_number(
    make_course, learner, django_assert_num_queries
):
    track, first, _ = make_course(modules=1)
    courses = [make_course(modules=1, track=track)[1] for _ in range(6)]
    require(courses[0], first)
    for course in courses[1:]:
        require(course, first, courses[0])

    # The last one completed (before its prerequisites were added): open.
    CourseCompletion.objects.create(
        user=learner, course=courses[5], cycle=0, completed_at=datetime.datetime.now(TOKYO)
    )

    with django_assert_num_queries(1):
        missing = prerequisites_missing(user=learner, courses=courses)

    # The oracle: the first of the six waits for `first`, every other for both, but the
    # last, completed, is open.
    assert missing == {
        course.id: [first] if course == courses[0] else [first, courses[0]]
        for course in courses[:5]
    }


# --- pages ------------------------------------------------------------------------------


def test_the_course_and_module_pages_say_what_to_do_first_then_open(
    basics_then_advanced, learner, signed_in
):
    basics, basic_modules, advanced, advanced_modules = basics_then_advanced

    course_html = signed_in.get(advanced.url).content.decode()
    module_html = signed_in.get(advanced_modules[0].url).content.decode()

    for html in (course_html, module_html):
        assert "先に修了するコース" in html
        assert f'href="{basics.url}"' in html
    assert "本文です。" not in module_html
    assert reverse("courses:module_complete", args=[advanced_modules[0].id]) not in module_html

    complete_course(learner, basic_modules)

    module_html = signed_in.get(advanced_modules[0].url).content.decode()
    assert "先に修了するコース" not in signed_in.get(advanced.url).content.decode()
    assert "本文です。" in module_html
    assert reverse("courses:module_complete", args=[advanced_modules[0].id]) in module_html


def test_a_typed_completion_post_is_refused_while_locked(basics_then_advanced, learner, signed_in):
    basics, _, _, advanced_modules = basics_then_advanced

    response = signed_in.post(
        reverse("courses:module_complete", args=[advanced_modules[0].id]), follow=True
    )

    assert not ModuleCompletion.objects.filter(user=learner).exists()
    assert f"「{basics.title}」" in response.content.decode()


@pytest.fixture
def quiz(db):
    return QuizFactory(
        questions=[
            QuestionFactory(kind=Question.Kind.SINGLE, choices__correct=[0]),
            QuestionFactory(kind=Question.Kind.TRUE_FALSE, choices__correct=[1]),
        ]
    )


def test_quiz_start_take_answer_and_submit_are_refused_while_locked(
    basics_then_advanced, learner, signed_in, quiz
):
    basics, basic_modules, advanced, advanced_modules = basics_then_advanced
    module = advanced_modules[0]
    module.body = [("quiz", {"quiz": quiz})]
    module.save_revision().publish()
    # An attempt started before the lock (the prerequisite was added later).
    advanced.prerequisites.set([])
    advanced.save_revision().publish()
    signed_in.post(reverse("courses:module_quiz_start", args=[module.id, quiz.id]))
    attempt = Attempt.objects.get(user=learner)
    require(advanced, basics)

    start = signed_in.post(reverse("courses:module_quiz_start", args=[module.id, quiz.id]))
    take = signed_in.get(reverse("courses:module_quiz_take", args=[module.id, attempt.token]))
    autosave = signed_in.post(
        reverse("courses:module_quiz_autosave", args=[module.id, attempt.token]),
        {"question": attempt.questions.first().question_id, "choice": []},
    )
    submit = signed_in.post(
        reverse("courses:module_quiz_submit", args=[module.id, attempt.token]),
        {f"q{qid}": choices for qid, choices in key_of(attempt).items()},
    )

    assert start.status_code == take.status_code == submit.status_code == HTTPStatus.FOUND
    assert start["Location"] == take["Location"] == submit["Location"] == module.url
    assert autosave.status_code == HTTPStatus.FORBIDDEN
    assert Attempt.objects.filter(user=learner).count() == 1
    attempt.refresh_from_db()
    assert attempt.submitted_at is None
    assert not ModuleCompletion.objects.filter(user=learner, module=module).exists()

    complete_course(learner, basic_modules)
    take = signed_in.get(reverse("courses:module_quiz_take", args=[module.id, attempt.token]))
    assert take.status_code == HTTPStatus.OK


def test_mypage_shows_the_course_locked_with_its_prerequisite(
    basics_then_advanced, make_staff, client
):
    basics, basic_modules, advanced, _ = basics_then_advanced
    person = make_staff()
    client.force_login(person)

    html = client.get(reverse("lms:mypage")).content.decode()

    assert "受講前の条件" in html
    assert "先に修了：" in html and f'href="{basics.url}"' in html

    complete_course(person, basic_modules)
    assert "先に修了：" not in client.get(reverse("lms:mypage")).content.decode()


# --- the editor -------------------------------------------------------------------------


def course_form(course, prerequisites):
    form_class = CoursePage.get_edit_handler().get_form_class()
    data = {
        "title": course.title,
        "slug": course.slug,
        "summary": course.summary,
        "estimated_minutes": course.estimated_minutes,
        "prerequisites": [c.pk for c in prerequisites],
    }
    return form_class(data, instance=course, parent_page=course.get_parent(), for_user=None)


def test_the_editor_refuses_a_loop_with_a_japanese_message(make_course):
    track, first, _ = make_course(modules=1)
    second = require(make_course(modules=1, track=track)[1], first)
    third = require(make_course(modules=1, track=track)[1], second)

    form = course_form(first, [third])

    assert not form.is_valid()
    message = form.errors["prerequisites"][0]
    assert "循環" in message
    assert f"{first.title} → {third.title} → {second.title} → {first.title}" in message
    assert prerequisite_loop(course_id=first.pk, prerequisite_ids=[third.pk])
    assert prerequisite_loop(course_id=third.pk, prerequisite_ids=[first.pk]) == []


def test_the_editor_accepts_a_chain_without_a_loop(make_course):
    track, first, _ = make_course(modules=1)
    second = require(make_course(modules=1, track=track)[1], first)
    third = make_course(modules=1, track=track)[1]

    form = course_form(third, [first, second])
    form.is_valid()

    assert "prerequisites" not in form.errors


def test_the_editor_offers_neither_the_course_itself_nor_another_towns(make_course, learning_home):
    track, course, _ = make_course(modules=1)
    sibling = make_course(modules=1, track=track)[1]
    elsewhere_home = LearningHomePageFactory(parent=Page.get_first_root_node(), slug="other")
    Site.objects.create(hostname="other.example", root_page=elsewhere_home)
    elsewhere = CoursePageFactory(parent=TrackPageFactory(parent=elsewhere_home))

    form = course_form(course, [course, elsewhere])

    offered = set(form.fields["prerequisites"].queryset)
    assert offered == {sibling}
    assert not form.is_valid()
    assert "prerequisites" in form.errors
    assert "正しく選択" in str(form.errors["prerequisites"])
