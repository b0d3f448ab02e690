"""Against real services: PostgreSQL and Redis, as in production."""

import datetime
import threading
from http import HTTPStatus

import pytest
from django.db import connections

from courses.fiscal import fiscal_year_of
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


def _delivered_report(organization, as_of):
    from lms.models import ReportRun

    return ReportRun.objects.create(
        organization=organization,
        kind="hr_completion",
        fiscal_year=fiscal_year_of(as_of),
        as_of=as_of,
        trigger="command",
        status=ReportRun.Status.DELIVERED,
    )


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_simultaneous_requests_and_rebuilds_make_one_build_each(postgres, organization):
    from lms.audit import Actor
    from lms.models import ReportRun
    from lms.reporting.runs import report_rebuild, report_request

    as_of = datetime.date(2026, 11, 27)
    asked, errors = _race(
        lambda: (
            report_request(
                organization=organization,
                kind="hr_completion",
                as_of=as_of,
                trigger="schedule",
                publish=False,
            ).created
        )
    )
    assert errors == [] and sum(asked) == 1
    first = _delivered_report(organization, datetime.date(2026, 11, 28))

    def rebuild():
        return report_rebuild(run_id=first.pk, reason="other", actor=Actor(), publish=False)

    rebuilt, errors = _race(lambda: rebuild().created)

    assert errors == [] and sum(rebuilt) == 1
    assert ReportRun.objects.filter(as_of=as_of).count() == 1
    assert list(
        ReportRun.objects.filter(as_of=first.as_of)
        .values_list("version", flat=True)
        .order_by("version")
    ) == [1, 2]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_simultaneous_closes_and_rollovers_write_once(postgres, organization, make_course):
    from lms.audit import Actor
    from lms.factories import TrackAssignmentFactory
    from lms.models import AuditEvent, FiscalYearClose, TrackAssignment
    from lms.reporting.year_end import (
        fiscal_year_close,
        rollover_plan,
        track_assignments_roll_over,
    )

    report = _delivered_report(organization, datetime.date(2026, 3, 31))
    for _ in range(3):
        TrackAssignmentFactory(organization=organization, track=make_course()[0], fiscal_year=2025)
    digest = rollover_plan(organization=organization, fiscal_year=2025).digest

    closed, close_errors = _race(
        lambda: fiscal_year_close(
            organization=organization,
            fiscal_year=2025,
            report_id=report.pk,
            today=datetime.date(2026, 4, 2),
            actor=Actor(),
        )[1]
    )
    rolled, roll_errors = _race(
        lambda: len(
            track_assignments_roll_over(
                organization=organization, fiscal_year=2025, digest=digest, actor=Actor()
            )
        )
    )

    assert close_errors == roll_errors == []
    assert sum(closed) == 1 and FiscalYearClose.objects.count() == 1
    assert sorted(rolled) == [0, 0, 0, 3]
    assert TrackAssignment.objects.filter(fiscal_year=2026).count() == 3
    assert (
        AuditEvent.objects.filter(
            action__in=[
                AuditEvent.Action.FISCAL_YEAR_CLOSED,
                AuditEvent.Action.ASSIGNMENTS_ROLLED_OVER,
            ]
        ).count()
        == 2
    )
