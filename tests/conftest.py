import datetime

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.conf import settings
from django.contrib.auth.models import Group
from wagtail.models import Page, Site

from courses.factories import (
    CoursePageFactory,
    LearningHomePageFactory,
    ModulePageFactory,
    TrackPageFactory,
)
from lms.factories import (
    DepartmentFactory,
    MembershipFactory,
    OrganizationFactory,
    PositionFactory,
    UserFactory,
)
from lms.people.roles import Role, roles_audited_here
from tests.network_guard import (
    ClosedNetwork,
    configured_service_hosts,
    unnoticed_attempts_fail_the_test,
)

# tests/test_closed_network.py runs small test files of its own to prove the guard fails them.
pytest_plugins = ["pytester"]

PASSWORD = "correct-horse-battery"
TODAY = datetime.date(2026, 11, 28)


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def closed_network(request, monkeypatch):
    """Every test runs on a closed network: its code may reach loopback and the configured
    database, broker, cache and live server, nothing else (tests/network_guard.py)."""
    guard = ClosedNetwork(configured_service_hosts(settings)).install(monkeypatch)
    yield guard
    unnoticed_attempts_fail_the_test(guard, request)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture
def learning_home(db):
    """A learning home page that is the default site's root, as in production."""
    home = LearningHomePageFactory(parent=Page.get_first_root_node())
    site = Site.objects.get(is_default_site=True)
    site.root_page = home
    site.save()
    return home


@pytest.fixture
def make_course(learning_home):
    """Build track → course → n modules; returns (track, course, [modules])."""

    def make(*, modules=3, annual=False, track=None):
        track = track or TrackPageFactory(parent=learning_home)
        course = CoursePageFactory(parent=track, annual=annual)
        return track, course, [ModulePageFactory(parent=course) for _ in range(modules)]

    return make


@pytest.fixture
def organization(db):
    return OrganizationFactory(code="TEST", name="テスト町")


@pytest.fixture
def departments(organization):
    """総務課 (with 人事係) and 住民課 (with 窓口係) in one town."""
    somu = DepartmentFactory(organization=organization, code="SOMU", name="総務課")
    jumin = DepartmentFactory(organization=organization, code="JUMIN", name="住民課")
    return {
        "somu": somu,
        "jinji": DepartmentFactory(
            organization=organization, parent=somu, code="JINJI", name="人事係", level="kakari"
        ),
        "jumin": jumin,
        "mado": DepartmentFactory(
            organization=organization, parent=jumin, code="MADO", name="窓口係", level="kakari"
        ),
    }


@pytest.fixture
def other_town(db):
    """A second town on the same deployment: its own 総務課 (same code) and 住民課."""
    organization = OrganizationFactory(code="OTHER", name="となり町")
    return {
        "organization": organization,
        "somu": DepartmentFactory(organization=organization, code="SOMU", name="総務課"),
        "jumin": DepartmentFactory(organization=organization, code="JUMIN", name="住民課"),
        # Positions are per town: the neighbour's 主事 is not the town's.
        "shuji": PositionFactory(organization=organization, code="SHUJI", name="主事", rank=20),
    }


@pytest.fixture
def positions(organization):
    return {
        "shuji": PositionFactory(organization=organization, code="SHUJI", name="主事", rank=20),
        "kacho": PositionFactory(organization=organization, code="KACHO", name="課長", rank=60),
    }


def position_in_town(position, organization):
    """``position``, or the same position (code, name, rank) of another town."""
    if position.organization_id == organization.pk:
        return position
    return PositionFactory(
        organization=organization, code=position.code, name=position.name, rank=position.rank
    )


@pytest.fixture
def make_staff(departments, positions):
    """A member of staff posted in a department (a key of ``departments`` or a
    Department of any town), holding the given roles; the position is that of the
    department's town."""

    def make(department="mado", position="shuji", roles=(), mfa=True, **fields):
        """People in roles that require two-factor authentication have it set up,
        unless ``mfa=False`` (to test the requirement itself)."""
        if isinstance(department, str):
            department = departments[department]
        fields.setdefault("organization", department.organization)  # the roster of their post
        user = UserFactory(**fields)
        post = position_in_town(positions[position], department.organization)
        MembershipFactory(user=user, department=department, position=post)
        groups = [Role.STAFF, *roles]
        with roles_audited_here():  # set-up, not a role change under test: no audit event
            user.groups.add(*(Group.objects.get_or_create(name=role)[0] for role in groups))
        needs_mfa = user.is_superuser or set(groups) & set(settings.SHINKA_MFA_REQUIRED_ROLES)
        if mfa and needs_mfa:
            TOTP.activate(user, generate_totp_secret())
        return user

    return make


@pytest.fixture
def eager_jobs():
    """Report jobs run in the web process, as with `make run` (no broker)."""
    from config.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous
