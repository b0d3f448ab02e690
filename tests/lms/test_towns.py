"""Towns isolated everywhere a track, a page or an attempt is shown (lms/towns.py and the
hooks lms registers for the authoring reports of courses and assessments)."""

import datetime
from http import HTTPStatus
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from wagtail.models import Page, Site

from assessments.factories import QuestionFactory, QuizFactory
from assessments.models import SkillArea
from assessments.services import attempt_start, attempt_submit
from courses.factories import LearningHomePageFactory, TrackPageFactory
from courses.models import CoursePage, ModulePage
from lms.leaders.forms import LeaderCriteriaForm
from lms.learner.selectors import mypage_for_user, skills_page_for_user
from lms.models import LeaderCriteria
from lms.people.roles import Role
from lms.towns import tracks_of_towns
from tests.assessments.conftest import key_of, wrong_answers


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(datetime.datetime(2026, 11, 28, 9, 0, tzinfo=ZoneInfo("Asia/Tokyo")))


def test_a_towns_tracks_are_those_under_its_sites_root_or_the_default_sites(two_towns):
    assert list(tracks_of_towns([two_towns.a.pk])) == [two_towns.a_track]
    assert list(tracks_of_towns([two_towns.b.pk])) == [two_towns.b_track]
    assert set(tracks_of_towns([two_towns.a.pk, two_towns.b.pk])) == {
        two_towns.a_track,
        two_towns.b_track,
    }
    assert not tracks_of_towns([]).exists()


def test_a_town_with_its_own_site_no_longer_sees_the_default_sites_tracks(two_towns):
    a_home = LearningHomePageFactory(parent=Page.get_first_root_node(), slug="a-town")
    a_track = TrackPageFactory(parent=a_home)
    two_towns.a.site = Site.objects.create(hostname="a.example.jp", root_page=a_home)
    two_towns.a.save()

    assert list(tracks_of_towns([two_towns.a.pk])) == [a_track]


def test_my_page_shows_only_the_tracks_of_the_persons_town(two_towns, make_staff):
    a_person = make_staff("mado")

    a_page = mypage_for_user(user=a_person)
    b_page = mypage_for_user(user=two_towns.b_staff)

    def shown(page):
        return {track.page.id for track in page.assigned + page.optional}

    assert shown(a_page) == {two_towns.a_track.id}
    assert shown(b_page) == {two_towns.b_track.id}


def test_my_page_of_a_town_a_person_never_names_a_town_b_track(client, two_towns, make_staff):
    client.force_login(make_staff("mado"))

    html = client.get(reverse("lms:mypage")).content.decode()

    assert two_towns.a_track.title in html
    assert two_towns.b_track.title not in html


def test_my_skills_suggest_only_courses_of_the_persons_town(two_towns, make_staff):
    category = SkillArea.objects.filter(parent__isnull=True).order_by("id").first()
    courses = {}
    for town, track in (("a", two_towns.a_track), ("b", two_towns.b_track)):
        courses[town] = CoursePage.objects.child_of(track).get()
        courses[town].skill_areas.set([category])
        courses[town].save()

    page = skills_page_for_user(user=make_staff("mado"))

    assert [course.id for course in page.suggested_courses] == [courses["a"].id]


def test_the_criteria_offer_only_the_towns_tracks(two_towns):
    form = LeaderCriteriaForm(
        {"required_track": two_towns.b_track.pk, "weight_level": 2, "weight_self_nomination": 3,
         "weight_endorsement": 5, "weight_authored": 1},
        instance=LeaderCriteria(organization=two_towns.a),
    )  # fmt: skip

    assert list(form.fields["required_track"].queryset) == [two_towns.a_track]
    assert not form.is_valid() and "required_track" in form.errors


# --- Authoring reports -------------------------------------------------------------------


def test_modules_to_check_lists_only_the_editors_towns_pages(client, two_towns, make_staff):
    ModulePage.objects.update(last_reviewed_on=None)  # every module waits for a check
    client.force_login(make_staff("somu", roles=[Role.IT_POLICY]))

    html = client.get(reverse("stale_modules")).content.decode()

    assert two_towns.a_module.title in html
    assert two_towns.b_module.title not in html


def test_modules_to_check_lists_nothing_for_an_operator_without_a_post(
    client, two_towns, operator_without_post
):
    ModulePage.objects.update(last_reviewed_on=None)
    client.force_login(operator_without_post)

    html = client.get(reverse("stale_modules")).content.decode()

    assert two_towns.a_module.title not in html and two_towns.b_module.title not in html


def _answer(quiz, questions, learner, right):
    attempt = attempt_start(user=learner, quiz=quiz)
    key, wrong = key_of(attempt), wrong_answers(attempt)
    answers = {q.id: key[q.id] if right else wrong[q.id] for q in questions}
    attempt_submit(user=learner, token=attempt.token, answers=answers)


@pytest.fixture
def answered_in_two_towns(two_towns, make_staff):
    """Three people of town A answer everything right; four of town B everything wrong."""
    questions = [QuestionFactory() for _ in range(2)]
    quiz = QuizFactory(questions=questions)
    for _ in range(3):
        _answer(quiz, questions, make_staff("mado"), right=True)
    for _ in range(4):
        _answer(quiz, questions, make_staff(two_towns.b_department), right=False)
    return questions


def _statistics(client, user):
    client.force_login(user)
    response = client.get(reverse("question_statistics"))
    assert response.status_code == HTTPStatus.OK
    return {row["question"].id: row["stats"] for row in response.context["rows"]}


def test_item_analysis_counts_only_attempts_of_the_editors_town(
    client, two_towns, make_staff, answered_in_two_towns
):
    a_stats = _statistics(client, make_staff("somu", roles=[Role.IT_POLICY]))
    b_stats = _statistics(client, make_staff(two_towns.b_department, roles=[Role.IT_POLICY]))

    for question in answered_in_two_towns:
        assert (a_stats[question.id].answered, a_stats[question.id].facility) == (3, 1.0)
        assert (b_stats[question.id].answered, b_stats[question.id].facility) == (4, 0.0)


def test_item_analysis_counts_nothing_for_an_operator_without_a_post(
    client, two_towns, answered_in_two_towns, operator_without_post
):
    stats = _statistics(client, operator_without_post)

    assert all(stats[question.id] is None for question in answered_in_two_towns)
