"""django-allauth integration: staff sign in by staff number or e-mail; no sign-up.

A staff number names a person only within a town (1001 repeats between towns,
``User.organization``). Which town a sign-in means is decided here, in one place
(``sign_in_town``), for the backend that checks the password and for the per-account
limit on failed sign-ins alike:

- the request's Wagtail ``Site`` belongs to a town (``Organization.site``, the town's own
  host name): that town, whatever the form says;
- otherwise, with several towns on the deployment, the town chosen on the sign-in page
  (「所属団体」, remembered in a cookie); a staff number without a chosen town names nobody;
- otherwise (one town, or none): the whole instance, as long as one account has the number.

An e-mail address is unique on the deployment and signs in on any host, in any town.
"""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.auth_backends import AuthenticationBackend
from allauth.account.forms import LoginForm
from allauth.account.utils import filter_users_by_email
from django import forms
from django.contrib.sites.shortcuts import get_current_site
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from wagtail.models import Site

from lms.models import Organization, User
from lms.models.people import normalize_staff_number

# Where the sign-in page remembers the town chosen on a shared host (an organisation code).
TOWN_COOKIE = "shinka_town"
TOWN_COOKIE_MAX_AGE = 400 * 24 * 3600  # the longest browsers keep a cookie
# Key of the credentials that carries the chosen town (an Organization id) to the backend.
TOWN_CREDENTIAL = "organization"


def town_of_site(request) -> Organization | None:
    """The town whose own site the request reached (by host name); None for a shared site."""
    if request is None:
        return None
    site = Site.find_for_request(request)
    if site is None:
        return None
    return Organization.objects.filter(site=site).first()


def town_choice_offered(request) -> bool:
    """Whether the sign-in page asks for the town: a shared site and several towns."""
    return town_of_site(request) is None and Organization.objects.count() > 1


def sign_in_town(request, credentials: dict) -> tuple[bool, int | None]:
    """(whether a town is known, its id) for a sign-in by staff number.

    ``(False, None)`` means the whole instance (one town or none on the deployment).
    ``(True, None)`` means several towns and none named: a staff number names nobody.
    """
    town = town_of_site(request)
    if town is not None:
        return True, town.pk
    chosen = credentials.get(TOWN_CREDENTIAL)
    if chosen:
        try:
            return True, int(chosen)
        except (TypeError, ValueError):
            return True, None  # not a town: nobody
    if Organization.objects.count() > 1:
        return True, None
    return False, None


def accounts_by_staff_number(request, credentials: dict, staff_number: str):
    """The accounts a staff number may name in this sign-in (at most one is ever used)."""
    staff_number = normalize_staff_number(staff_number)
    if not staff_number:
        return User.objects.none()
    town_known, town_id = sign_in_town(request, credentials)
    users = User.objects.filter(staff_number__iexact=staff_number)
    if not town_known:
        return users
    if town_id is None:
        return User.objects.none()
    return users.filter(organization_id=town_id)


def account_signing_in(request, credentials: dict):
    """The one account a sign-in attempt names, by staff number or e-mail; else None.

    Resolved as the backend (``StaffAuthenticationBackend``) resolves them: an address
    by e-mail, anything else by staff number in the town of the sign-in.
    """
    login = credentials.get("email") or credentials.get("username") or ""
    if "@" in login:
        users = filter_users_by_email(login)
    else:
        users = list(accounts_by_staff_number(request, credentials, login)[:2])
    return users[0] if len(users) == 1 else None


class StaffAuthenticationBackend(AuthenticationBackend):
    """allauth's backend, with a staff number looked up in the town of the sign-in.

    The only backend (settings): Django's ``ModelBackend`` would look a staff number up
    across every town (``get_by_natural_key``) and fail on a number two towns share.
    Permissions come from ``ModelBackend``, which allauth's backend extends.
    """

    def _authenticate(self, request, **credentials):
        # A backend instance serves one ``authenticate`` call (django.contrib.auth loads
        # a fresh one each time), so the request can wait here for the lookup below.
        self._request, self._credentials = request, credentials
        return super()._authenticate(request, **credentials)

    def _authenticate_by_username(self, username, password):
        if not username:
            return None
        users = list(accounts_by_staff_number(self._request, self._credentials, username)[:2])
        return self._check_password(users[0] if len(users) == 1 else None, password)

    def get_user(self, user_id):
        """The signed-in person of a request, with their roster's town in the same query
        (pages show dates in the town's era display, ``request.user.organization``)."""
        try:
            user = User._default_manager.select_related("organization").get(pk=user_id)
        except User.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None


class StaffAccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request) -> bool:
        # Accounts come from HR's roster; nobody creates their own.
        return False

    def get_login_stages(self) -> list[str]:
        # allauth's TOTP step, skipped when the town's directory asserted MFA (directory.py).
        return [
            "lms.people.directory.DirectoryAwareAuthenticateStage"
            if stage == "allauth.mfa.stages.AuthenticateStage"
            else stage
            for stage in super().get_login_stages()
        ]

    def post_login(self, request, user, **kwargs):
        from lms.people.directory import record_directory_sign_in

        response = super().post_login(request, user, **kwargs)
        record_directory_sign_in(request, user, kwargs.get("signal_kwargs"))
        return response

    def _get_login_attempts_cache_key(self, request, **credentials) -> str:
        """Failed sign-ins are counted per account, whatever identifier was typed.

        allauth keys its ``login_failed`` limit (``ACCOUNT_RATE_LIMITS``: 5 in 5 minutes)
        on what was typed; by staff number and by e-mail that would be two budgets for one
        account. An identifier that names no single account keeps its own budget, and
        every attempt still counts against the address.
        """
        account = account_signing_in(request, credentials)
        if account is None:
            return super()._get_login_attempts_cache_key(request, **credentials)
        return f"{get_current_site(request).domain}:account:{account.pk}"


class StaffLoginForm(LoginForm):
    """The allauth login form, labelled for staff and tolerant of full-width input.

    The login is at most LOGIN_MAX_LENGTH characters (the longest e-mail address): a longer
    one is refused with a message before any query (on SQLite a 100,000-character login is
    "LIKE or GLOB pattern too complex").

    On a shared site with several towns the form asks for the town (「所属団体」) first,
    remembered in a cookie; a staff number is looked up there (``sign_in_town``).
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
        self.offers_town_choice = town_choice_offered(self.request)
        if self.offers_town_choice:
            remembered = self.request.COOKIES.get(TOWN_COOKIE, "") if self.request else ""
            self.fields = {
                "organization": forms.ModelChoiceField(
                    label=pgettext_lazy("person", "organisation"),
                    queryset=Organization.objects.order_by("code"),
                    to_field_name="code",
                    required=False,
                    empty_label=_("(choose your organisation)"),
                    initial=remembered[:16] or None,
                    help_text=_("Needed to sign in with a staff number."),
                    error_messages={"invalid_choice": _("Choose your organisation from the list.")},
                ),
                **self.fields,
            }

    def clean_login(self):
        return normalize_staff_number(super().clean_login())

    def directory_options(self) -> list[dict]:
        """「庁内アカウントでログイン」: the IdPs this sign-in page offers (directory.py)."""
        from lms.people.directory import directory_sign_in_options

        return directory_sign_in_options(self.request)

    def clean(self):
        login = self.cleaned_data.get("login") or ""
        if (
            self.offers_town_choice
            and not self._errors
            and login
            and "@" not in login
            and self.cleaned_data.get("organization") is None
        ):
            self.add_error(
                "organization",
                _("To sign in with a staff number, choose your organisation."),
            )
        cleaned = super().clean()
        if getattr(self, "user", None) is not None:
            from lms.people.directory import password_sign_in_allowed

            # A password checked by the town's own directory (LDAP) is the directory's.
            by_directory = getattr(self.user, "shinka_directory_idp", None)
            if not by_directory and not password_sign_in_allowed(self.user):
                self.user = None
                raise forms.ValidationError(
                    _(
                        "Your organisation signs in with its own directory. Please use "
                        '"Sign in with your office account" above.'
                    )
                )
        return cleaned

    def user_credentials(self) -> dict:
        credentials = super().user_credentials()
        town = self.cleaned_data.get("organization") if self.offers_town_choice else None
        if town is not None:
            credentials[TOWN_CREDENTIAL] = town.pk
        return credentials

    def login(self, request, redirect_url=None):
        response = super().login(request, redirect_url=redirect_url)
        town = self.cleaned_data.get("organization") if self.offers_town_choice else None
        if town is not None:
            response.set_cookie(
                TOWN_COOKIE,
                town.code,
                max_age=TOWN_COOKIE_MAX_AGE,
                secure=request.is_secure(),
                httponly=True,
                samesite="Lax",
            )
        return response
