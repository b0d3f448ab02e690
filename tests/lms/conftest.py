"""A hand-built town shared by the report, candidate and rule tests."""

import datetime
from types import SimpleNamespace

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from wagtail.models import Page, Site

from courses.factories import (
    CoursePageFactory,
    LearningHomePageFactory,
    ModulePageFactory,
    TrackPageFactory,
)
from courses.services import module_complete
from lms.factories import (
    DepartmentFactory,
    MembershipFactory,
    PositionFactory,
    TrackAssignmentFactory,
    UserFactory,
)
from lms.people.roles import Role
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


@pytest.fixture
def two_towns(make_course, make_staff, organization, departments, positions, other_town):
    """Town A (``organization``, on the default site, as a single-town instance has it) and
    town B (``other_town``, with its own Wagtail Site and learning home), each with a track,
    a department and a position only it has, a track assignment, and an HR officer.

    B's names (となり町, 会計課, 参事, となり町の研修) appear nowhere in town A, so a page
    of A's that shows one of them shows B's data.
    """
    b = other_town["organization"]
    b_home = LearningHomePageFactory(parent=Page.get_first_root_node(), slug="tonari")
    b.site = Site.objects.create(hostname="tonari.example.jp", root_page=b_home, site_name="B")
    b.save()
    a_track, _, a_modules = make_course(modules=1)
    b_track = TrackPageFactory(parent=b_home, title="となり町の研修")
    b_module = ModulePageFactory(parent=CoursePageFactory(parent=b_track), title="となり町の単元")
    b_department = DepartmentFactory(organization=b, code="KAIKEI", name="会計課")
    b_position = PositionFactory(organization=b, code="SANJI", name="参事", rank=70)
    a_assignment = TrackAssignmentFactory(
        organization=organization,
        track=a_track,
        departments=[departments["jumin"]],
        positions=[positions["shuji"]],
    )
    b_assignment = TrackAssignmentFactory(
        organization=b, track=b_track, departments=[b_department], positions=[b_position]
    )
    return SimpleNamespace(
        a=organization,
        b=b,
        a_track=a_track,
        b_track=b_track,
        a_module=a_modules[0],
        b_module=b_module,
        a_department=departments["jumin"],
        b_department=b_department,
        a_position=positions["shuji"],
        b_position=b_position,
        a_assignment=a_assignment,
        b_assignment=b_assignment,
        a_hr=make_staff("jinji", roles=[Role.HR]),
        b_hr=make_staff(b_department, roles=[Role.HR]),
        b_staff=make_staff(b_department),
    )


@pytest.fixture
def operator_without_post(db):
    """The platform operator (a superuser, two-factor set up) holding no post in any town."""
    user = UserFactory(staff_number="0001", is_superuser=True, is_staff=True)
    TOTP.activate(user, generate_totp_secret())
    return user
