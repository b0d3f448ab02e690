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


@pytest.mark.django_db(transaction=True)
def test_simultaneous_completions_store_one_row(postgres, make_course):
    _, course, (module,) = make_course(modules=1)
    learner = UserFactory()
    barrier = threading.Barrier(4)
    errors = []

    def complete():
        try:
            barrier.wait()
            module_complete(user=learner, module=module)
        except Exception as error:  # noqa: BLE001 - collected and asserted below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=complete) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert ModuleCompletion.objects.filter(user=learner, module=module).count() == 1
    assert CourseCompletion.objects.filter(user=learner, course=course).count() == 1
