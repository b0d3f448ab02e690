"""Who must take which track, and by when (TrackAssignment rules)."""

import datetime

from courses.fiscal import fiscal_year_of
from lms.models import Membership, TrackAssignment
from lms.people.posts import memberships_on


def assignment_applies(assignment: TrackAssignment, memberships: list[Membership]) -> bool:
    """Whether one of ``memberships`` falls in the assignment's audience.

    Expects ``departments`` and ``positions`` prefetched.
    """
    if assignment.applies_to_all:
        return any(m.department.organization_id == assignment.organization_id for m in memberships)
    department_paths = [d.path for d in assignment.departments.all()]
    position_ids = {p.id for p in assignment.positions.all()}
    if not department_paths and not position_ids:
        return False
    for membership in memberships:
        if membership.department.organization_id != assignment.organization_id:
            continue
        in_department = not department_paths or any(
            membership.department.path.startswith(path) for path in department_paths
        )
        in_position = not position_ids or membership.position_id in position_ids
        if in_department and in_position:
            return True
    return False


def assigned_tracks(*, user, day: datetime.date, memberships=None) -> dict[int, datetime.date]:
    """Track ids the user must take in the fiscal year of ``day``, with the earliest due date.

    Four queries: memberships (unless given), assignments, their departments and positions.
    """
    if memberships is None:
        memberships = memberships_on(user=user, day=day)
    if not memberships:
        return {}
    organization_ids = {m.department.organization_id for m in memberships}
    assignments = (
        TrackAssignment.objects.for_fiscal_year(fiscal_year_of(day))
        .filter(organization_id__in=organization_ids)
        .prefetch_related("departments", "positions")
    )
    due: dict[int, datetime.date] = {}
    for assignment in assignments:
        if assignment_applies(assignment, memberships):
            current = due.get(assignment.track_id)
            due[assignment.track_id] = (
                min(current, assignment.due_date) if current else assignment.due_date
            )
    return due
