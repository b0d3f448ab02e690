import allauth.mfa.admin  # registers allauth's admin first, so it can be replaced below
from allauth.mfa.models import Authenticator
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from lms.models import (
    AuditEvent,
    Department,
    Membership,
    Organization,
    Position,
    ReportRun,
    TrackAssignment,
    User,
)
from lms.people.membership_forms import OnePrimaryPostFormSet


class MembershipInline(admin.TabularInline):
    model = Membership
    formset = OnePrimaryPostFormSet  # one primary post a day, across the rows being edited
    extra = 0
    autocomplete_fields = ["department", "position"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["staff_number"]
    list_display = ["staff_number", "family_name", "given_name", "email", "is_active"]
    list_filter = ["is_active", "is_staff", "groups"]
    search_fields = ["staff_number", "family_name", "given_name", "family_name_kana", "email"]
    inlines = [MembershipInline]
    fieldsets = [
        (None, {"fields": ["staff_number", "password"]}),
        (
            _("Personal info"),
            {
                "fields": [
                    "family_name",
                    "given_name",
                    "family_name_kana",
                    "given_name_kana",
                    "email",
                ]
            },
        ),
        (
            _("Roles and permissions"),
            {"fields": ["is_active", "is_staff", "is_superuser", "groups"]},
        ),
        (_("Important dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": [
                    "staff_number",
                    "family_name",
                    "given_name",
                    "email",
                    "password1",
                    "password2",
                ],
            },
        ),
    ]


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "level", "parent", "organization"]
    list_filter = ["organization", "level"]
    search_fields = ["name", "code"]
    list_select_related = ["parent", "organization"]


@admin.register(Position)
class PositionAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "rank"]
    search_fields = ["name", "code"]


@admin.register(TrackAssignment)
class TrackAssignmentAdmin(admin.ModelAdmin):
    list_display = ["track", "fiscal_year", "due_date", "applies_to_all"]
    list_filter = ["fiscal_year", "organization"]
    filter_horizontal = ["departments", "positions"]
    list_select_related = ["track"]


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["occurred_at", "actor", "action", "subject", "ip_address"]
    list_filter = ["action"]
    list_select_related = ["actor", "subject"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ReportRun)
class ReportRunAdmin(admin.ModelAdmin):
    list_display = ["__str__", "organization", "status", "trigger", "row_count", "created_at"]
    list_filter = ["kind", "status", "fiscal_year"]
    readonly_fields = [f.name for f in ReportRun._meta.fields]

    def has_add_permission(self, request):
        return False


class AuditedAuthenticatorAdmin(allauth.mfa.admin.AuthenticatorAdmin):
    """Allauth's admin for two-factor devices; removing one (a lost phone) is audited."""

    def _audit_removal(self, request, authenticator):
        from lms.audit import audit_record

        audit_record(
            request=request,
            action=AuditEvent.Action.MFA_REMOVED,
            actor=request.user,
            subject=authenticator.user,
            kind=authenticator.type,
            via="admin",
        )

    def delete_model(self, request, obj):
        self._audit_removal(request, obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for authenticator in queryset.select_related("user"):
            self._audit_removal(request, authenticator)
        super().delete_queryset(request, queryset)


admin.site.unregister(Authenticator)
admin.site.register(Authenticator, AuditedAuthenticatorAdmin)
