"""Signing in through the town's own directory (OpenID Connect, through allauth).

Each town registers its identity providers in ``SHINKA_DIRECTORY`` (settings, read from the
environment; docs/sso.md). Every registration is an allauth ``openid_connect`` app whose
``settings`` name the town (an ``Organization.code``) and how the directory's claims find the
person on that town's roster. The rules, all decided here:

- The roster stays the source of truth: a directory sign-in names the person HR imported,
  by staff number (a claim such as ``employee_id``) or by e-mail address, as the town
  configures, looked up in that IdP's town only. Nobody else is signed in: a person not on
  the roster is refused (unless the town turns ``create_accounts`` on), and so is a
  deactivated one, with a Japanese message and an audit row, and no account is created.
- On a town's own host only that town's IdPs are accepted: another town's directory can never
  sign in this town's staff (and it looks people up in its own roster only).
- A directory never grants roles: the sign-in links the account and changes nothing else.
- The ``nonce`` of the authorisation request must come back in the ID token (allauth's
  OpenID Connect client does not check it: ``TownOpenIDConnectProvider`` adds it).
- Two factors: when the IdP asserts multi-factor authentication (``amr`` holds one of
  ``mfa_amr``, or ``acr`` is one of ``mfa_acr``) and the town trusts it (``trust_mfa``),
  privileged roles are not asked for Shinka's TOTP again; otherwise they are.
- Password sign-in can be turned off per town (``password_sign_in: false``), except for the
  staff numbers listed as ``break_glass``.
"""

from __future__ import annotations

from dataclasses import dataclass

from allauth.account.models import EmailAddress
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.mfa.stages import AuthenticateStage
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.providers.base import AuthProcess
from allauth.socialaccount.providers.openid_connect.provider import OpenIDConnectProvider
from django.conf import settings
from django.shortcuts import render
from django.utils.crypto import constant_time_compare, get_random_string
from django.utils.translation import gettext as _

from lms.audit import audit_record
from lms.models import AuditEvent, Organization, User
from lms.models.people import normalize_staff_number

# What the session remembers of a directory sign-in (set once the person is signed in).
SESSION_DIRECTORY = "shinka_directory"
# Kept with allauth's state of the sign-in (never shown): the nonce sent to the IdP, and what
# the directory established once the person was found.
STATE_NONCE = "shinka_nonce"
STATE_DIRECTORY = "shinka_directory"

# RFC 8176 authentication method references that mean more than a password.
DEFAULT_MFA_AMR = ("mfa", "otp", "hwk", "swk", "sc", "sms", "tel", "fpt", "face", "iris")
MATCH_STAFF_NUMBER = "staff_number"
MATCH_EMAIL = "email"


@dataclass(frozen=True)
class Registration:
    """One IdP of one town: the town's part of an allauth app's ``settings``."""

    name: str
    town_code: str
    match: str
    claim: str
    trust_mfa: bool
    mfa_amr: tuple[str, ...]
    mfa_acr: tuple[str, ...]
    create_accounts: bool
    # SAML: the attribute that lists the authentication methods (Entra ID's, AD FS's).
    mfa_attribute: str = ""

    @classmethod
    def of(cls, app) -> Registration:
        conf = app.settings or {}
        match = conf.get("match", MATCH_STAFF_NUMBER)
        return cls(
            name=app.name or app.provider_id,
            town_code=str(conf.get("town", "")),
            match=match,
            claim=conf.get("claim") or ("email" if match == MATCH_EMAIL else "employee_id"),
            trust_mfa=bool(conf.get("trust_mfa", False)),
            mfa_amr=tuple(conf.get("mfa_amr", DEFAULT_MFA_AMR)),
            mfa_acr=tuple(conf.get("mfa_acr", ())),
            create_accounts=bool(conf.get("create_accounts", False)),
            mfa_attribute=str(conf.get("mfa_attribute") or ""),
        )

    def asserts_mfa(self, id_token: dict) -> bool:
        amr = id_token.get("amr") or []
        if isinstance(amr, str):
            amr = [amr]
        if any(str(method) in self.mfa_amr for method in amr):
            return True
        return bool(id_token.get("acr")) and str(id_token.get("acr")) in self.mfa_acr


