"""Volunteering (手挙げ) and endorsement (所属長推薦) of DX promotion leader candidates."""

from django.db import transaction

from lms.models import LeaderNomination


@transaction.atomic
def leader_volunteer(*, user, volunteer: bool, fiscal_year: int) -> None:
    """Staff opt in (手挙げ) or out as DX promotion leader candidates for the year."""
    existing = LeaderNomination.objects.filter(
        user=user, kind=LeaderNomination.Kind.SELF, fiscal_year=fiscal_year
    )
    if volunteer:
        LeaderNomination.objects.get_or_create(
            user=user, kind=LeaderNomination.Kind.SELF, fiscal_year=fiscal_year
        )
    else:
        existing.delete()


@transaction.atomic
def leader_endorse(*, head, member, endorse: bool, fiscal_year: int) -> None:
    """A department head endorses (所属長推薦) a member of their department."""
    if endorse:
        LeaderNomination.objects.get_or_create(
            user=member,
            kind=LeaderNomination.Kind.ENDORSEMENT,
            fiscal_year=fiscal_year,
            defaults={"endorsed_by": head},
        )
    else:
        LeaderNomination.objects.filter(
            user=member, kind=LeaderNomination.Kind.ENDORSEMENT, fiscal_year=fiscal_year
        ).delete()
