"""Wagtail's user screens, fitted to staff numbers, Japanese names and the grants.

Wagtail's own forms assume ``first_name``/``last_name``; ours are
``family_name``/``given_name`` (姓・名) with kana. Each screen shows only what the
editor may change (``lms.people.grants``): the superuser and active flags, the e-mail
address and the groups are removed, disabled or narrowed to what the grants allow, and
whatever a tampered POST still carries is ignored (a removed or disabled field) or refused
with a form error (a group not offered). No screen sets a password: the owner chooses it
through the reset link an editor may send them. Roles and flags are saved by
``person_access_set``, which checks the grants again and audits with who saved them.
Accounts are never deleted here (they are deactivated; the audit log names them).

Each town sees only its own people (``people_listed_for``): the listing, the editor and
the reset link of another town's person are not found (404). A staff number is unique
within the town (``User.organization``), and a new person joins the editor's town (the
platform operator chooses one, or none for another operator).
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from wagtail.admin.views.generic.usage import UsageView
from wagtail.users.forms import UserCreationForm, UserEditForm
from wagtail.users.views import users
from wagtail.users.views.bulk_actions.assign_role import AssignRoleBulkAction
from wagtail.users.views.bulk_actions.delete import DeleteBulkAction
from wagtail.users.views.bulk_actions.set_active_state import SetActiveStateBulkAction
from wagtail.users.views.users import UserViewSet

from lms.audit import Actor
from lms.models import Organization, User
from lms.models.people import STAFF_NUMBER_TAKEN, normalize_staff_number
from lms.people.grants import (
    GrantRefused,
    account_grants,
    grants_to_anyone,
    group_labels,
    person_access_set,
    person_password_reset_send,
)
from lms.people.permissions import people_listed_for

NAME_FIELDS = ["family_name", "given_name", "family_name_kana", "given_name_kana"]
FLAGS = ("is_active", "is_superuser")


class StaffNameFieldsMixin(forms.Form):
    first_name = None
    last_name = None
    family_name = forms.CharField(label=gettext_lazy("family name"), max_length=64)
    given_name = forms.CharField(label=gettext_lazy("given name"), max_length=64, required=False)
    family_name_kana = forms.CharField(
        label=gettext_lazy("family name (kana)"), max_length=64, required=False
    )
    given_name_kana = forms.CharField(
        label=gettext_lazy("given name (kana)"), max_length=64, required=False
    )


class GrantedAccessMixin(forms.Form):
    """Only what the editor may change; roles and flags saved by ``person_access_set``."""

    password_enabled = False  # nobody sets another person's password here (nor their own)
    is_active = forms.BooleanField(
        label=gettext_lazy("active"),
        required=False,
        help_text=gettext_lazy("Unticked, the person can no longer sign in."),
    )

    def __init__(self, *args, actor: Actor | None = None, **kwargs):
        self.actor = actor or Actor()
        super().__init__(*args, **kwargs)
        self.grants = account_grants(self.actor.user, self.instance)
        for flag in FLAGS:
            if flag in self.fields and not getattr(self.grants, flag.removeprefix("is_")):
                del self.fields[flag]
            elif flag in self.fields:
                self.fields[flag].initial = getattr(self.instance, flag)
        if self.instance.pk and not self.grants.contact:
            self.fields["email"].disabled = True
        if self.instance.pk is None:
            self._choose_town()
        groups = self.fields["groups"]
        groups.queryset = self.grants.groups()
        kept = self._kept_groups()
        if kept:
            groups.help_text = _("Roles you cannot change here: %(roles)s") % {
                "roles": group_labels(kept)
            }

    def _choose_town(self):
        """A new person joins the editor's town; the operator picks one (or none)."""
        editor = self.actor.user
        if editor is not None and editor.is_superuser:
            self.fields["organization"] = forms.ModelChoiceField(
                label=pgettext_lazy("person", "organisation"),
                queryset=Organization.objects.order_by("code"),
                required=False,
                empty_label=_("None (a platform operator)"),
                help_text=_("The town whose staff roster holds this person."),
                initial=editor.organization_id,
            )
        else:
            self.instance.organization_id = getattr(editor, "organization_id", None)

    def _town_id(self):
        if "organization" not in self.fields:
            return self.instance.organization_id
        if self.add_prefix("organization") not in self.data:
            # Not on the page that was sent (an older screen, a script): the operator's own
            # town, as the list preselects it; an operator without a town has none.
            return getattr(self.actor.user, "organization_id", None)
        town = self.cleaned_data.get("organization")
        return None if town is None else town.pk

    def _clean_username(self):
        """The staff number is unique within the person's town (Wagtail's own check is
        across the deployment, where numbers repeat between towns)."""
        if "staff_number" not in self.cleaned_data:
            return None
        number = normalize_staff_number(self.cleaned_data["staff_number"])
        self.cleaned_data["staff_number"] = number
        if self.instance.pk is None:
            if "organization" in self.fields:
                self.instance.organization_id = self._town_id()
                if self._town_id() is None and not self.cleaned_data.get("is_superuser"):
                    self.add_error(
                        "organization",
                        _(
                            "Choose the organisation whose roster holds this person "
                            "(only a platform operator has none)."
                        ),
                    )
            elif self.instance.organization_id is None:
                self.add_error(
                    None,
                    _(
                        "You are on no organisation's roster, so you cannot add people here. "
                        "Ask the platform operator."
                    ),
                )
                return number
        taken = User.objects.filter(staff_number=number, organization_id=self._town_id())
        if self.instance.pk is not None:
            taken = taken.exclude(pk=self.instance.pk)
        if taken.exists():
            self.add_error("staff_number", forms.ValidationError(STAFF_NUMBER_TAKEN))
        return number

    def _kept_groups(self):
        if not self.instance.pk:
            return []
        held = self.instance.groups.order_by("name")
        return [group for group in held if not self.grants.may_change_group(group.name)]

    def save(self, commit=True):
        user = super().save(commit=False)
        if not user.pk:
            user.set_unusable_password()  # its owner chooses one through a reset link
        if commit:
            user.save()
            self.save_m2m()
        return user

    def _save_m2m(self):
        groups = self.cleaned_data.pop("groups", None)
        try:
            super()._save_m2m()  # everything else the form holds
        finally:
            if groups is not None:
                self.cleaned_data["groups"] = groups
        person_access_set(
            user=self.instance,
            actor=self.actor,
            groups=None if groups is None else {*self._kept_groups(), *groups},
            **{flag: self.cleaned_data[flag] for flag in FLAGS if flag in self.fields},
        )