def town_rules(town_code: str) -> dict:
    """The town's sign-in rules (``SHINKA_DIRECTORY["towns"][code]``), empty by default."""
    return (getattr(settings, "SHINKA_DIRECTORY", {}) or {}).get("towns", {}).get(town_code, {})


def town_directory_config(town_code: str, kind: str) -> dict | None:
    """The town's first registration of ``kind`` (``"ldap"``) in ``SHINKA_DIRECTORY``."""
    for entry in (getattr(settings, "SHINKA_DIRECTORY", {}) or {}).get(kind, []):
        if str(entry.get("town", "")) == town_code:
            return entry
    return None


def password_sign_in_allowed(user) -> bool:
    """Whether ``user`` may sign in with a password: yes, unless their town turned it off and
    they are not one of its break-glass administrators."""
    town = user.organization if user.organization_id else None
    if town is None:
        return True
    rules = town_rules(town.code)
    if rules.get("password_sign_in", True):
        return True
    break_glass = {normalize_staff_number(str(number)) for number in rules.get("break_glass", [])}
    return normalize_staff_number(user.staff_number or "") in break_glass


class TownOpenIDConnectProvider(OpenIDConnectProvider):
    """allauth's OpenID Connect client, with a ``nonce`` in every authorisation request.

    The nonce is kept in allauth's state of the sign-in (in the session) and compared with the
    ID token's by ``StaffSocialAccountAdapter.pre_social_login``.
    """

    def redirect(self, request, process, next_url=None, data=None, **kwargs):
        nonce = get_random_string(32)
        auth_params = dict(kwargs.pop("auth_params", None) or self.get_auth_params())
        auth_params["nonce"] = nonce
        return super().redirect(
            request,
            process,
            next_url,
            data,
            auth_params=auth_params,
            **{STATE_NONCE: nonce},
            **kwargs,
        )


def is_saml(provider) -> bool:
    """Whether ``provider`` is a SAML IdP (allauth's ``saml``; the ``saml`` extra)."""
    return getattr(provider, "id", None) == "saml"


def _town_provider(provider):
    if isinstance(provider, OpenIDConnectProvider) and not isinstance(
        provider, TownOpenIDConnectProvider
    ):
        return TownOpenIDConnectProvider(provider.request, app=provider.app)
    return provider


def directory_sign_in_options(request) -> list[dict]:
    """The IdPs the sign-in page offers: the town's own on its host, every town's elsewhere."""
    from lms.people.accounts import town_of_site

    adapter = StaffSocialAccountAdapter(request)
    site_town = town_of_site(request)
    towns = {town.code: town for town in Organization.objects.only("code", "name")}
    options = []
    for provider in adapter.list_providers(request):
        if not (isinstance(provider, OpenIDConnectProvider) or is_saml(provider)):
            continue
        registration = Registration.of(provider.app)
        town = towns.get(registration.town_code)
        if town is None or (site_town is not None and town.pk != site_town.pk):
            continue
        options.append(
            {
                "name": registration.name,
                "town": town.name,
                "url": provider.get_login_url(request),
                "password_sign_in": town_rules(town.code).get("password_sign_in", True),
            }
        )
    return options


