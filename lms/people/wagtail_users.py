"""Wagtail's user screens, fitted to staff numbers and Japanese names.

Wagtail's own forms assume ``first_name``/``last_name``; ours are
``family_name``/``given_name`` (姓・名) with kana. The groups chosen on the
add and edit screens, and those given by the bulk "assign role" action, are
saved by ``person_roles_set``/``person_roles_add``: audited with who saved them.
"""

from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.users.forms import UserCreationForm, UserEditForm
from wagtail.users.views import users
from wagtail.users.views.bulk_actions.assign_role import AssignRoleBulkAction
from wagtail.users.views.users import UserViewSet

from lms.audit import Actor
from lms.models import User
from lms.people.roles import person_roles_add, person_roles_set

NAME_FIELDS = ["family_name", "given_name", "family_name_kana", "given_name_kana"]


class StaffNameFieldsMixin(forms.Form):
    first_name = None
    last_name = None
    family_name = forms.CharField(label=_("family name"), max_length=64)
    given_name = forms.CharField(label=_("given name"), max_length=64, required=False)
    family_name_kana = forms.CharField(label=_("family name (kana)"), max_length=64, required=False)
    given_name_kana = forms.CharField(label=_("given name (kana)"), max_length=64, required=False)


class AuditedGroupsMixin:
    """The form's groups are saved by ``person_roles_set``, with the actor the view gives."""

    def __init__(self, *args, actor: Actor | None = None, **kwargs):
        self.actor = actor or Actor()
        super().__init__(*args, **kwargs)

    def _save_m2m(self):
        groups = self.cleaned_data.pop("groups", None)
        try:
            super()._save_m2m()  # everything else the form holds
        finally:
            if groups is not None:
                self.cleaned_data["groups"] = groups
        if groups is not None:
            person_roles_set(user=self.instance, groups=groups, actor=self.actor)


class StaffUserCreationForm(AuditedGroupsMixin, StaffNameFieldsMixin, UserCreationForm):
    class Meta(UserCreationForm.Meta):
        model = User
        fields = ["staff_number", "email", *NAME_FIELDS, "is_superuser", "groups"]


class StaffUserEditForm(AuditedGroupsMixin, StaffNameFieldsMixin, UserEditForm):
    class Meta(UserEditForm.Meta):
        model = User
        fields = ["staff_number", "email", *NAME_FIELDS, "is_active", "is_superuser", "groups"]


class ActorFormMixin:
    """Hands the form who is saving it, and from where."""

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "actor": Actor.of(self.request)}


class StaffUserCreateView(ActorFormMixin, users.CreateView):
    pass


class StaffUserEditView(ActorFormMixin, users.EditView):
    pass


class StaffUserViewSet(UserViewSet):
    add_view_class = StaffUserCreateView
    edit_view_class = StaffUserEditView

    def get_form_class(self, for_update=False):
        return StaffUserEditForm if for_update else StaffUserCreationForm


class AuditedAssignRoleBulkAction(AssignRoleBulkAction):
    """Wagtail's "assign role" to several users at once, one audited change per user."""

    def get_execution_context(self):
        return {**super().get_execution_context(), "actor": Actor.of(self.request)}

    @classmethod
    def execute_action(cls, objects, role=None, actor=None, **kwargs):
        if role is None:
            return None
        for user in objects:
            person_roles_add(user=user, groups=[role], actor=actor or Actor())
        return len(objects), 0
