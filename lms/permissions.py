"""Who may see whose data. Every view that shows a person's data asks here.

The rules (DESIGN §3): everyone sees their own; a department head sees the
members of the departments they head (with sub-departments) as of today; HR
and site administrators see everyone in their organisations.
"""

import datetime

from django.db.models import Q

from .models import Membership
from .roles import Role, user_has_role


def can_view_progress_of(viewer, subject, *, day: datetime.date) -> bool:
    if not viewer.is_authenticated or not viewer.is_active:
        return False
    if viewer.pk == subject.pk:
        return True
    if viewer.is_superuser:
        return True
    viewer_posts = list(
        Membership.objects.active_on(day)
        .filter(user=viewer)
        .values_list("department__organization_id", "department__path")
    )
    if not viewer_posts:
        return False
    subject_posts = Membership.objects.active_on(day).filter(user=subject)
    if user_has_role(viewer, Role.HR) or user_has_role(viewer, Role.ADMIN):
        organizations = {organization_id for organization_id, _ in viewer_posts}
        return subject_posts.filter(department__organization_id__in=organizations).exists()
    if user_has_role(viewer, Role.DEPT_HEAD):
        headed = Q(pk__in=[])
        for organization_id, path in viewer_posts:
            headed |= Q(
                department__organization_id=organization_id, department__path__startswith=path
            )
        return subject_posts.filter(headed).exists()
    return False
