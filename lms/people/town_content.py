"""Pages, documents and images per town: Wagtail's permission policies, limited to the
editor's towns (docs/security.md, "Pages, documents and images per town").

Page permissions stay where Wagtail keeps them: ``GroupPagePermission`` rows on the role
groups (IT policy on every learning home, ``setup_authoring``) and on each track's editors'
group. The groups are shared by every town, so a row alone would let IT policy of one town
edit another town's pages. ``TownPagePermissionPolicy`` counts only the rows on pages of the
editor's towns (``organization_ids_administered_by``; the pages, ``lms.towns``): within a
town the roles work exactly as the rows say, outside it they give nothing. Every page screen
of Wagtail (the explorer, the editor, publish, move, delete, copy, history, the workflow
actions, the admin API) asks the policy registered for pages, so one policy keeps them all.

Documents and images likewise: each town has its own collection (``Organization.collection``,
under the root collection), the author groups hold their ``GroupCollectionPermission`` rows
on each town's collection, and ``TownCollectionOwnershipPermissionPolicy`` counts only the
rows on collections of the editor's towns: one town's authors neither list, choose nor
upload into another town's collection.

A superuser (the platform operator) keeps Wagtail's meaning: every page and collection.
A library shared by every town would be one more tree OR-ed into the towns' filters.
"""

from django.db.models import CharField, F, Q, Value
from django.http import Http404
from wagtail.documents import get_document_model, get_document_model_string
from wagtail.images import get_image_model
from wagtail.models import Page
from wagtail.permission_policies.collections import CollectionOwnershipPermissionPolicy
from wagtail.permission_policies.pages import PagePermissionPolicy

from courses.fiscal import local_today
from lms.models import Membership, Organization
from lms.people.permissions import organization_ids_administered_by
from lms.towns import collections_of_towns_q, pages_of_towns_q, town_roots


def _editors_towns(user):
    return organization_ids_administered_by(user, day=local_today())


class TownPagePermissionPolicy(PagePermissionPolicy):
    """Wagtail's page policy, counting only the page permissions on the editor's towns'
    pages (the rows of a shared group on another town's home give nothing)."""

    def get_all_permissions_for_user(self, user):
        permissions = super().get_all_permissions_for_user(user)
        if not user.is_active or user.is_anonymous or user.is_superuser:
            return permissions
        return permissions.filter(pages_of_towns_q(_editors_towns(user), path_field="page__path"))

    def users_with_any_permission_for_instance(self, actions, instance, include_superusers=True):
        """Those who may act on ``instance``: with the rows on its ancestors, and a post in
        the town whose learning home it is under (for moderation mail and lists)."""
        users = super().users_with_any_permission_for_instance(
            actions, instance, include_superusers
        )
        towns = (
            town_roots(Organization.objects.values("pk"))
            .annotate(page_path=Value(instance.path, output_field=CharField()))
            .filter(root_path__isnull=False, page_path__startswith=F("root_path"))
        )
        in_town = Membership.objects.active_on(local_today()).filter(
            department__organization_id__in=towns.values("pk")
        )
        scope = Q(pk__in=in_town.values("user_id"))
        if include_superusers:
            scope |= Q(is_superuser=True)
        return users.filter(scope)


class TownCollectionOwnershipPermissionPolicy(CollectionOwnershipPermissionPolicy):
    """Wagtail's policy for documents and images, counting only the collection permissions
    on the editor's towns' collections."""

    def get_all_permissions_for_user(self, user):
        permissions = super().get_all_permissions_for_user(user)
        if not user.is_active or user.is_anonymous or user.is_superuser:
            return permissions
        return permissions.filter(
            collections_of_towns_q(_editors_towns(user), path_field="collection__path")
        )


def town_permission_policies():
    """(model, policy) for pages, documents and images, registered by lms/wagtail_hooks.py."""
    return [
        (Page, TownPagePermissionPolicy(Page)),
        (
            get_document_model(),
            TownCollectionOwnershipPermissionPolicy(
                get_document_model_string(),
                auth_model="wagtaildocs.Document",
                owner_field_name="uploaded_by_user",
            ),
        ),
        (
            get_image_model(),
            TownCollectionOwnershipPermissionPolicy(
                get_image_model(),
                auth_model="wagtailimages.Image",
                owner_field_name="uploaded_by_user",
            ),
        ),
    ]


class NamesOnlyWhatItActsOn:
    """A Wagtail bulk action (pages, documents, images, snippets) whose confirmation page
    names only the items it will act on. Wagtail lists the others by title ("you do not
    have permission to …"), so an editor who put another town's page ids, or a skill check's
    question ids, in the address read their titles (found by the hostile review). Those ids
    are now not found, as on every screen of one item; with none left, the page is a 404."""

    def get_actionable_objects(self):
        objects, _refused = super().get_actionable_objects()
        if not objects:
            raise Http404
        return objects, {"items_with_no_access": []}


def bulk_actions_naming_only_what_they_act_on():
    """Wagtail's own bulk actions for pages, documents, images and snippets, each with
    ``NamesOnlyWhatItActsOn``; registered after Wagtail's (lms/wagtail_hooks.py), so they
    take their places."""
    from wagtail.admin.views.pages import bulk_actions as pages
    from wagtail.documents.views import bulk_actions as documents
    from wagtail.images.views import bulk_actions as images
    from wagtail.snippets.bulk_actions.delete import DeleteBulkAction as SnippetDelete

    wagtails = [
        pages.DeleteBulkAction,
        pages.MoveBulkAction,
        pages.PublishBulkAction,
        pages.UnpublishBulkAction,
        documents.AddTagsBulkAction,
        documents.AddToCollectionBulkAction,
        documents.DeleteBulkAction,
        images.AddTagsBulkAction,
        images.AddToCollectionBulkAction,
        images.DeleteBulkAction,
        SnippetDelete,
    ]
    return [
        type(action.__name__, (NamesOnlyWhatItActsOn, action), {"__module__": __name__})
        for action in wagtails
    ]
