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


def default_town() -> Organization:
    """The town a person is on the roster of when a test names none: the first town
    there is, else the test town (code TEST, as the ``organization`` fixture)."""
    return Organization.objects.order_by("pk").first() or OrganizationFactory(
        code="TEST", name="テスト町"
    )


class UserFactory(DjangoModelFactory):
    """A member of staff on a town's roster (``organization``); a superuser, unless given
    one, is a platform operator without a town. ``MembershipFactory`` keeps a person's
    town the same as their posts'."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    is_superuser = False
    organization = factory.LazyAttribute(lambda o: None if o.is_superuser else default_town())
    staff_number = factory.Sequence(lambda n: f"{10000 + n}")
    family_name = "試験"
    given_name = factory.Sequence(lambda n: f"職員{n}")
    # Unique on the deployment, also for the same staff number in two towns.
    email = factory.LazyAttribute(
        lambda o: (
            f"staff{o.staff_number}@example.jp"
            if o.organization is None or o.organization.code == "TEST"
            else f"staff{o.staff_number}@{o.organization.code.lower()}.example.jp"
        )
    )
    password = factory.django.Password("correct-horse-battery")


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = Membership

    department = factory.SubFactory(DepartmentFactory)
    user = factory.SubFactory(
        UserFactory, organization=factory.SelfAttribute("..department.organization")
    )
    # A position of the department's own town.
    position = factory.SubFactory(
        PositionFactory, organization=factory.SelfAttribute("..department.organization")
    )
    valid_from = datetime.date(2000, 4, 1)
    valid_to = None
    is_primary = True

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        """A person given their first post joins its town's roster (a post is always in
        the person's own town, ``Membership.clean``); one who has posts stays where
        they are."""
        user, department = kwargs["user"], kwargs["department"]
        if (
            user.organization_id != department.organization_id
            and not Membership.objects.filter(user=user).exists()
        ):
            user.organization = department.organization
            User.objects.filter(pk=user.pk).update(organization=department.organization)
        return super()._create(model_class, *args, **kwargs)


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
