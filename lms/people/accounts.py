"""django-allauth integration: staff sign in by staff number or e-mail; no sign-up."""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.forms import LoginForm
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _

from lms.models.people import normalize_staff_number


class StaffAccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request) -> bool:
        # Accounts come from HR's roster; nobody creates their own.
        return False


class StaffLoginForm(LoginForm):
    """The allauth login form, labelled for staff and tolerant of full-width input.

    The login is at most LOGIN_MAX_LENGTH characters (the longest e-mail address): a longer
    one is refused with a message before any query (on SQLite a 100,000-character login is
    "LIKE or GLOB pattern too complex").
    """

    LOGIN_MAX_LENGTH = 254

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        login = self.fields["login"]
        login.label = _("Staff number or e-mail address")
        login.max_length = self.LOGIN_MAX_LENGTH
        login.validators.append(
            MaxLengthValidator(
                self.LOGIN_MAX_LENGTH,
                message=_(
                    "A staff number or e-mail address has at most %(limit_value)d characters."
                ),
            )
        )
        login.widget.attrs.update(
            {
                "placeholder": "",
                "autocomplete": "username",
                "autocapitalize": "none",
                "maxlength": str(self.LOGIN_MAX_LENGTH),
            }
        )

    def clean_login(self):
        return normalize_staff_number(super().clean_login())
