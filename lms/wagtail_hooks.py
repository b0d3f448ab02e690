"""研修管理 (training administration) in the Wagtail admin, for HR:
departments, positions, track assignments, and the staff list import/export.

Also who may do what in Wagtail's own screens: the audit log is read-only for everyone
(superusers included), groups are the platform operator's (a group's permissions reach
every town), and the user screens' bulk actions follow the grants (lms.people.grants).
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.generic import IndexView
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permission_policies.base import BasePermissionPolicy
from wagtail.permissions import register_permission_policy

from lms.models import AuditEvent, Department, Position, TrackAssignment
from lms.people import roster_views
from lms.people.permissions import is_hr
from lms.people.wagtail_users import (
    AuditedAssignRoleBulkAction,
    AuditedSetActiveStateBulkAction,
    NoDeleteBulkAction,
    person_password_reset,
)
from lms.spreadsheets import safe_cell

TRAINING_MENU_HOOK = "register_training_admin_menu_item"


class ViewOnlyPermissionPolicy(ModelPermissionPolicy):
    """Only "view", for whoever holds the view permission: nobody adds, changes, copies or
    deletes, superusers included."""

    def user_has_permission(self, user, action):
        return action == "view" and super().user_has_permission(user, action)

    def users_with_any_permission(self, actions):
        if "view" not in actions:
            return get_user_model().objects.none()
        return super().users_with_any_permission(["view"])


class OperatorOnlyPermissionPolicy(BasePermissionPolicy):
    """Everything for active superusers (the platform operator), nothing for anyone else,
    whatever permissions they were given."""

    def user_has_permission(self, user, action):
        return user.is_active and user.is_superuser

    def users_with_any_permission(self, actions):
        return get_user_model().objects.filter(is_active=True, is_superuser=True)


# Registered before any screen asks Wagtail for these models' policies.
register_permission_policy(AuditEvent, ViewOnlyPermissionPolicy(AuditEvent))
register_permission_policy(Group, OperatorOnlyPermissionPolicy(Group))


class ExcelFriendlyIndexView(IndexView):
    """Wagtail's listing export, fixed for Excel in Japanese offices: a BOM, and no formulas."""

    def stream_csv(self, queryset):
        yield "\ufeff"
        yield from super().stream_csv(queryset)

    def to_row_dict(self, item):
        return {key: safe_cell(value) for key, value in super().to_row_dict(item).items()}


class DepartmentViewSet(ModelViewSet):
    index_view_class = ExcelFriendlyIndexView
    model = Department
    icon = "group"
    form_fields = ["organization", "parent", "code", "name", "level", "sort_order"]
    list_display = ["name", "code", "level", "parent", "organization"]
    list_filter = ["organization", "level"]
    search_fields = ["name", "code"]
    list_export = ["code", "name", "level", "parent", "organization"]
    export_filename = "departments"


class PositionViewSet(ModelViewSet):
    index_view_class = ExcelFriendlyIndexView
    model = Position
    icon = "tag"
    form_fields = ["code", "name", "rank"]
    list_display = ["name", "code", "rank"]
    search_fields = ["name", "code"]
    list_export = ["code", "name", "rank"]
    export_filename = "positions"


class TrackAssignmentViewSet(ModelViewSet):
    index_view_class = ExcelFriendlyIndexView
    model = TrackAssignment
    icon = "date"
    form_fields = [
        "organization",
        "track",
        "fiscal_year",
        "due_date",
        "applies_to_all",
        "departments",
        "positions",
    ]
    list_display = ["track", "fiscal_year", "due_date", "applies_to_all"]
    list_filter = ["fiscal_year", "organization", "applies_to_all"]
    list_export = ["track", "fiscal_year", "due_date", "applies_to_all"]
    export_filename = "track_assignments"


class DownloadLogViewSet(ModelViewSet):
    """Who downloaded which personal-data report or roster, when, from where (read-only)."""

    model = AuditEvent
    icon = "history"
    menu_label = _("Download log")
    url_prefix = "download-log"
    name = "download_log"
    list_display = ["occurred_at", "actor", "action", "ip_address", "detail"]
    list_filter = ["action"]
    list_per_page = 50
    inspect_view_enabled = True
    # Read-only for everyone (ViewOnlyPermissionPolicy above): Wagtail offers no add, edit,
    # copy or delete, and refuses their URLs; this form is never reachable.
    form_fields = ["action"]

    def get_queryset(self, request):
        return AuditEvent.objects.filter(action__in=DOWNLOAD_ACTIONS).select_related("actor")


DOWNLOAD_ACTIONS = [
    AuditEvent.Action.REPORT_DOWNLOADED,
    AuditEvent.Action.ROSTER_EXPORTED,
    AuditEvent.Action.PERSON_DATA_EXPORTED,
]


class TrainingAdminGroup(ViewSetGroup):
    items = (DepartmentViewSet, PositionViewSet, TrackAssignmentViewSet, DownloadLogViewSet)
    menu_label = _("Training administration")
    menu_name = "training-admin"
    menu_icon = "group"
    menu_order = 260
    submenu_hook = TRAINING_MENU_HOOK


@hooks.register("register_admin_viewset")
def register_training_admin():
    return TrainingAdminGroup()


@hooks.register("register_admin_urls")
def register_roster_urls():
    return [
        path("roster/import/", roster_views.roster_import, name="roster_import"),
        path("roster/export/", roster_views.roster_export, name="roster_export"),
        path(
            "people/<id:user_id>/password-reset/",
            person_password_reset,
            name="person_password_reset",
        ),
    ]


# Replace Wagtail's own user bulk actions (registered before ours, at order 0): "assign
# role" and "set active state" within the grants and audited per user; no "delete".
for _action in (AuditedAssignRoleBulkAction, AuditedSetActiveStateBulkAction, NoDeleteBulkAction):
    hooks.register("register_bulk_action", _action, order=1)


class HROnlyMenuItem(MenuItem):
    def is_shown(self, request):
        return is_hr(request.user)


@hooks.register(TRAINING_MENU_HOOK)
def roster_import_menu_item():
    return HROnlyMenuItem(
        _("Import the staff list"), reverse("roster_import"), icon_name="upload", order=900
    )
