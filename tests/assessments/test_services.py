import datetime
import random

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments.factories import (
    QuestionFactory,
    QuizDrawRuleFactory,
    QuizFactory,
    SkillCheckBankFactory,
)
from assessments.models import (
    Attempt,
    Question,
    Quiz,
    Response,
    SelfAssessment,
    SkillArea,
    SkillResult,
)
from assessments.services import (
    AssessmentError,
    attempt_start,
    attempt_submit,
    self_assessment_record,
)
from lms.factories import UserFactory
from tests.assessments.conftest import key_of, wrong_answers


def test_a_perfect_submission_passes(learner, quiz):
    attempt = attempt_start(user=learner, quiz=quiz)

    result = attempt_submit(user=learner, token=attempt.token, answers=key_of(attempt))

    assert result.scored_now
    assert (result.attempt.correct_count, result.attempt.question_count) == (3, 3)
    assert result.attempt.passed is True
    assert Response.objects.filter(attempt_question__attempt=attempt).count() == 3


def test_partial_answers_to_a_multiple_choice_question_score_nothing(learner, quiz):
    attempt = attempt_start(user=learner, quiz=quiz)
    answers = key_of(attempt)
    multiple = next(aq for aq in attempt.questions.all() if aq.kind == "multiple")
    answers[multiple.question_id] = answers[multiple.question_id][:1]

    result = attempt_submit(user=learner, token=attempt.token, answers=answers)

    assert result.attempt.correct_count == 2
    assert result.attempt.passed is False  # 67 % < 70 %


def test_unanswered_questions_count_as_wrong(learner, quiz):
    attempt = attempt_start(user=learner, quiz=quiz)

    result = attempt_submit(user=learner, token=attempt.token, answers={})

    assert (result.attempt.correct_count, result.attempt.passed) == (0, False)


def test_a_second_submission_of_the_same_attempt_is_not_scored_again(learner, quiz):
    attempt = attempt_start(user=learner, quiz=quiz)
    first = attempt_submit(user=learner, token=attempt.token, answers=key_of(attempt))

    second = attempt_submit(user=learner, token=attempt.token, answers=wrong_answers(attempt))

    assert second.scored_now is False
    assert second.attempt.correct_count == first.attempt.correct_count == 3
    assert Response.objects.filter(attempt_question__attempt=attempt).count() == 3


def test_starting_twice_resumes_the_open_attempt(learner, quiz):
    first = attempt_start(user=learner, quiz=quiz)
    second = attempt_start(user=learner, quiz=quiz)

    assert first.pk == second.pk
    assert Attempt.objects.count() == 1


def test_answers_for_questions_outside_the_attempt_are_rejected(learner, quiz):
    attempt = attempt_start(user=learner, quiz=quiz)
    stranger = QuestionFactory()
    answers = {**key_of(attempt), stranger.id: [stranger.choices.first().id]}

    with pytest.raises(AssessmentError, match="このテストに含まれない問題"):
        attempt_submit(user=learner, token=attempt.token, answers=answers)
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.IN_PROGRESS  # nothing saved; may submit again


def test_a_choice_of_another_question_is_rejected(learner, quiz):
    attempt = attempt_start(user=learner, quiz=quiz)
    first, second, _ = attempt.questions.all()
    answers = {first.question_id: second.tokens_for(second.choice_order[:1])}

    with pytest.raises(AssessmentError, match="別の問題の選択肢"):
        attempt_submit(user=learner, token=attempt.token, answers=answers)
    assert not Response.objects.exists()


def test_two_choices_for_a_single_choice_question_are_rejected(learner, quiz):
    attempt = attempt_start(user=learner, quiz=quiz)
    single = next(aq for aq in attempt.questions.all() if aq.kind == "single")

    with pytest.raises(AssessmentError):
        attempt_submit(
            user=learner,
            token=attempt.token,
            answers={single.question_id: single.tokens_for(single.choice_order[:2])},
        )


