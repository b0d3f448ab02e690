"""A department head records a completion for a member (issue 19): from the department's
list to the member's page, 「修了を記録する」, the form, and back to the list, where the
member's count of completed courses has gone up by one and is marked 記録."""

import re

import pytest

from courses.fiscal import local_today
from courses.models import CourseCompletion, TrackPage
from courses.selectors import progress_for_tracks
from lms.assignments import COMPLETED, assigned_tracks, course_statuses
from lms.models import Membership, User
from lms.people.posts import memberships_on

from .conftest import give_authenticator

expect = pytest.importorskip("playwright.sync_api").expect
pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def _member_with_a_course_to_do(head):
    """A member of the head's department (not the head) and an assigned course they have not
    completed today, found from the rows by the rules the reports use."""
    today = local_today()
    department = memberships_on(user=head, day=today)[0].department
    members = User.objects.filter(
        memberships__in=Membership.objects.active_on(today).filter(department=department)
    )
    for member in members.exclude(pk=head.pk).distinct().order_by("staff_number"):
        tracks = TrackPage.objects.filter(id__in=assigned_tracks(user=member, day=today))
        progress = progress_for_tracks(user=member, tracks=tracks, today=today)
        statuses = course_statuses(user=member, day=today, tracks=progress.values())
        for track in progress.values():
            for course in track.courses:
                if statuses.get(course.page.id) != COMPLETED:
                    return member, course.page
    raise AssertionError("the demo town has no member with a course still to do")


def _completed_cell(members, name):
    row = members.get_by_role("row").filter(has=members.page.get_by_role("rowheader", name=name))
    return row.get_by_role("cell").nth(3)


def test_department_head_records_a_completion_and_the_list_counts_it(journey):
    head = User.objects.get(staff_number="2001")
    member, course = _member_with_a_course_to_do(head)
    name = member.get_full_name()
    give_authenticator("2001", SECRET)
    walk = journey("recorded-completion")
    page = walk.page
    walk.sign_in("2001", "demo-head-2001", totp_secret=SECRET)

    page.get_by_role("navigation", name="メインメニュー").get_by_role(
        "link", name="受講状況"
    ).click()
    members = page.get_by_role("table", name=re.compile("^所属職員"))
    before = _completed_cell(members, name).inner_text()
    done, assigned = (int(n) for n in re.match(r"(\d+) / (\d+)", before).groups())

    members.get_by_role("link", name=name, exact=True).click()
    page.get_by_role("link", name="修了を記録する").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(name)
    walk.check("record-form")

    # Sent empty first: nothing stored, the fields say what is missing, in Japanese.
    page.get_by_role("button", name="この内容で記録する").click()
    expect(page.get_by_role("alert")).to_contain_text("まだ記録していません")
    assert not CourseCompletion.objects.filter(user=member, course=course).exists()
    walk.check("record-form-errors")

    page.get_by_label("コース").select_option(label=course.title)
    page.get_by_label("修了日").fill(local_today().isoformat())
    page.get_by_label("理由").fill("集合研修（庁内）に出席したため")
    page.get_by_role("button", name="この内容で記録する").click()

    expect(page.get_by_role("status")).to_contain_text("修了を記録しました。")
    recorded = page.get_by_role("table").filter(has_text=course.title)
    expect(recorded).to_contain_text("記録")
    expect(recorded).to_contain_text("集合研修（庁内）に出席したため")
    walk.check("recorded")

    completion = CourseCompletion.objects.get(user=member, course=course)
    assert completion.source == CourseCompletion.Source.RECORDED
    assert completion.recorded_by == head

    page.get_by_role("navigation", name="メインメニュー").get_by_role(
        "link", name="受講状況"
    ).click()
    members = page.get_by_role("table", name=re.compile("^所属職員"))
    cell = _completed_cell(members, name)
    expect(cell).to_contain_text(f"{done + 1} / {assigned}")
    expect(cell).to_contain_text("記録")
    walk.check("department-after")
