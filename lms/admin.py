import allauth.mfa.admin  # registers allauth's admin first, so it can be replaced below
import allauth.socialaccount.admin  # likewise, to be taken off below
from allauth.mfa.models import Authenticator
from allauth.socialaccount.models import SocialAccount, SocialApp, SocialToken
from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.db import IntegrityError, transaction
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from wagtail.log_actions import LogContext

from lms.audit import Actor
from lms.models import AuditEvent, Membership, Organization, ReportRun, User
from lms.models.organisation import primary_posts_check_now
from lms.people.grants import GrantRefused, person_access_set, person_password_reset_send

# Departments, positions, track assignments and the audit log have one admin screen
# each, in the Wagtail admin (研修管理, lms/wagtail_hooks.py); none here.
from lms.people.membership_forms import OnePrimaryPostFormSet


class MembershipInline(admin.TabularInline):
    """A person's posts. Department and position are chosen from plain lists (in the
    models' order: by organisation and tree, by rank), as neither has a screen here."""

    model = Membership
    formset = OnePrimaryPostFormSet  # one primary post a day, across the rows being edited
    extra = 0


class StaffCreationForm(forms.ModelForm):
    """A new account, without a password: its owner chooses one through a reset link."""

    class Meta:
        model = User
        fields = ["organization", "staff_number", "family_name", "given_name", "email"]

    def save(self, commit=True):
        user = super().save(commit=False)
        user.set_unusable_password()
        if commit:
            user.save()
        return user


FLAGS = ("is_active", "is_superuser")


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """People, for the platform operator (this admin is theirs alone).

    No password is set here, not even by the operator: the action sends the owner a reset
    link. Roles and the active and superuser flags are saved by ``person_access_set``,
    audited with who saved them; accounts are never deleted (the audit log names them).
    """

    ordering = ["staff_number"]
    list_display = [
        "staff_number",
        "family_name",
        "given_name",
        "email",
        "organization",
        "is_active",
    ]
    list_filter = ["organization", "is_active", "is_superuser", "groups"]
    search_fields = ["staff_number", "family_name", "given_name", "family_name_kana", "email"]
    inlines = [MembershipInline]
    actions = ["send_password_reset"]
    add_form = StaffCreationForm
    add_form_template = None
    fieldsets = [
        (None, {"fields": ["organization", "staff_number"]}),
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
        (_("Roles and permissions"), {"fields": [*FLAGS, "groups"]}),
        (_("Important dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": StaffCreationForm.Meta.fields}),
    ]

    def has_delete_permission(self, request, obj=None):
        return False

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        """The posts formset refuses overlapping 本務 first; should the database still
        refuse the saved state (a post added elsewhere meanwhile), the one-primary-post
        constraint (deferred to commit, migration 0025) is checked here, inside this
        view, and the refusal is a message, never a 500. Nothing is saved then."""
        try:
            with transaction.atomic():
                response = super().changeform_view(request, object_id, form_url, extra_context)
                primary_posts_check_now()
        except IntegrityError:
            messages.error(request, str(PRIMARY_POSTS_CLASH))
            return redirect(request.get_full_path())
        return response

    def get_readonly_fields(self, request, obj=None):
        # Nobody changes their own flags (Wagtail's screens have the same rule).
        own = obj is not None and obj.pk == request.user.pk
        # A person's town is the roster that holds them, chosen when the account is made:
        # their staff number and posts belong to it (``Membership.clean``).
        town = ("organization",) if obj is not None else ()
        return [*super().get_readonly_fields(request, obj), *town, *(FLAGS if own else ())]

    def save_model(self, request, obj, form, change):
        """The flags wait for ``save_related``, which saves them with the groups, audited."""
        form.shinka_flags = {
            flag: form.cleaned_data[flag] for flag in FLAGS if flag in form.cleaned_data
        }
        for flag in form.shinka_flags:
            setattr(obj, flag, form.initial.get(flag, getattr(obj, flag)))
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        """Groups and flags go through ``person_access_set``: checked, audited, once."""
        groups = form.cleaned_data.pop("groups", None)
        try:
            super().save_related(request, form, formsets, change)
        finally:
            if groups is not None:
                form.cleaned_data["groups"] = groups
        person_access_set(
            user=form.instance,
            actor=Actor.of(request),
            groups=groups,
            **getattr(form, "shinka_flags", {}),
        )

    def user_change_password(self, request, id, form_url=""):
        messages.error(request, str(PASSWORDS_ARE_THEIR_OWNERS))
        return redirect("admin:lms_user_change", id)

    @admin.action(description=_("Send a password reset link"))
    def send_password_reset(self, request, queryset):
        sent = 0
        for user in queryset:
            try:
                person_password_reset_send(user=user, actor=Actor.of(request), request=request)
            except GrantRefused as refusal:
                self.message_user(request, f"{user}: {refusal.args[0]}", messages.WARNING)
            else:
                sent += 1
        self.message_user(
            request,
            ngettext(
                "%(count)d password reset link sent.",
                "%(count)d password reset links sent.",
                sent,
            )
            % {"count": sent},
        )


PRIMARY_POSTS_CLASH = _(
    "Nothing was saved: this person would hold two primary posts (本務) on the same "
    "days. Reload the page and end one of them or make it a concurrent post."
)

PASSWORDS_ARE_THEIR_OWNERS = _(
    "Nobody sets another person's password. Send them a password reset link instead "
    "(the action in the list of people)."
)


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "era_display"]
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
    # The job, not the report: its summary and criteria name the town's people (who is
    # overdue, who is a candidate), which the operator does not read (docs/security.md).
    exclude = ReportRun.LARGE_FIELDS
    readonly_fields = [
        f.name for f in ReportRun._meta.fields if f.name not in ReportRun.LARGE_FIELDS
    ]

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


class AuditedGroupAdmin(DjangoGroupAdmin):
    """Deleting a group takes a role from its members: ``lms.signals`` records one
    ROLES_CHANGED per member, attributed to the admin user through the log context."""

    def delete_model(self, request, obj):
        with LogContext(user=request.user):
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        with LogContext(user=request.user):
            super().delete_queryset(request, queryset)


admin.site.unregister(Group)
admin.site.register(Group, AuditedGroupAdmin)


# The towns' identity providers are registered in settings (SHINKA_DIRECTORY, docs/sso.md),
# with their secrets in the environment; directory links are made by the sign-in from the
# roster and no tokens are kept. None of allauth's socialaccount screens is offered.
for _model in (SocialApp, SocialAccount, SocialToken):
    admin.site.unregister(_model)