class StaffUserCreationForm(GrantedAccessMixin, StaffNameFieldsMixin, UserCreationForm):
    is_active = None  # a new account is active

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ["staff_number", "email", *NAME_FIELDS, "groups"]


class StaffUserEditForm(GrantedAccessMixin, StaffNameFieldsMixin, UserEditForm):
    class Meta(UserEditForm.Meta):
        model = User
        fields = ["staff_number", "email", *NAME_FIELDS, "groups"]


class ActorFormMixin:
    """Hands the form who is saving it, and from where."""

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "actor": Actor.of(self.request)}


class StaffUserIndexView(users.IndexView):
    def get_base_queryset(self):
        return super().get_base_queryset() & people_listed_for(self.request.user)

    def get_delete_url(self, instance):
        return None


class StaffUserCreateView(ActorFormMixin, users.CreateView):
    pass


class StaffUserEditView(ActorFormMixin, users.EditView):
    def get_queryset(self):
        return people_listed_for(self.request.user)  # another town's person: 404

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.can_delete = False

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if account_grants(self.request.user, self.object).reset_link:
            context["password_reset_url"] = reverse("person_password_reset", args=[self.object.pk])
        return context


class OwnTownPersonMixin:
    """A view of one account: another town's person is not found (``people_listed_for``)."""

    def get_base_object_queryset(self):
        return people_listed_for(self.request.user)


class StaffUserHistoryView(OwnTownPersonMixin, users.HistoryView):
    pass


