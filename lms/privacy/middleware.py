"""Session lifetime and response headers for a site that holds personal data."""

import time

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext_lazy as _

from lms.people.directory import mfa_asserted_by_directory
from lms.people.roles import user_has_role

SESSION_STARTED = "shinka_session_started"
SESSION_LAST_SEEN = "shinka_session_last_seen"
# Writing "last seen" at most this often keeps pages free of a session write per request.
LAST_SEEN_RESOLUTION = 60
MFA_REQUIRED = _(
    "Your role gives access to other people's data, so please set up two-factor "
    "authentication with an authenticator app before you continue."
)
SESSION_ENDED = _("For your security you have been signed out. Please sign in again.")


def session_seconds_left(request, now: float | None = None) -> int:
    """Seconds until this signed-in session ends: the idle limit from the last activity,
    capped by the absolute limit from sign-in."""
    now = time.time() if now is None else now
    started = request.session.get(SESSION_STARTED, now)
    last_seen = request.session.get(SESSION_LAST_SEEN, now)
    idle = settings.SHINKA_SESSION_IDLE_MINUTES * 60 - (now - last_seen)
    absolute = settings.SHINKA_SESSION_ABSOLUTE_HOURS * 3600 - (now - started)
    return max(0, int(min(idle, absolute)))


def session_extend(request, now: float | None = None) -> int:
    """Count this moment as activity (「ログインを続ける」); the seconds left after it."""
    now = time.time() if now is None else now
    request.session[SESSION_LAST_SEEN] = now
    return session_seconds_left(request, now)


class SessionTimeoutMiddleware:
    """Ends a signed-in session after SHINKA_SESSION_IDLE_MINUTES without activity, and
    after SHINKA_SESSION_ABSOLUTE_HOURS however active it is."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = time.time()
            started = request.session.setdefault(SESSION_STARTED, now)
            last_seen = request.session.get(SESSION_LAST_SEEN, now)
            if (
                now - started > settings.SHINKA_SESSION_ABSOLUTE_HOURS * 3600
                or now - last_seen > settings.SHINKA_SESSION_IDLE_MINUTES * 60
            ):
                logout(request)
                messages.info(request, str(SESSION_ENDED))
                return redirect_to_login(request.get_full_path())
            if now - last_seen >= LAST_SEEN_RESOLUTION or SESSION_LAST_SEEN not in request.session:
                request.session[SESSION_LAST_SEEN] = now
        return self.get_response(request)


class PersonalDataHeadersMiddleware:
    """No caching of anything shown to a signed-in person; a content security policy.

    Every page for a signed-in user may carry personal data (progress, skills,
    reports), so none of it may be stored by the browser or a proxy.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if getattr(request, "user", None) is not None and request.user.is_authenticated:
            patch_cache_control(response, private=True, no_store=True)
        response.headers.setdefault(
            "Content-Security-Policy", settings.SHINKA_CONTENT_SECURITY_POLICY
        )
        response.headers.setdefault(
            "Permissions-Policy", "camera=(), microphone=(), geolocation=()"
        )
        return response


class RequireMfaMiddleware:
    """People in roles that reach other people's data must set up two-factor authentication.

    Until they have, every page sends them to the setup page (sign-out still works). A session
    signed in through the town's directory with multi-factor authentication the town trusts
    (``lms/people/directory.py``) has two factors already.
    """

    EXEMPT_PREFIXES = ("/accounts/", "/static/", "/media/", "/healthz", "/i18n/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            settings.SHINKA_MFA_REQUIRED
            and request.user.is_authenticated
            and not request.path.startswith(self.EXEMPT_PREFIXES)
            and _mfa_required_for(request.user)
            and not mfa_asserted_by_directory(request)
            and not Authenticator.objects.filter(
                user=request.user, type=Authenticator.Type.TOTP
            ).exists()
        ):
            messages.warning(request, str(MFA_REQUIRED))
            return redirect("mfa_activate_totp")
        return self.get_response(request)


def _mfa_required_for(user) -> bool:
    # user_has_role caches the user's groups for the request. Superusers (the platform
    # operator) hold no town role, and need two factors all the same.
    return user.is_superuser or any(
        user_has_role(user, role) for role in settings.SHINKA_MFA_REQUIRED_ROLES
    )