class StaffSocialAccountAdapter(DefaultSocialAccountAdapter):
    """Directory sign-ins link to the roster's people; nobody else comes in."""

    def get_provider(self, request, provider, client_id=None):
        return _town_provider(super().get_provider(request, provider, client_id=client_id))

    def list_providers(self, request):
        return [_town_provider(provider) for provider in super().list_providers(request)]

    def is_open_for_signup(self, request, sociallogin) -> bool:
        return Registration.of(sociallogin.provider.app).create_accounts

    def is_auto_signup_allowed(self, request, sociallogin) -> bool:
        return self.is_open_for_signup(request, sociallogin)

    # --- refusals

    def _refuse(self, request, registration, reason, message, *, subject=None, login=""):
        audit_record(
            request=request,
            action=AuditEvent.Action.LOGIN_FAILED,
            subject=subject,
            login=str(login or ""),
            idp=registration.name if registration else "",
            reason=reason,
        )
        response = render(
            request,
            "account/directory_refused.html",
            {"message": message, "idp": registration.name if registration else ""},
            status=403,
        )
        raise ImmediateHttpResponse(response)

    def on_authentication_error(
        self, request, provider, error=None, exception=None, extra_context=None
    ):
        """State mismatch, a refused token (audience, issuer, expiry), a failed exchange."""
        registration = Registration.of(provider.app) if getattr(provider, "app", None) else None
        failure = type(exception).__name__ if exception else ""
        reason = f"authentication_error:{error or ''}:{failure}"
        saml_errors = (extra_context or {}).get("saml_errors")
        if saml_errors:
            # python3-saml's checks: signature, audience, destination, validity, …
            reason += f":saml:{','.join(saml_errors)}:"
            reason += str((extra_context or {}).get("saml_last_error_reason") or "")[:300]
        self._refuse(
            request,
            registration,
            reason,
            _(
                "Signing in with your directory account did not succeed. Please start again "
                "from the sign-in page. If it keeps happening, please ask your IT policy "
                "division."
            ),
        )

    def pre_social_login(self, request, sociallogin) -> None:
        from lms.people.accounts import town_of_site

        app = sociallogin.provider.app
        registration = Registration.of(app)
        saml = is_saml(sociallogin.provider)
        id_token, claims, mfa = self._claims(registration, sociallogin, saml)
        identifier = str(claims.get(registration.claim) or "").strip()

        expected_nonce = sociallogin.state.get(STATE_NONCE) or ""
        if not saml and (
            not expected_nonce
            or not constant_time_compare(str(id_token.get("nonce") or ""), expected_nonce)
        ):
            self._refuse(
                request, registration, "nonce",
                _("The answer from your directory did not match this sign-in. Please start "
                  "again from the sign-in page."),
                login=identifier,
            )  # fmt: skip
        if sociallogin.state.get("process") != AuthProcess.LOGIN:
            self._refuse(
                request, registration, "process",
                _("Directory accounts are linked by HR's staff list, not by hand."),
                login=identifier,
            )  # fmt: skip
        town = Organization.objects.filter(code=registration.town_code).first()
        site_town = town_of_site(request)
        if town is None or (site_town is not None and site_town.pk != town.pk):
            self._refuse(
                request, registration, "other_town",
                _("This directory does not sign in to this organisation. Please use your "
                  "own organisation's sign-in page."),
                login=identifier,
            )  # fmt: skip
        person = self._person(town, registration, identifier)
        if person is None:
            if registration.create_accounts and identifier:
                self._prepare_new_person(sociallogin, town, registration, claims, identifier)
                sociallogin.state[STATE_DIRECTORY] = self._directory_state(
                    registration, town, mfa, sociallogin.provider.app.provider_id
                )
                return
            self._refuse(
                request, registration, "not_in_roster",
                _("You are not on this organisation's staff list in しんか. Please ask HR to "
                  "add you; your directory account alone does not give access."),
                login=identifier,
            )  # fmt: skip
        if not person.is_active:
            self._refuse(
                request, registration, "inactive",
                _("This account has been deactivated. Please ask HR if you think this is "
                  "wrong."),
                subject=person, login=identifier,
            )  # fmt: skip
        if sociallogin.is_existing:
            if sociallogin.user.pk != person.pk:
                self._refuse(
                    request, registration, "linked_to_other",
                    _("This directory account is linked to someone else in しんか. Please "
                      "ask your IT policy division."),
                    subject=person, login=identifier,
                )  # fmt: skip
        else:
            sociallogin.user = person
            sociallogin.save(request, connect=True)
        sociallogin.state[STATE_DIRECTORY] = self._directory_state(
            registration, town, mfa, app.provider_id
        )

    @staticmethod
    def _claims(registration, sociallogin, saml: bool) -> tuple[dict, dict, bool]:
        """(the ID token, the claims, whether the IdP asserted MFA) of the sign-in."""
        data = sociallogin.account.extra_data or {}
        if saml:
            # The response answered a request of this browser (InResponseTo, allauth's state):
            # SAML's counterpart of the nonce, checked before we get here.
            from lms.people.directory_saml import saml_claims

            claims, mfa = saml_claims(registration, data)
            claims.setdefault("email", getattr(sociallogin.user, "email", "") or "")
            return {}, claims, mfa
        id_token = data.get("id_token") or {}
        claims = {**id_token, **(data.get("userinfo") or {})}
        return id_token, claims, registration.asserts_mfa(id_token)

    @staticmethod
    def _directory_state(registration, town, mfa, provider_id) -> dict:
        return {
            "idp": registration.name,
            "provider": provider_id,
            "town": town.code,
            "mfa": registration.trust_mfa and mfa,
        }

    @staticmethod
    def _person(town, registration, identifier):
        if not identifier:
            return None
        people = User.objects.filter(organization=town)
        if registration.match == MATCH_EMAIL:
            people = people.filter(email__iexact=identifier)
        else:
            people = people.filter(staff_number__iexact=normalize_staff_number(identifier))
        found = list(people[:2])
        return found[0] if len(found) == 1 else None

    @staticmethod
    def _prepare_new_person(sociallogin, town, registration, claims, identifier):
        """The town turned creation on: a new account on its roster, with no role."""
        user = sociallogin.user
        user.organization = town
        if registration.match == MATCH_EMAIL:
            user.email = identifier
            user.staff_number = normalize_staff_number(str(claims.get("employee_id") or ""))
        else:
            user.staff_number = normalize_staff_number(identifier)
            user.email = str(claims.get("email") or "")
        user.family_name = str(claims.get("family_name") or "")[:150]
        user.given_name = str(claims.get("given_name") or "")[:150]
        sociallogin.email_addresses = [
            EmailAddress(email=user.email, verified=True, primary=True)
        ] if user.email else []  # fmt: skip


