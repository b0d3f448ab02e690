"""A person's posts (本務・兼務) on a day, and the organisation they work for."""

import datetime

from lms.models import Membership


def memberships_on(*, user, day: datetime.date) -> list[Membership]:
    """The user's posts on ``day`` (primary first), with department and position: one query."""
    return list(
        Membership.objects.active_on(day)
        .filter(user=user)
        .select_related("department__organization", "position")
        .order_by("-is_primary", "department__sort_order")
    )


def organization_of(user, *, day: datetime.date):
    """The organisation of the user's posts on ``day`` (the primary one first), or None."""
    memberships = memberships_on(user=user, day=day)
    return memberships[0].department.organization if memberships else None
