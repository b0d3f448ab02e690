"""Against real services: PostgreSQL and Redis, as in production."""

import threading
from http import HTTPStatus

import pytest
from django.db import connections

from courses.models import CourseCompletion, ModuleCompletion
from courses.services import module_complete
from lms.factories import UserFactory

pytestmark = pytest.mark.integration


def test_healthz_sees_the_real_broker(client, db, redis_broker):
    response = client.get("/healthz")

    assert response.status_code == HTTPStatus.OK
    assert response.json()["broker"] == "ok"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_simultaneous_completions_store_one_row(postgres, make_course):
    _, course, (module,) = make_course(modules=1)
    learner = UserFactory()

    _, errors = _race(lambda: module_complete(user=learner, module=module))

    assert errors == []
    assert ModuleCompletion.objects.filter(user=learner, module=module).count() == 1
    assert CourseCompletion.objects.filter(user=learner, course=course).count() == 1


def _race(worker, count=4):
    """Run ``worker`` in ``count`` threads released at the same moment; collect errors."""
    barrier = threading.Barrier(count)
    errors, results = [], []

    def run():
        try:
            barrier.wait()
            results.append(worker())
        except Exception as error:  # noqa: BLE001 - collected and asserted by the caller
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_simultaneous_submissions_score_one_attempt(postgres):
    from assessments.factories import QuestionFactory, QuizFactory
    from assessments.models import Response
    from assessments.services import attempt_start, attempt_submit

    learner = UserFactory()
    quiz = QuizFactory(questions=[QuestionFactory() for _ in range(3)])
    attempt = attempt_start(user=learner, quiz=quiz)
    key = {aq.question_id: aq.tokens_for(aq.correct_choice_ids) for aq in attempt.questions.all()}

    results, errors = _race(lambda: attempt_submit(user=learner, token=attempt.token, answers=key))

    assert errors == []
    assert sum(result.scored_now for result in results) == 1
    assert Response.objects.filter(attempt_question__attempt=attempt).count() == 3


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_attempt_limit_holds_under_simultaneous_starts(postgres):
    from assessments.factories import QuestionFactory, QuizFactory
    from assessments.models import Attempt
    from assessments.services import attempt_start

    learner = UserFactory()
    quiz = QuizFactory(questions=[QuestionFactory()], attempt_limit=1)

    results, errors = _race(lambda: attempt_start(user=learner, quiz=quiz).pk)

    assert errors == []
    assert len(set(results)) == 1
    assert Attempt.objects.filter(user=learner, quiz=quiz).count() == 1
