"""``createsuperuser`` for staff numbers unique per town (issue 14)."""

import pytest
from django.core.management import CommandError, call_command

from lms.factories import UserFactory
from lms.models import User


def create(**options):
    call_command("createsuperuser", interactive=False, verbosity=0, **options)


def test_an_operator_without_a_town(db):
    create(staff_number="0001", email="operator@example.jp", family_name="運用")

    operator = User.objects.get(staff_number="0001")
    assert operator.is_superuser and operator.organization is None


def test_an_operator_on_a_towns_roster_beside_another_towns_same_number(organization, other_town):
    UserFactory(organization=other_town["organization"], staff_number="9001")

    create(
        staff_number="9001", email="admin@town.example.jp", family_name="管理",
        organization=organization.code,
    )  # fmt: skip

    made = User.objects.get(staff_number="9001", organization=organization)
    assert made.is_superuser
    assert User.objects.filter(staff_number="9001").count() == 2


def test_a_number_taken_in_the_town_or_an_unknown_town_is_refused_and_nothing_made(organization):
    UserFactory(organization=organization, staff_number="9001")

    with pytest.raises(CommandError, match="9001|職員番号|staff number"):
        create(
            staff_number="9001", email="again@town.example.jp", family_name="重複",
            organization=organization.code,
        )  # fmt: skip
    with pytest.raises(CommandError):
        create(
            staff_number="9002", email="x@town.example.jp", family_name="不明",
            organization="NO-SUCH",
        )  # fmt: skip

    assert not User.objects.filter(email__in=["again@town.example.jp", "x@town.example.jp"])