class DirectoryAwareAuthenticateStage(AuthenticateStage):
    """allauth's TOTP step of a sign-in, skipped when the town's IdP asserted MFA."""

    def _should_handle(self, request) -> bool:
        sociallogin = (self.login.signal_kwargs or {}).get("sociallogin")
        state = getattr(sociallogin, "state", None) or {}
        if (state.get(STATE_DIRECTORY) or {}).get("mfa"):
            return False
        return super()._should_handle(request)


def record_directory_sign_in(request, user, signal_kwargs) -> None:
    """After a sign-in: what the directory established, for this session only, and the audit
    row naming the IdP (a password sign-in is audited by ``lms.signals.record_login``)."""
    request.session.pop(SESSION_DIRECTORY, None)
    sociallogin = (signal_kwargs or {}).get("sociallogin")
    state = (getattr(sociallogin, "state", None) or {}).get(STATE_DIRECTORY)
    if not state:
        return
    request.session[SESSION_DIRECTORY] = dict(state)
    audit_record(
        request=request,
        action=AuditEvent.Action.LOGIN_SUCCEEDED,
        actor=user,
        subject=user,
        idp=state["idp"],
        town=state["town"],
        mfa_by_idp=bool(state["mfa"]),
    )


def signed_in_through_directory(request, user) -> bool:
    """Whether the sign-in now completing was a directory's (allauth's records of it)."""
    from allauth.account.internal.flows.login import get_authentication_records

    primary = [
        record
        for record in get_authentication_records(request, user)
        if record.get("method") in {"password", "socialaccount"}
    ]
    return bool(primary) and primary[-1]["method"] == "socialaccount"


def mfa_asserted_by_directory(request) -> bool:
    """Whether this session's sign-in came with multi-factor authentication the town trusts."""
    return bool((request.session.get(SESSION_DIRECTORY) or {}).get("mfa"))


def directory_of_session(request) -> dict:
    return dict(request.session.get(SESSION_DIRECTORY) or {})