class StaffUserUsageView(OwnTownPersonMixin, UsageView):
    pass


class StaffUserDeleteView(users.DeleteView):
    def dispatch(self, request, *args, **kwargs):
        raise PermissionDenied  # accounts are deactivated, never deleted


class StaffUserViewSet(UserViewSet):
    copy_view_enabled = False  # a copy would carry someone's roles past the grants
    index_view_class = StaffUserIndexView
    add_view_class = StaffUserCreateView
    edit_view_class = StaffUserEditView
    delete_view_class = StaffUserDeleteView
    history_view_class = StaffUserHistoryView
    usage_view_class = StaffUserUsageView

    def get_form_class(self, for_update=False):
        return StaffUserEditForm if for_update else StaffUserCreationForm


def person_password_reset(request, user_id: int):
    """Ask, then send ``user_id`` allauth's password reset link (who may: the grants)."""
    subject = get_object_or_404(people_listed_for(request.user), pk=user_id)
    if not account_grants(request.user, subject).reset_link:
        raise PermissionDenied
    if request.method != "POST":
        return TemplateResponse(
            request, "lms/admin/password_reset_confirm.html", {"subject": subject}
        )
    try:
        person_password_reset_send(user=subject, actor=Actor.of(request), request=request)
    except GrantRefused as refusal:
        messages.error(request, str(refusal.args[0]))
    else:
        messages.success(
            request,
            _("A password reset link has been sent to %(email)s.") % {"email": subject.email},
        )
    return redirect("wagtailusers_users:edit", subject.pk)


class OwnTownPeopleBulkMixin:
    """A bulk action on accounts acts on, and names, the editor's own town's people only
    (``people_listed_for``): ids of another town's people are not found, as in the editor."""

    def get_actionable_objects(self):
        listed = people_listed_for(self.request.user)
        ids = self.request.GET.getlist("id")
        if "all" in ids:
            people = listed
        else:
            people = listed.filter(pk__in=[int(i) for i in ids if i.isdigit() and len(i) < 19])
        people = list(people)
        if not people:
            raise Http404
        objects = [person for person in people if self.check_perm(person)]
        refused = [person for person in people if person not in objects]
        return objects, {"items_with_no_access": refused}


class AuditedAssignRoleBulkAction(OwnTownPeopleBulkMixin, AssignRoleBulkAction):
    """Wagtail's "assign role" to several users at once, within the grants, one audited
    change per user; people the editor may not give roles to are left as they are."""

    def check_perm(self, obj):
        grants = account_grants(self.request.user, obj)
        return super().check_perm(obj) and (grants.any_group or bool(grants.kinds))

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        form.fields["role"].queryset = grants_to_anyone(self.request.user).groups()
        return form

    def get_execution_context(self):
        return {**super().get_execution_context(), "actor": Actor.of(self.request)}

    @classmethod
    def execute_action(cls, objects, role=None, actor=None, **kwargs):
        if role is None:
            return 0, 0
        done = 0
        for user in objects:
            try:
                person_access_set(user=user, actor=actor, groups={*user.groups.all(), role})
            except GrantRefused:
                continue
            done += 1
        return done, 0


class AuditedSetActiveStateBulkAction(OwnTownPeopleBulkMixin, SetActiveStateBulkAction):
    """Wagtail's "set active state", within the grants, audited per user."""

    def check_perm(self, obj):
        return super().check_perm(obj) and account_grants(self.request.user, obj).active

    def get_execution_context(self):
        return {**super().get_execution_context(), "actor": Actor.of(self.request)}

    @classmethod
    def execute_action(cls, objects, mark_as_active=False, actor=None, **kwargs):
        done = 0
        for user in objects:
            try:
                person_access_set(user=user, actor=actor, is_active=mark_as_active)
            except GrantRefused:
                continue
            done += 1
        return done, 0


class NoDeleteBulkAction(OwnTownPeopleBulkMixin, DeleteBulkAction):
    """Accounts are deactivated, never deleted: the audit log refers to them."""

    def check_perm(self, obj):
        return False
