"""A prerequisite blocks then opens a course (issue 19): the learner sees the course locked
on マイページ and on its page, follows the link to the prerequisite, completes it by
attesting 「内容を確認し、遵守します」, and the course opens."""

import pytest

from courses.factories import CoursePageFactory, ModulePageFactory
from courses.models import CourseCompletion, CoursePage, ModuleAttestation
from lms.models import User
from lms.towns import tracks_of_towns

expect = pytest.importorskip("playwright.sync_api").expect
pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _a_locked_course_for(person):
    """A demo course she has not completed now requires a new one-module policy course
    whose module asks for attestation."""
    tracks = tracks_of_towns([person.organization_id]).live().order_by("path")
    completed = CourseCompletion.objects.filter(user=person).values("course_id")
    target = (
        CoursePage.objects.live()
        .filter(path__startswith=tracks[0].path)
        .exclude(pk__in=completed)
        .order_by("path")
        .first()
    )
    policy_course = CoursePageFactory(
        parent=target.get_parent(), title="情報セキュリティの約束", slug="security-promise"
    )
    module = ModulePageFactory(
        parent=policy_course,
        title="情報セキュリティポリシー",
        slug="security-policy",
        requires_attestation=True,
        body=[("markdown", "## 守ること\n\nパスワードを人に教えません。")],
    )
    module.save_revision().publish()  # as an editor publishes: the revision is attested
    target.prerequisites.set([policy_course])
    target.save_revision().publish()
    return target, policy_course, module


def test_a_prerequisite_blocks_then_opens_a_course(journey):
    person = User.objects.get(organization__isnull=False, staff_number="1001")
    target, policy_course, module = _a_locked_course_for(person)
    walk = journey("prerequisite")
    page = walk.page

    walk.sign_in("1001", "demo-staff-1001")
    expect(page.get_by_role("heading", level=1)).to_have_text("マイページ")
    item = page.locator(".course-list__item").filter(
        has=page.get_by_role("link", name=target.title, exact=True)
    )
    expect(item).to_contain_text("受講前の条件あり")
    expect(item.get_by_role("link", name=policy_course.title)).to_be_visible()
    walk.check("mypage-locked")

    item.get_by_role("link", name=target.title, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(target.title)
    first_steps = page.get_by_role("region", name="先に修了するコース")
    expect(first_steps).to_be_visible()
    # Neither 「受講を始める」 nor 「続きを学習する」 while locked.
    expect(page.locator("a.button--primary")).to_have_count(0)
    walk.check("course-locked")

    first_steps.get_by_role("link", name=policy_course.title).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(policy_course.title)
    page.get_by_role("link", name="受講を始める").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(module.title)
    walk.check("policy-module")

    # With the keyboard: tick the box, submit.
    agree = page.get_by_label("内容を確認し、遵守します")
    agree.focus()
    page.keyboard.press("Space")
    expect(agree).to_be_checked()
    page.get_by_role("button", name="確認・同意する").press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(policy_course.title)
    expect(page.get_by_text(f"コース「{policy_course.title}」を修了しました")).to_be_visible()
    walk.check("policy-completed")
    attestation = ModuleAttestation.objects.get(user=person, module=module)
    assert attestation.version == 1 and attestation.revision_id is not None

    walk.goto(target.url, "course-open")
    expect(page.get_by_role("region", name="先に修了するコース")).to_have_count(0)
    page.locator("a.button--primary").click()
    expect(page.get_by_role("heading", level=1)).not_to_have_text(target.title)
    expect(page.get_by_role("region", name="先に修了するコース")).to_have_count(0)
    expect(page.locator(".module__body")).to_be_visible()
    walk.check("module-open")
