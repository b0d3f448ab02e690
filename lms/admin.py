import allauth.mfa.admin  # registers allauth's admin first, so it can be replaced below
from allauth.mfa.models import Authenticator
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from lms.audit import Actor
from lms.models import AuditEvent, Membership, Organization, ReportRun, User

# Departments, positions, track assignments and the audit log have one admin screen
# each, in the Wagtail admin (研修管理, lms/wagtail_hooks.py); none here.
from lms.people.membership_forms import OnePrimaryPostFormSet
from lms.people.roles import person_roles_set


class MembershipInline(admin.TabularInline):
    """A person's posts. Department and position are chosen from plain lists (in the
    models' order: by organisation and tree, by rank), as neither has a screen here."""

    model = Membership
    formset = OnePrimaryPostFormSet  # one primary post a day, across the rows being edited
    extra = 0


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

    def save_related(self, request, form, formsets, change):
        """The groups go through ``person_roles_set``: audited with the actor, once."""
        groups = form.cleaned_data.pop("groups", None)
        try:
            super().save_related(request, form, formsets, change)
        finally:
            if groups is not None:
                form.cleaned_data["groups"] = groups
        if groups is not None:
            person_roles_set(user=form.instance, groups=groups, actor=Actor.of(request))

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


@admin.register(ReportRun)
class ReportRunAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "organization",
        "status",
        "dispatch",
        "trigger",
        "row_count",
        "created_at",
    ]
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
