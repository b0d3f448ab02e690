"""django-allauth integration: staff sign in by staff number or e-mail; no sign-up."""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.forms import LoginForm
from django.utils.translation import gettext_lazy as _

from lms.models.people import normalize_staff_number


class StaffAccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request) -> bool:
        # Accounts come from HR's roster; nobody creates their own.
        return False


class StaffLoginForm(LoginForm):
    """The allauth login form, labelled for staff and tolerant of full-width input."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["login"].label = _("Staff number or e-mail address")
        self.fields["login"].widget.attrs.update(
            {"placeholder": "", "autocomplete": "username", "autocapitalize": "none"}
        )

    def clean_login(self):
        return normalize_staff_number(super().clean_login())
