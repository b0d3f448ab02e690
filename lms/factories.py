import datetime

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from lms.models import Department, Membership, Organization, Position, TrackAssignment, User


class OrganizationFactory(DjangoModelFactory):
    class Meta:
        model = Organization
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"ORG{n:03d}")
    name = factory.Sequence(lambda n: f"テスト町{n}")


class DepartmentFactory(DjangoModelFactory):
    class Meta:
        model = Department

    organization = factory.LazyAttribute(
        lambda o: o.parent.organization if o.parent else OrganizationFactory()
    )
    parent = None
    code = factory.Sequence(lambda n: f"D{n:04d}")
    name = factory.Sequence(lambda n: f"第{n}課")
    level = Department.Level.SECTION


class PositionFactory(DjangoModelFactory):
    class Meta:
        model = Position
        django_get_or_create = ["organization", "code"]

    organization = factory.SubFactory(OrganizationFactory)
    code = factory.Sequence(lambda n: f"P{n:03d}")
    name = factory.Sequence(lambda n: f"職位{n}")
    rank = 20


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    staff_number = factory.Sequence(lambda n: f"{10000 + n}")
    family_name = "試験"
    given_name = factory.Sequence(lambda n: f"職員{n}")
    email = factory.LazyAttribute(lambda o: f"staff{o.staff_number}@example.jp")
    password = factory.django.Password("correct-horse-battery")


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    department = factory.SubFactory(DepartmentFactory)
    # A position of the department's own town.
    position = factory.SubFactory(
        PositionFactory, organization=factory.SelfAttribute("..department.organization")
    )
    valid_from = datetime.date(2000, 4, 1)
    valid_to = None
    is_primary = True


class TrackAssignmentFactory(DjangoModelFactory):
    class Meta:
        model = TrackAssignment
        skip_postgeneration_save = True

    organization = factory.SubFactory(OrganizationFactory)
    fiscal_year = 2026
    due_date = factory.LazyAttribute(lambda o: datetime.date(o.fiscal_year, 9, 30))
    applies_to_all = False
    # Made when the fiscal year began (so reports as of any day of the year see it); with
    # no usable fiscal year (validation tests), as if made before this was recorded.
    created_at = factory.LazyAttribute(
        lambda o: (
            timezone.make_aware(datetime.datetime(o.fiscal_year, 4, 1))
            if isinstance(o.fiscal_year, int) and 2000 <= o.fiscal_year <= 2200
            else None
        )
    )

    @factory.post_generation
    def departments(self, create, extracted, **kwargs):
        if create and extracted:
            self.departments.set(extracted)

    @factory.post_generation
    def positions(self, create, extracted, **kwargs):
        if create and extracted:
            self.positions.set(extracted)
