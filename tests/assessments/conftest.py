from types import SimpleNamespace

import pytest

from assessments.factories import (
    QuestionBankFactory,
    QuestionFactory,
    QuizFactory,
    SkillCheckBankFactory,
)
from assessments.models import Question, Quiz
from lms.audit import Actor
from lms.factories import UserFactory
from lms.people.authoring import authoring_setup, track_editor_assign
from lms.people.roles import Role


@pytest.fixture
def learner(db):
    return UserFactory()


@pytest.fixture
def signed_in(client, learner):
    client.force_login(learner)
    return client


@pytest.fixture
def quiz(db):
    """Three questions: single (1st correct), multiple (1st+2nd), true/false (2nd)."""
    questions = [
        QuestionFactory(kind=Question.Kind.SINGLE, choices__correct=[0]),
        QuestionFactory(kind=Question.Kind.MULTIPLE, choices__correct=[0, 1]),
        QuestionFactory(kind=Question.Kind.TRUE_FALSE, choices__correct=[1]),
    ]
    return QuizFactory(questions=questions)


def key_of(attempt):
    """The right answers for every question of an attempt (what a perfect learner sends:
    the tokens the take page shows for the correct choices)."""
    return {aq.question_id: aq.tokens_for(aq.correct_choice_ids) for aq in attempt.questions.all()}


def wrong_answers(attempt):
    return {
        aq.question_id: aq.tokens_for(
            [next(c for c in aq.choice_order if c not in aq.correct_choice_ids)]
        )
        for aq in attempt.questions.all()
    }


@pytest.fixture
def authoring(make_course, make_staff, learning_home):
    """Two tracks with a bank, a question and a quiz each; IT policy's skill check; a DX
    promotion leader of track A; IT policy (the reviewers); the review workflow set up."""
    track_a, _, _ = make_course(modules=1)
    track_b, _, _ = make_course(modules=1)
    authoring_setup(home=learning_home)
    leader = make_staff(roles=[Role.DX_LEADER])
    track_editor_assign(track=track_a, user=leader, actor=Actor())
    bank_a = QuestionBankFactory(slug="bank-a", title="Aの問題集", track=track_a)
    bank_b = QuestionBankFactory(slug="bank-b", title="Bの問題集", track=track_b)
    skill_bank = SkillCheckBankFactory()
    question_a = QuestionFactory(bank=bank_a, text="Aの問題", choices__correct=[0])
    question_b = QuestionFactory(bank=bank_b, text="Bの問題")
    secret = QuestionFactory(
        bank=skill_bank,
        text="スキル診断の問題",
        explanation="スキル診断だけの解説",
        choices__correct=[2],
    )
    return SimpleNamespace(
        track_a=track_a,
        track_b=track_b,
        leader=leader,
        reviewer=make_staff("somu", roles=[Role.IT_POLICY]),
        bank_a=bank_a,
        bank_b=bank_b,
        skill_bank=skill_bank,
        question_a=question_a,
        question_b=question_b,
        secret=secret,
        quiz_a=QuizFactory(title="Aの確認テスト", track=track_a, questions=[question_a]),
        quiz_b=QuizFactory(title="Bの確認テスト", track=track_b, questions=[question_b]),
        skill_check=QuizFactory(
            title="年度初めの診断テスト", kind=Quiz.Kind.SKILL_CHECK, questions=[secret]
        ),
    )


def question_edit_data(question, *, action=None, text=None, correct=None, choice_texts=None):
    """The Wagtail edit form of ``question`` as posted, with the given changes.

    ``correct``: which choice positions are right; ``action``: e.g. "action-submit".
    """
    choices = list(question.choices.all())
    correct = set(
        correct if correct is not None else [i for i, c in enumerate(choices) if c.is_correct]
    )
    texts = choice_texts or [choice.text for choice in choices]
    data = {
        "bank": question.bank_id,
        "area": question.area_id,
        "level": question.level,
        "kind": question.kind,
        "text": text or question.text,
        "explanation": question.explanation,
        "active": "on",
        "choices-TOTAL_FORMS": str(len(choices)),
        "choices-INITIAL_FORMS": str(len(choices)),
        "choices-MIN_NUM_FORMS": "2",
        "choices-MAX_NUM_FORMS": "6",
    }
    for index, choice in enumerate(choices):
        data[f"choices-{index}-id"] = str(choice.id)
        data[f"choices-{index}-text"] = texts[index]
        data[f"choices-{index}-ORDER"] = str(index + 1)
        if index in correct:
            data[f"choices-{index}-is_correct"] = "on"
    if action:
        data[action] = "1"
    return data
