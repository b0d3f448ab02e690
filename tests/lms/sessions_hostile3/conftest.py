from tests.lms.sessions.conftest import course, make_session, neighbour, people  # noqa: F401
