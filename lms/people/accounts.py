"""django-allauth integration: staff sign in by staff number or e-mail; no sign-up."""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.forms import LoginForm
from allauth.account.utils import filter_users_by_email, filter_users_by_username
from django.contrib.sites.shortcuts import get_current_site
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _

from lms.models.people import normalize_staff_number


def account_signing_in(credentials: dict):
    """The one account a sign-in attempt names, by staff number or e-mail; else None.

    Resolved as allauth's backend resolves them: an address by e-mail, anything else
    by staff number.
    """
    login = credentials.get("email") or credentials.get("username") or ""
    if "@" in login:
        users = filter_users_by_email(login)
    else:
        users = list(filter_users_by_username(login)[:2])
    return users[0] if len(users) == 1 else None


class StaffAccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request) -> bool:
        # Accounts come from HR's roster; nobody creates their own.
        return False

    def _get_login_attempts_cache_key(self, request, **credentials) -> str:
        """Failed sign-ins are counted per account, whatever identifier was typed.

        allauth keys its ``login_failed`` limit (``ACCOUNT_RATE_LIMITS``: 5 in 5 minutes)
        on what was typed; by staff number and by e-mail that would be two budgets for one
        account. An identifier that names no single account keeps its own budget, and
        every attempt still counts against the address.
        """
        account = account_signing_in(credentials)
        if account is None:
            return super()._get_login_attempts_cache_key(request, **credentials)
        return f"{get_current_site(request).domain}:account:{account.pk}"


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