def test_another_learners_token_is_not_found(learner, quiz):
    attempt = attempt_start(user=learner, quiz=quiz)

    with pytest.raises(Attempt.DoesNotExist):
        attempt_submit(user=UserFactory(), token=attempt.token, answers=key_of(attempt))


def test_attempt_limit_holds(learner, quiz):
    quiz.attempt_limit = 2
    quiz.save()
    for _ in range(2):
        attempt = attempt_start(user=learner, quiz=quiz)
        attempt_submit(user=learner, token=attempt.token, answers={})

    with pytest.raises(AssessmentError, match="2 回"):
        attempt_start(user=learner, quiz=quiz)


START = timezone.now()


@pytest.fixture
def timed_attempt(learner, quiz):
    """An attempt started at START on a quiz with a 10-minute limit."""
    quiz.time_limit_minutes = 10
    quiz.save()
    return attempt_start(user=learner, quiz=quiz, now=START)


def test_answers_after_the_time_limit_are_not_scored(learner, timed_attempt):
    attempt, start = timed_attempt, START

    result = attempt_submit(
        user=learner,
        token=attempt.token,
        answers=key_of(attempt),
        now=start + datetime.timedelta(minutes=10, seconds=31),
    )

    assert result.late
    assert result.attempt.status == Attempt.Status.EXPIRED
    assert result.attempt.passed is False
    assert not Response.objects.exists()


def test_answers_within_the_grace_period_are_scored(learner, timed_attempt):
    attempt, start = timed_attempt, START

    result = attempt_submit(
        user=learner,
        token=attempt.token,
        answers=key_of(attempt),
        now=start + datetime.timedelta(minutes=10, seconds=29),
    )

    assert result.attempt.passed is True


def test_an_expired_open_attempt_is_closed_when_a_new_one_starts(learner, quiz, timed_attempt):
    old, start = timed_attempt, START

    new = attempt_start(user=learner, quiz=quiz, now=start + datetime.timedelta(hours=1))

    old.refresh_from_db()
    assert old.status == Attempt.Status.EXPIRED
    assert new.pk != old.pk and new.number == 2


def test_the_key_is_copied_so_later_edits_do_not_change_scoring(learner, quiz):
    attempt = attempt_start(user=learner, quiz=quiz)
    answers = key_of(attempt)
    for question in quiz.fixed_questions.all():
        question.question.choices.update(is_correct=False)

    result = attempt_submit(user=learner, token=attempt.token, answers=answers)

    assert result.attempt.correct_count == 3


def test_random_draw_takes_questions_of_the_area_and_level(learner):
    security = SkillArea.objects.get(code="caution-security")
    moral = SkillArea.objects.get(code="caution-moral")
    matching = [QuestionFactory(area=security, level=2) for _ in range(3)]
    matching.append(QuestionFactory(area=moral, level=2))
    QuestionFactory(area=security, level=1)
    QuestionFactory(area=SkillArea.objects.get(code="tech-ai"), level=2)
    QuestionFactory(area=security, level=2, active=False)
    rule = QuizDrawRuleFactory(level=2, count=3)

    attempt = attempt_start(user=learner, quiz=rule.quiz, rng=random.Random(7))

    drawn = set(attempt.questions.values_list("question_id", flat=True))
    assert len(drawn) == 3
    assert drawn <= {q.id for q in matching}


def test_an_empty_quiz_cannot_be_started(learner):
    with pytest.raises(AssessmentError):
        attempt_start(user=learner, quiz=QuizFactory())


def _answer(learner, quiz, *, right: int):
    attempt = attempt_start(user=learner, quiz=quiz)
    key, wrong = key_of(attempt), wrong_answers(attempt)
    ids = [aq.question_id for aq in attempt.questions.all()]
    answers = {qid: key[qid] if index < right else wrong[qid] for index, qid in enumerate(ids)}
    return attempt_submit(user=learner, token=attempt.token, answers=answers)


