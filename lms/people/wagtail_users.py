"""Wagtail's user screens, fitted to staff numbers and Japanese names.

Wagtail's own forms assume ``first_name``/``last_name``; ours are
``family_name``/``given_name`` (姓・名) with kana.
"""

from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.users.forms import UserCreationForm, UserEditForm
from wagtail.users.views.users import UserViewSet

from lms.models import User

NAME_FIELDS = ["family_name", "given_name", "family_name_kana", "given_name_kana"]


class StaffNameFieldsMixin(forms.Form):
    first_name = None
    last_name = None
    family_name = forms.CharField(label=_("family name"), max_length=64)
    given_name = forms.CharField(label=_("given name"), max_length=64, required=False)
    family_name_kana = forms.CharField(label=_("family name (kana)"), max_length=64, required=False)
    given_name_kana = forms.CharField(label=_("given name (kana)"), max_length=64, required=False)


class StaffUserCreationForm(StaffNameFieldsMixin, UserCreationForm):
    class Meta(UserCreationForm.Meta):
        model = User
        fields = ["staff_number", "email", *NAME_FIELDS, "is_superuser", "groups"]


class StaffUserEditForm(StaffNameFieldsMixin, UserEditForm):
    class Meta(UserEditForm.Meta):
        model = User
        fields = ["staff_number", "email", *NAME_FIELDS, "is_active", "is_superuser", "groups"]


class StaffUserViewSet(UserViewSet):
    def get_form_class(self, for_update=False):
        return StaffUserEditForm if for_update else StaffUserCreationForm
