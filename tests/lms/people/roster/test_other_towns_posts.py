"""A town's roster import and another town's posts: it ends an overlapping 本務 there
(tests/lms/people/test_one_primary_post.py), never one that starts later."""

import datetime

from lms.factories import DepartmentFactory, MembershipFactory, OrganizationFactory, UserFactory
from lms.models import Membership
from tests.lms.people.roster.test_import import csv_bytes, plan

AS_OF = datetime.date(2027, 4, 1)


def test_an_import_refuses_rather_than_touch_another_towns_later_primary_post(
    organization, departments, positions
):
    """Town A imports its roster effective 2027-04-01 (a late import, moving the person
    to 人事係 from that day). The
    person has since moved: their 本務 in town B starts 2027-10-01. ``_set_posts`` treats
    every 本務 held on or after ``as_of`` that starts on or after it as "opened by an
    earlier import for the same day" and deleted it: town A's HR erased town B's record.
    Now the plan refuses the row (in Japanese, naming the other town): nothing is applied."""
    town_b = OrganizationFactory(code="B", name="別の町")
    b_department = DepartmentFactory(organization=town_b, code="B-SOMU", name="別総務課")
    person = UserFactory(staff_number="2001", family_name="髙橋", given_name="﨑子")
    MembershipFactory(
        user=person,
        department=departments["mado"],
        position=positions["shuji"],
        valid_from=datetime.date(2020, 4, 1),
        valid_to=datetime.date(2027, 9, 30),
    )
    b_post = MembershipFactory(
        user=person,
        department=b_department,
        position=positions["shuji"],
        valid_from=datetime.date(2027, 10, 1),
    )

    result = plan(
        organization,
        csv_bytes("2001,髙橋 﨑子,タカハシ サキコ,人事係,課長,takahashi@town.example.jp,"),
        as_of=AS_OF,
    )

    assert not result.ok
    assert any("別の町" in str(error) and "本務" in str(error) for error in result.errors)

    assert Membership.objects.filter(pk=b_post.pk).exists(), list(
        Membership.objects.filter(user=person).values_list(
            "department__code", "is_primary", "valid_from", "valid_to"
        )
    )
