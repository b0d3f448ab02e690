"""A hand-built town shared by the report, candidate and rule tests."""

import datetime

import pytest

from courses.services import module_complete
from lms.factories import MembershipFactory, TrackAssignmentFactory, UserFactory
from tests.lms.towns import COMPLETED_AT, DUE


@pytest.fixture
def town(make_course, make_staff, organization, departments, positions):
    """A hand-built town: one required track of two courses (2 + 1 modules).

    - a (窓口係 主事): both courses complete
    - b (窓口係 主事): one module of course 1
    - c (人事係 主事): nothing
    - d (住民課 課長): course 2 only
    - e: moved from 人事係 to 窓口係 on 1 April, nothing done
    """
    track, course1, modules1 = make_course(modules=2)
    _, course2, modules2 = make_course(modules=1, track=track)
    TrackAssignmentFactory(
        organization=organization, track=track, applies_to_all=True, due_date=DUE
    )
    people = {
        "a": make_staff("mado", staff_number="A1"),
        "b": make_staff("mado", staff_number="B2"),
        "c": make_staff("jinji", staff_number="C3"),
        "d": make_staff("jumin", "kacho", staff_number="D4"),
    }
    e = UserFactory(staff_number="E5")
    MembershipFactory(
        user=e,
        department=departments["jinji"],
        position=positions["shuji"],
        valid_from=datetime.date(2020, 4, 1),
        valid_to=datetime.date(2026, 3, 31),
    )
    MembershipFactory(
        user=e,
        department=departments["mado"],
        position=positions["shuji"],
        valid_from=datetime.date(2026, 4, 1),
    )
    people["e"] = e
    for module in [*modules1, *modules2]:
        module_complete(user=people["a"], module=module, at=COMPLETED_AT)
    module_complete(user=people["b"], module=modules1[0], at=COMPLETED_AT)
    module_complete(user=people["d"], module=modules2[0], at=COMPLETED_AT)
    return {"people": people, "courses": (course1, course2), "track": track}


@pytest.fixture
def flaky_server(settings):
    """Mail goes to ``mail.outbox`` through a server that refuses the next
    ``flaky_server.refusals`` messages."""
    from tests.lms.mail_servers import FlakyMailServer

    settings.EMAIL_BACKEND = "tests.lms.mail_servers.FlakyMailServer"
    FlakyMailServer.refusals = 0
    yield FlakyMailServer
    FlakyMailServer.refusals = 0
