import pytest

from lms.people.roles import Role


@pytest.fixture
def admin_client(client, make_staff, learning_home):
    """A site administrator with two-factor set up (pytest-django's admin_client has none
    and is sent to the 2FA set-up page)."""
    client.force_login(make_staff("somu", roles=[Role.ADMIN], is_superuser=True, is_staff=True))
    return client
