"""受講後アンケート in courses: offered after completion, answered once per cycle, stored
without the learner, and results as totals with every small cell withheld."""

import datetime
import random
from collections import Counter
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.test import override_settings as django_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from courses.models import SurveyAnswer, SurveyParticipation, SurveyQuestion, SurveyResponse
from courses.services import module_complete
from courses.surveys import (
    SurveyError,
    SurveyForm,
    own_answers,
    owner_key,
    survey_answer,
    survey_results,
    survey_skip,
    survey_state,
)
from lms.factories import UserFactory

RATING, TEXT = SurveyQuestion.Kind.RATING, SurveyQuestion.Kind.TEXT


def questions_for(course):
    return (
        SurveyQuestion.objects.create(
            page=course,
            kind=RATING,
            text="満足度",
            low_label="不満",
            high_label="満足",
            sort_order=0,
        ),
        SurveyQuestion.objects.create(page=course, kind=TEXT, text="ご意見", sort_order=1),
    )


@pytest.fixture
def course_with_survey(make_course):
    _, course, modules = make_course(modules=1)
    rating, text = questions_for(course)
    return course, modules[0], rating, text


def completed_learner(module, at=None):
    learner = UserFactory()
    module_complete(user=learner, module=module, at=at)
    return learner


def test_the_survey_opens_only_after_the_course_is_completed(course_with_survey):
    course, module, rating, _ = course_with_survey
    learner = UserFactory()

    assert survey_state(user=learner, course=course).open is False
    with pytest.raises(SurveyError):
        survey_answer(user=learner, course=course, answers={rating.pk: 4})

    module_complete(user=learner, module=module)
    assert survey_state(user=learner, course=course).offered is True


def test_a_learner_answers_once_per_cycle(course_with_survey):
    course, module, rating, text = course_with_survey
    learner = completed_learner(module)

    survey_answer(user=learner, course=course, answers={rating.pk: 4, text.pk: "分かりやすい"})
    with pytest.raises(SurveyError):
        survey_answer(user=learner, course=course, answers={rating.pk: 1})

    assert SurveyResponse.objects.count() == 1
    ratings = SurveyAnswer.objects.values_list("rating", flat=True)
    assert sorted(ratings, key=lambda r: (r is not None, r)) == [None, 4]  # NULL order differs
    state = survey_state(user=learner, course=course)
    assert state.answered and not state.open


def test_an_annual_course_is_answered_again_the_next_fiscal_year(make_course):
    _, course, (module,) = make_course(modules=1, annual=True)
    rating, _ = questions_for(course)
    learner = UserFactory()
    tokyo = datetime.timezone(datetime.timedelta(hours=9))
    module_complete(user=learner, module=module, at=datetime.datetime(2026, 6, 1, tzinfo=tokyo))
    survey_answer(
        user=learner, course=course, answers={rating.pk: 3}, today=datetime.date(2026, 6, 1)
    )
    with pytest.raises(SurveyError):
        survey_answer(
            user=learner, course=course, answers={rating.pk: 3}, today=datetime.date(2027, 3, 31)
        )
    # 2027年度: the course is completed again, and the survey opens again.
    next_year = datetime.date(2027, 4, 2)
    assert survey_state(user=learner, course=course, today=next_year).completed is False
    module_complete(user=learner, module=module, at=datetime.datetime(2027, 4, 2, tzinfo=tokyo))
    survey_answer(user=learner, course=course, answers={rating.pk: 5}, today=next_year)

    assert sorted(SurveyResponse.objects.values_list("cycle", flat=True)) == [2026, 2027]