def test_levels_are_recorded_with_evidence_and_history_is_appended(learner):
    security = SkillArea.objects.get(code="caution-security")
    level1 = QuizFactory(questions=[QuestionFactory(area=security, level=1) for _ in range(3)])
    level2 = QuizFactory(questions=[QuestionFactory(area=security, level=2) for _ in range(5)])

    _answer(learner, level1, right=3)
    _answer(learner, level2, right=4)

    latest = SkillResult.objects.filter(user=learner, area=security).first()
    assert latest.level == 2
    assert [2, 5, 4] in latest.evidence
    assert "レベル2：レベル2の問題 5問中4問正解" in latest.evidence_text
    category = SkillResult.objects.filter(user=learner, area=security.parent).first()
    assert category.level == 2
    assert SkillResult.objects.filter(user=learner, area=security).count() == 2


def test_a_retake_counts_each_question_once_with_the_latest_answer(learner):
    security = SkillArea.objects.get(code="caution-security")
    quiz = QuizFactory(questions=[QuestionFactory(area=security, level=1) for _ in range(3)])

    _answer(learner, quiz, right=3)
    _answer(learner, quiz, right=1)

    latest = SkillResult.objects.filter(user=learner, area=security).first()
    assert latest.level == 0
    assert latest.evidence == [[1, 3, 1]]


def test_answers_that_decide_no_level_record_no_result_and_my_skills_shows_every_result(
    learner, client
):
    """Only level-2 questions in an area: nothing is measured there (the level rule starts
    at level 1), so no result is written that マイスキル would not show (the staff journey
    failed on such a row: コラボレーション, level 0, no evidence)."""
    collab = SkillArea.objects.get(code="mind-collab")
    security = SkillArea.objects.get(code="caution-security")
    quiz = QuizFactory(
        questions=[QuestionFactory(area=collab, level=2)]
        + [QuestionFactory(area=security, level=1) for _ in range(3)]
    )

    attempt = _answer(learner, quiz, right=4).attempt

    recorded = {result.area.code for result in SkillResult.objects.filter(attempt=attempt)}
    assert recorded == {"caution-security", "caution"}
    client.force_login(learner)
    page = client.get(reverse("lms:skills")).content.decode()
    for result in SkillResult.objects.filter(attempt=attempt).select_related("area"):
        assert f">{result.area.name}</th>" in page, result.area.code
    assert f">{collab.name}</th>" not in page


def test_self_assessment_is_stored_apart_and_never_changes_the_level(learner):
    area = SkillArea.objects.get(code="caution")

    assert self_assessment_record(user=learner, ratings={area.id: 4}) == 1
    assert self_assessment_record(user=learner, ratings={area.id: 4}) == 0

    assert SelfAssessment.objects.filter(user=learner).count() == 1
    assert not SkillResult.objects.filter(user=learner).exists()


@pytest.mark.parametrize("ratings", [{999999: 2}, {"area": 5}])
def test_self_assessment_rejects_unknown_areas_and_ratings(learner, ratings):
    area = SkillArea.objects.get(code="caution")
    ratings = {area.id if key == "area" else key: value for key, value in ratings.items()}

    with pytest.raises(AssessmentError):
        self_assessment_record(user=learner, ratings=ratings)


def test_a_late_tampered_submission_is_still_closed_as_time_ran_out(learner, timed_attempt):
    attempt, start = timed_attempt, START

    result = attempt_submit(
        user=learner,
        token=attempt.token,
        answers={999999: [1]},
        now=start + datetime.timedelta(minutes=15),
    )

    assert result.late and result.attempt.status == Attempt.Status.EXPIRED


# --- What learners are asked: the published version, from banks of the quiz's kind -----


