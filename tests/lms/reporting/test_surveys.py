"""受講後アンケート's screens: the learner answers once and sees only their own answers;
results are totals for the town's readers only, with small cells withheld."""

import datetime
from http import HTTPStatus

import pytest
from django.urls import reverse
from wagtail.models import Page, Site

from courses.factories import (
    CoursePageFactory,
    LearningHomePageFactory,
    ModulePageFactory,
    TrackPageFactory,
)
from courses.models import SurveyQuestion, SurveyResponse
from courses.services import module_complete
from courses.surveys import survey_answer
from lms.audit import Actor
from lms.people.authoring import track_editor_assign
from lms.people.roles import Role

SUPPRESSED = "回答が5件未満のため表示しません"
TOKYO = datetime.timezone(datetime.timedelta(hours=9))


@pytest.fixture
def survey(make_course):
    track, course, (module,) = make_course(modules=1)
    rating = SurveyQuestion.objects.create(
        page=course, kind="rating", text="満足度", low_label="不満", high_label="満足", sort_order=0
    )
    text = SurveyQuestion.objects.create(page=course, kind="text", text="ご意見", sort_order=1)
    return track, course, module, rating, text


def answered_by(make_staff, survey, values):
    """The people who answered, one per value, in order."""
    _, course, module, rating, text = survey
    learners = []
    for n, value in enumerate(values):
        learner = make_staff("mado")
        module_complete(user=learner, module=module)
        survey_answer(
            user=learner, course=course, answers={rating.pk: value, text.pk: f"秘密の意見{n}"}
        )
        learners.append(learner)
    return learners


def result_page(client, user, course, **query):
    client.force_login(user)
    return client.get(reverse("lms:survey_result", args=[course.pk]), query)


# ---------------------------------------------------------------------------------------
# The learner


def test_the_learner_is_offered_the_survey_at_completion_and_answers_once(
    client, make_staff, survey
):
    _, course, module, rating, text = survey
    learner = make_staff("mado")
    client.force_login(learner)
    url = reverse("courses:survey", args=[course.pk])
    assert client.get(url).status_code == HTTPStatus.NOT_FOUND  # not completed yet

    completed = client.post(reverse("courses:module_complete", args=[module.pk]))
    assert completed.url == url  # the completion moment offers the survey
    page = client.get(course.url)
    assert "アンケートに回答する" in page.content.decode()

    client.post(url, {f"q{rating.pk}": "4", f"q{text.pk}": "とても分かりやすかった"})
    again = client.post(url, {f"q{rating.pk}": "1"}, follow=True)

    assert SurveyResponse.objects.count() == 1
    body = again.content.decode()
    assert "あなたの回答" in body and "とても分かりやすかった" in body
    assert "アンケートに回答済みです" in client.get(course.url).content.decode()


def test_an_empty_or_bad_answer_is_told_in_japanese(client, make_staff, survey):
    _, course, module, rating, _ = survey
    learner = make_staff("mado")
    module_complete(user=learner, module=module)
    client.force_login(learner)
    url = reverse("courses:survey", args=[course.pk])

    empty = client.post(url, {})
    bad = client.post(url, {f"q{rating.pk}": "9"})

    assert empty.status_code == bad.status_code == HTTPStatus.OK
    assert "少なくとも1問に回答するか" in empty.content.decode()
    assert not SurveyResponse.objects.exists()


def test_skipping_hides_the_offer(client, make_staff, survey):
    _, course, module, _, _ = survey
    learner = make_staff("mado")
    module_complete(user=learner, module=module)
    client.force_login(learner)

    client.post(reverse("courses:survey_skip", args=[course.pk]))

    body = client.get(course.url).content.decode()
    assert reverse("courses:survey_skip", args=[course.pk]) not in body
    assert "受講後アンケートに回答する" in body  # still open, as a plain link


def test_a_learner_sees_only_their_own_answers(client, make_staff, survey):
    _, course, module, rating, text = survey
    answered_by(make_staff, survey, [5])
    other = make_staff("mado")
    module_complete(user=other, module=module)
    client.force_login(other)

    body = client.get(reverse("courses:survey", args=[course.pk])).content.decode()

    assert "秘密の意見0" not in body and "あなたの回答" not in body


# ---------------------------------------------------------------------------------------
# Results


@pytest.mark.parametrize("answers", [1, 4])
def test_under_five_answers_nothing_is_shown(client, make_staff, survey, answers):
    _, course, *_ = survey
    answered_by(make_staff, survey, [1] * answers)
    hr = make_staff("jinji", roles=[Role.HR])

    body = result_page(client, hr, course).content.decode()

    assert body.count(SUPPRESSED) == 2
    assert "秘密の意見" not in body and "平均" not in body