def test_the_response_names_nobody(course_with_survey):
    """No column of a response or an answer refers to the learner, a time or an order."""
    course, module, rating, _ = course_with_survey
    learner = completed_learner(module)
    survey_answer(user=learner, course=course, answers={rating.pk: 2})

    for model in (SurveyResponse, SurveyAnswer):
        names = {f.name for f in model._meta.concrete_fields}
        related = {f.related_model for f in model._meta.concrete_fields if f.is_relation}
        assert not related & {type(learner)}, model
        assert not any("user" in n or "_at" in n or "time" in n for n in names), names
        assert model._meta.pk.get_internal_type() == "UUIDField"
    # The owner key needs the secret key: without it nobody can tell whose it is.
    response = SurveyResponse.objects.get()
    assert response.owner == owner_key(user=learner, course=course, cycle=0)
    with django_settings(SECRET_KEY="another-secret-key-another-secret-key-0123456789"):
        assert response.owner != owner_key(user=learner, course=course, cycle=0)


def test_skipping_stops_the_offer_but_the_survey_stays_open(course_with_survey):
    course, module, rating, _ = course_with_survey
    learner = completed_learner(module)

    survey_skip(user=learner, course=course)
    survey_skip(user=learner, course=course)  # idempotent
    state = survey_state(user=learner, course=course)
    assert state.skipped and not state.offered and state.open
    assert SurveyResponse.objects.count() == 0

    survey_answer(user=learner, course=course, answers={rating.pk: 5})
    assert SurveyParticipation.objects.get().answered is True


def test_own_answers_are_found_by_the_learner_only(course_with_survey):
    course, module, rating, text = course_with_survey
    mine, other = completed_learner(module), completed_learner(module)
    survey_answer(user=mine, course=course, answers={rating.pk: 2, text.pk: "長い"})
    survey_answer(user=other, course=course, answers={rating.pk: 5})

    cycle = survey_state(user=mine, course=course).cycle
    assert own_answers(user=mine, course=course, cycle=cycle) == [(rating, 2), (text, "長い")]
    assert own_answers(user=other, course=course, cycle=cycle) == [(rating, 5), (text, None)]
    stranger = UserFactory()
    assert own_answers(user=stranger, course=course, cycle=cycle) == [(rating, None), (text, None)]


def test_the_form_refuses_nothing_and_out_of_range_ratings(course_with_survey):
    course, _, rating, text = course_with_survey
    questions = [rating, text]

    assert not SurveyForm({}, questions=questions).is_valid()
    assert not SurveyForm({f"q{rating.pk}": "6"}, questions=questions).is_valid()
    assert not SurveyForm({f"q{rating.pk}": "x"}, questions=questions).is_valid()
    form = SurveyForm({f"q{rating.pk}": "3", f"q{text.pk}": "  "}, questions=questions)
    assert form.is_valid()
    assert form.answers() == {rating.pk: 3}


def test_a_service_call_with_a_foreign_question_is_refused(course_with_survey, make_course):
    course, module, _, _ = course_with_survey
    _, other_course, _ = make_course(modules=1)
    foreign, _ = questions_for(other_course)
    learner = completed_learner(module)

    with pytest.raises(SurveyError):
        survey_answer(user=learner, course=course, answers={foreign.pk: 3})
    assert not SurveyResponse.objects.exists()


# ---------------------------------------------------------------------------------------
# Results: the threshold, with 1, 4 and 5 answers


def answer_many(course, module, rating, text, values):
    for value in values:
        learner = completed_learner(module)
        survey_answer(
            user=learner, course=course, answers={rating.pk: value, text.pk: f"意見{value}"}
        )


@pytest.mark.parametrize("answers, shown", [(1, False), (4, False), (5, True), (6, True)])
def test_a_question_is_shown_only_from_five_answers(course_with_survey, answers, shown):
    course, module, rating, text = course_with_survey
    values = [random.Random(answers).randint(1, 5) for _ in range(answers)]
    answer_many(course, module, rating, text, values)

    results = survey_results(course=course, cycle=0)

    by_question = {item.question.pk: item for item in results.questions}
    for item in by_question.values():
        assert item.suppressed is not shown
        if not shown:
            assert item.mean is None and item.distribution == [] and item.texts == []
    if shown:
        expected_mean = (Decimal(sum(values)) / len(values)).quantize(
            Decimal("0.01"), rounding=ROUND_HALF_UP
        )
        assert by_question[rating.pk].mean == expected_mean
        counts = Counter(values)
        assert [(s.rating, s.count) for s in by_question[rating.pk].distribution] == [
            (r, counts.get(r, 0)) for r in range(1, 6)
        ]
        assert sorted(by_question[text.pk].texts) == sorted(f"意見{v}" for v in values)


