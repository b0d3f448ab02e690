import pytest

from lms.factories import UserFactory


@pytest.fixture
def learner(db):
    return UserFactory()


@pytest.fixture
def signed_in(client, learner):
    client.force_login(learner)
    return client