def test_from_five_answers_the_totals_are_shown(client, make_staff, survey):
    _, course, *_ = survey
    learners = answered_by(make_staff, survey, [1, 2, 4, 5, 5])
    hr = make_staff("jinji", roles=[Role.HR])

    body = result_page(client, hr, course).content.decode()

    assert SUPPRESSED not in body
    assert "5件、平均 3.40" in body
    assert all(f"秘密の意見{n}" in body for n in range(5))
    # Nobody is named: no name or staff number of those who answered is in the page's
    # content (the header's random CSRF token is left out: it may hold any digits).
    main = body[body.index('<main id="main"') : body.index("</main>")]
    for learner in learners:
        assert learner.staff_number not in main and learner.given_name not in main


def test_an_annual_course_shows_each_fiscal_year_alone(client, make_staff, make_course):
    """No union of years (or anything else) is offered: a total over all years minus the
    shown year would give away a withheld year."""
    _, course, (module,) = make_course(modules=1, annual=True)
    rating = SurveyQuestion.objects.create(page=course, kind="rating", text="満足度")
    for year, count in ((2025, 5), (2026, 4)):
        for _ in range(count):
            learner = make_staff("mado")
            module_complete(
                user=learner, module=module, at=datetime.datetime(year, 6, 1, tzinfo=TOKYO)
            )
            survey_answer(
                user=learner,
                course=course,
                answers={rating.pk: 3},
                today=datetime.date(year, 6, 1),
            )
    hr = make_staff("jinji", roles=[Role.HR])

    latest = result_page(client, hr, course).content.decode()
    earlier = result_page(client, hr, course, cycle="2025").content.decode()

    assert SUPPRESSED in latest and "令和8年度" in latest
    assert SUPPRESSED not in earlier and "5件、平均 3.00" in earlier
    for other in ("0", "all", "2024", "x"):
        assert result_page(client, hr, course, cycle=other).status_code == HTTPStatus.NOT_FOUND


def test_results_are_for_the_towns_readers_only(
    client, make_staff, survey, other_town, learning_home
):
    track, course, *_ = survey
    answered_by(make_staff, survey, [3] * 5)
    # The neighbouring town has its own site and learning home.
    home_b = LearningHomePageFactory(parent=Page.get_first_root_node(), slug="tonari")
    town_b = other_town["organization"]
    town_b.site = Site.objects.create(hostname="tonari.example", root_page=home_b)
    town_b.save()
    own_leader = make_staff("mado", roles=[Role.DX_LEADER])
    track_editor_assign(track=track, user=own_leader, actor=Actor())
    other_track = TrackPageFactory(parent=learning_home)
    other_leader = make_staff("mado", roles=[Role.DX_LEADER])
    track_editor_assign(track=other_track, user=other_leader, actor=Actor())
    readers = {
        "hr": make_staff("jinji", roles=[Role.HR]),
        "it_policy": make_staff("somu", roles=[Role.IT_POLICY]),
        "admin": make_staff("somu", roles=[Role.ADMIN]),
        "own_leader": own_leader,
    }
    refused = {
        "other_town_hr": make_staff(other_town["somu"], roles=[Role.HR]),
        "other_leader": other_leader,
        "head": make_staff("jumin", "kacho", roles=[Role.DEPT_HEAD]),
        "staff": make_staff("mado"),
    }

    for who, user in readers.items():
        assert result_page(client, user, course).status_code == HTTPStatus.OK, who
        listing = client.get(reverse("lms:survey_index")).content.decode()
        assert course.title in listing, who
    for who, user in refused.items():
        assert result_page(client, user, course).status_code in (
            HTTPStatus.NOT_FOUND,
            HTTPStatus.FORBIDDEN,
        ), who
        listing = client.get(reverse("lms:survey_index"))
        assert course.title not in listing.content.decode(), who
    # Town B's HR reads their own town's course.
    course_b = CoursePageFactory(parent=TrackPageFactory(parent=home_b))
    ModulePageFactory(parent=course_b)
    SurveyQuestion.objects.create(page=course_b, kind="rating", text="満足度")
    hr_b = refused["other_town_hr"]
    assert result_page(client, hr_b, course_b).status_code == HTTPStatus.OK
    assert result_page(client, readers["hr"], course_b).status_code == HTTPStatus.NOT_FOUND