def test_the_threshold_is_a_setting(course_with_survey, settings):
    course, module, rating, text = course_with_survey
    answer_many(course, module, rating, text, [3, 4, 5])
    settings.SHINKA_SURVEY_MIN_ANSWERS = 3

    assert all(not item.suppressed for item in survey_results(course=course, cycle=0).questions)


def test_each_question_counts_its_own_answers(course_with_survey):
    """Five people rated, only four wrote: the ratings show, the texts do not."""
    course, module, rating, text = course_with_survey
    for n in range(5):
        learner = completed_learner(module)
        answers = {rating.pk: 4} | ({text.pk: f"意見{n}"} if n < 4 else {})
        survey_answer(user=learner, course=course, answers=answers)

    results = {item.question.pk: item for item in survey_results(course=course, cycle=0).questions}
    assert results[rating.pk].suppressed is False
    assert results[text.pk].suppressed is True and results[text.pk].texts == []


def test_free_texts_are_not_in_the_order_of_answering(course_with_survey):
    course, module, rating, text = course_with_survey
    written = [f"意見{n:02d}" for n in range(30)]
    for value in written:
        learner = completed_learner(module)
        survey_answer(user=learner, course=course, answers={text.pk: value})

    first = survey_results(course=course, cycle=0).questions[1].texts
    again = survey_results(course=course, cycle=0).questions[1].texts
    assert sorted(first) == written
    assert first == again  # stable
    assert first != written  # 1 in 30! to fail by chance


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(values=st.lists(st.integers(1, 5), max_size=9), threshold=st.integers(2, 7))
def test_results_agree_with_the_raw_answers(make_course, values, threshold):
    """Against an oracle computed from the stored rows: a result shows exactly when the
    question has ``threshold`` answers, and then its count, mean and distribution."""
    _, course, (module,) = make_course(modules=1)
    rating, _ = questions_for(course)
    for value in values:
        survey_answer(user=completed_learner(module), course=course, answers={rating.pk: value})

    stored = list(
        SurveyAnswer.objects.filter(question=rating, rating__isnull=False).values_list(
            "rating", flat=True
        )
    )
    item = survey_results(course=course, cycle=0, threshold=threshold).questions[0]

    assert item.suppressed is (len(stored) < threshold)
    if not item.suppressed:
        assert item.count == len(stored)
        assert sum(s.count for s in item.distribution) == len(stored)
        assert abs(item.mean - Decimal(sum(stored)) / len(stored)) <= Decimal("0.005")


def test_questions_go_live_with_the_pages_published_revision(make_course):
    """Authored on the course page: a draft's questions are not asked until it is published
    (so they go through the page's review), and publishing keeps the questions' ids."""
    _, course, _ = make_course(modules=1)
    course.survey_questions.add(SurveyQuestion(kind=RATING, text="満足度"))
    revision = course.save_revision()
    assert not SurveyQuestion.objects.filter(page=course).exists()

    revision.publish()
    published = SurveyQuestion.objects.get(page=course)
    # As the editor does: the latest revision, one more question, publish.
    editing = type(course).objects.get(pk=course.pk).get_latest_revision_as_object()
    editing.survey_questions.add(SurveyQuestion(kind=TEXT, text="ご意見"))
    editing.save_revision().publish()

    assert SurveyQuestion.objects.filter(pk=published.pk, text="満足度").exists()
    assert SurveyQuestion.objects.filter(page=course).count() == 2


def test_the_course_editor_shows_the_survey_panel(client, make_course):
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    _, course, _ = make_course(modules=1)
    operator = UserFactory(is_superuser=True, is_staff=True)
    TOTP.activate(operator, generate_totp_secret())
    client.force_login(operator)

    response = client.get(f"/admin/pages/{course.pk}/edit/")

    assert response.status_code == 200
    assert "受講後アンケート" in response.content.decode()
