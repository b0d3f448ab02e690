"""Which pages and which people belong to which towns.

A town's learning home is the root page of its own Wagtail Site (``Organization.site``);
a town without a site (a single-town instance) has the default site's. A town's tracks
are the TrackPages under its learning home, and only those are shown to its staff
(マイページ) and offered to its HR (the track-assignment form, the criteria's track).

``courses`` and ``assessments`` know nothing of towns: the town → page-subtree and town
→ people decisions are made here, in lms, and handed down as a ``Q`` over page paths or
a queryset of user ids (the admin reports get them through Wagtail hooks registered in
``lms/wagtail_hooks.py``). A library of tracks shared by every town would be one more
root path returned by ``town_root_paths``.
"""

from django.db.models import Q, Subquery
from django.db.models.functions import Coalesce
from wagtail.models import Site

from courses.models import TrackPage
from lms.models import Membership, Organization


def town_root_paths(organization_ids) -> list[str]:
    """Tree paths of the learning homes of the towns ``organization_ids`` (ids, or a
    subquery of ids). One query."""
    default_root = Site.objects.filter(is_default_site=True).values("root_page__path")[:1]
    paths = (
        Organization.objects.filter(pk__in=organization_ids)
        .annotate(root_path=Coalesce("site__root_page__path", Subquery(default_root)))
        .filter(root_path__isnull=False)
        .values_list("root_path", flat=True)
    )
    return sorted(set(paths))


def pages_of_towns_q(organization_ids) -> Q:
    """A filter for any page queryset: the towns' learning homes and everything under
    them. Matches nothing when there is no town."""
    paths = town_root_paths(organization_ids)
    if not paths:
        return Q(pk__in=[])
    q = Q()
    for path in paths:
        q |= Q(path__startswith=path)
    return q


def tracks_of_towns(organization_ids):
    """The TrackPages of the towns (drafts included; callers add ``.live()``)."""
    return TrackPage.objects.filter(pages_of_towns_q(organization_ids))


def people_of_towns(organization_ids):
    """Ids of everyone who holds or held a post in the towns, as a subquery."""
    return Membership.objects.filter(department__organization_id__in=organization_ids).values(
        "user_id"
    )
