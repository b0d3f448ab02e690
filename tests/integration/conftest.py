import os

import pytest
from django.conf import settings
from django.db import connection

from lms.people.roles import Role


@pytest.fixture
def postgres():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: set DATABASE_URL=postgres://… (CI does)")


@pytest.fixture
def redis_broker():
    url = settings.CELERY_BROKER_URL
    if not url.startswith("redis://"):
        pytest.skip("needs Redis: set CELERY_BROKER_URL=redis://… (CI does)")
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.RedisError as error:
        if os.environ.get("SHINKA_INTEGRATION"):
            raise  # CI promised the service: a missing one is a failure, not a skip
        pytest.skip(f"Redis at {url} is not reachable: {error}")
    return url


@pytest.fixture
def town(make_staff, make_course, organization):
    """Two members of staff (one of them HR) and a required track of two modules."""
    from lms.factories import TrackAssignmentFactory

    track, _, _ = make_course(modules=2)
    TrackAssignmentFactory(organization=organization, track=track, applies_to_all=True)
    make_staff("mado")
    make_staff("jinji", roles=[Role.HR])
    return organization
