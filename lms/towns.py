"""Which pages and which people belong to which towns.

A town's learning home is the root page of its own Wagtail Site (``Organization.site``);
a town without a site (a single-town instance) has the default site's. A town's tracks
are the TrackPages under its learning home, and only those are shown to its staff
(マイページ) and offered to its HR (the track-assignment form, the criteria's track).

``courses`` and ``assessments`` know nothing of towns: the town → page-subtree and town
→ people decisions are made here, in lms, and handed down as a ``Q`` over page paths or
a queryset of user ids (the admin reports get them through Wagtail hooks registered in
``lms/wagtail_hooks.py``). A library of tracks shared by every town would be one more
tree OR-ed into ``pages_of_towns_q``. Likewise a town's documents and images are those
in its own collection (``Organization.collection``, ``collections_of_towns_q``).
"""

from django.db.models import CharField, Exists, ExpressionWrapper, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from wagtail.models import Site

from courses.models import TrackPage
from lms.models import Membership, Organization


def town_roots(organization_ids):
    """The towns ``organization_ids`` (ids, or a subquery of ids), each annotated with
    ``root_path``: the tree path of its learning home (its site's root page, else the
    default site's). Used as a subquery; runs no query of its own."""
    default_root = Site.objects.filter(is_default_site=True).values("root_page__path")[:1]
    return Organization.objects.filter(pk__in=organization_ids).annotate(
        root_path=Coalesce("site__root_page__path", Subquery(default_root))
    )


def pages_of_towns_q(organization_ids, *, path_field: str = "path") -> Q:
    """A filter for any page queryset: the towns' learning homes and everything under
    them (an EXISTS over the towns, in the page query itself: no query of its own).
    Matches nothing when there is no town. ``path_field`` names the page's path in the
    filtered model (``page__path`` for Wagtail's ``GroupPagePermission``)."""
    if isinstance(organization_ids, (list, tuple, set, frozenset)) and not organization_ids:
        return Q(pk__in=[])
    under_a_home = (
        town_roots(organization_ids)
        .annotate(page_path=ExpressionWrapper(OuterRef(path_field), output_field=CharField()))
        .filter(root_path__isnull=False, page_path__startswith=F("root_path"))
    )
    return Q(Exists(under_a_home))


def collections_of_towns_q(organization_ids, *, path_field: str = "path") -> Q:
    """A filter for any collection queryset (or, with ``path_field``, for a model with a
    collection, such as ``GroupCollectionPermission``: ``collection__path``): the towns'
    own collections (``Organization.collection``) and those under them. No query of its
    own; matches nothing when there is no town or the town has no collection yet."""
    if isinstance(organization_ids, (list, tuple, set, frozenset)) and not organization_ids:
        return Q(pk__in=[])
    in_a_town = (
        Organization.objects.filter(pk__in=organization_ids, collection__isnull=False)
        .annotate(
            item_path=ExpressionWrapper(OuterRef(path_field), output_field=CharField()),
            town_path=F("collection__path"),
        )
        .filter(item_path__startswith=F("town_path"))
    )
    return Q(Exists(in_a_town))


def towns_of_home(home):
    """The towns whose learning home is ``home`` (its site's root page, or the default
    site's for a town without a site)."""
    return Organization.objects.filter(
        pk__in=town_roots(Organization.objects.values("pk"))
        .filter(root_path=home.path)
        .values("pk")
    )


def tracks_of_towns(organization_ids):
    """The TrackPages of the towns (drafts included; callers add ``.live()``)."""
    return TrackPage.objects.filter(pages_of_towns_q(organization_ids))


def people_of_towns(organization_ids):
    """Ids of everyone who holds or held a post in the towns, as a subquery."""
    return Membership.objects.filter(department__organization_id__in=organization_ids).values(
        "user_id"
    )
