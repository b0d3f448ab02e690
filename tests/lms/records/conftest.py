import pytest
from wagtail.models import Page, Site

from courses.factories import CoursePageFactory, LearningHomePageFactory, TrackPageFactory
from lms.people.roles import Role


@pytest.fixture
def people(make_staff):
    """HR (人事係), the head of 住民課, a member of 窓口係 (under 住民課), one of 人事係
    (outside the head's department) and a member of staff."""
    return {
        "hr": make_staff("jinji", roles=[Role.HR], staff_number="H1"),
        "head": make_staff("jumin", "kacho", roles=[Role.DEPT_HEAD], staff_number="K1"),
        "member": make_staff("mado", staff_number="M1", family_name="窓口", given_name="花子"),
        "outsider": make_staff("jinji", staff_number="J1"),
        "staff": make_staff("mado", staff_number="S1"),
    }


@pytest.fixture
def courses(make_course):
    """The town's track: a one-off course (slug ``security-basics``) and an annual one."""
    track, one_off, _ = make_course(modules=1)
    one_off.slug, one_off.title = "security-basics", "情報セキュリティの基本"
    one_off.save_revision().publish()
    _, annual, _ = make_course(modules=1, annual=True, track=track)
    annual.slug, annual.title = "annual-security", "情報セキュリティ研修（年次）"
    annual.save_revision().publish()
    return {"one_off": one_off, "annual": annual, "track": track}


@pytest.fixture
def neighbour(other_town, make_staff, learning_home):
    """となり町 with its own site and track, a course and a member of staff (staff number M1,
    as in the town) and its HR."""
    town = other_town["organization"]
    site = Site.objects.get(is_default_site=True)
    home = LearningHomePageFactory(parent=Page.get_first_root_node(), slug="tonari")
    town.site = Site.objects.create(hostname="tonari.example", root_page=home)
    town.save()
    track = TrackPageFactory(parent=home)
    course = CoursePageFactory(parent=track, slug="tonari-course", title="となり町の研修")
    assert site.root_page_id == learning_home.pk
    return {
        "town": town,
        "course": course,
        "member": make_staff(other_town["jumin"], staff_number="M1"),
        "hr": make_staff(other_town["somu"], roles=[Role.HR], staff_number="H9"),
    }