def test_a_skill_check_asks_only_skill_check_questions_and_a_module_quiz_never_does(learner):
    security = SkillArea.objects.get(code="caution-security")
    course_questions = [QuestionFactory(area=security, level=1) for _ in range(3)]
    skill_questions = [
        QuestionFactory(bank=SkillCheckBankFactory(), area=security, level=1) for _ in range(3)
    ]
    check = QuizDrawRuleFactory(
        quiz=QuizFactory(kind=Quiz.Kind.SKILL_CHECK, questions=[course_questions[0]]), count=6
    ).quiz
    module_quiz = QuizDrawRuleFactory(
        quiz=QuizFactory(questions=[skill_questions[0]]), count=6
    ).quiz

    asked_in_check = set(
        attempt_start(user=learner, quiz=check).questions.values_list("question_id", flat=True)
    )
    asked_in_module = set(
        attempt_start(user=learner, quiz=module_quiz).questions.values_list(
            "question_id", flat=True
        )
    )

    assert asked_in_check == {q.id for q in skill_questions}
    assert asked_in_module == {q.id for q in course_questions}


def test_questions_that_were_never_published_are_neither_fixed_nor_drawn(learner):
    security = SkillArea.objects.get(code="caution-security")
    published = QuestionFactory(area=security, level=1)
    drafts = [QuestionFactory(area=security, level=1, live=False) for _ in range(3)]
    quiz = QuizFactory(questions=[published, drafts[0]])
    QuizDrawRuleFactory(quiz=quiz, count=5)

    attempt = attempt_start(user=learner, quiz=quiz)

    assert list(attempt.questions.values_list("question_id", flat=True)) == [published.id]


# --- Choice tokens: the take page says nothing about the key ------------------------------

GENERATED = 100  # multiple-answer questions whose right choices have the lowest ids


def test_choice_tokens_and_display_order_say_nothing_about_which_choices_are_right(learner):
    questions = [
        QuestionFactory(kind=Question.Kind.MULTIPLE, choices__correct=[0, 1])
        for _ in range(GENERATED)
    ]
    assert all(  # as authored: the right choices are the two lowest ids
        sorted(c.id for c in q.choices.all())[:2]
        == sorted(c.id for c in q.choices.all() if c.is_correct)
        for q in questions
    )
    attempt = attempt_start(user=learner, quiz=QuizFactory(questions=questions, shuffle=True))

    right_first_by_token = right_first_on_page = 0
    for aq in attempt.questions.all():
        right = set(aq.tokens_for(aq.correct_choice_ids))
        right_first_by_token += set(sorted(aq.choice_tokens)[:2]) == right
        right_first_on_page += set(aq.tokens_for(aq.choice_order[:2])) == right
        assert set(aq.choice_tokens.values()) == set(aq.choice_order)
        assert all(len(token) >= 16 for token in aq.choice_tokens)

    # By chance the two right choices come first in 1 of 6 questions (C(4, 2) = 6): about
    # 17 of 100. Tokens or an order that followed the ids would put them first in all 100;
    # 40 is more than six standard deviations above chance.
    assert right_first_by_token <= 40
    assert right_first_on_page <= 40


def test_every_attempt_gets_fresh_tokens(learner, quiz):
    first = attempt_start(user=learner, quiz=quiz)
    attempt_submit(user=learner, token=first.token, answers={})
    second = attempt_start(user=learner, quiz=quiz)

    tokens = [set(aq.choice_tokens) for a in (first, second) for aq in a.questions.all()]

    assert sum(len(t) for t in tokens) == len(set().union(*tokens))  # no token twice


@pytest.mark.parametrize(
    "sent",
    [
        "a choice id",
        "a token of another attempt",
        "a made-up token",
    ],
)
def test_a_choice_id_or_a_token_not_of_this_attempt_is_refused_and_nothing_saved(
    learner, quiz, sent
):
    attempt = attempt_start(user=learner, quiz=quiz)
    other = attempt_start(user=UserFactory(), quiz=quiz)
    aq = attempt.questions.first()
    answers = {
        "a choice id": [aq.correct_choice_ids[0]],
        "a token of another attempt": other.questions.get(question=aq.question).tokens_for(
            aq.correct_choice_ids
        ),
        "a made-up token": ["x" * 16],
    }[sent]

    with pytest.raises(AssessmentError, match="別の問題の選択肢"):
        attempt_submit(user=learner, token=attempt.token, answers={aq.question_id: answers})

    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.IN_PROGRESS
    assert not Response.objects.exists()
