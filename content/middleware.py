from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext_lazy as _


class SiteLanguageMiddleware:
    """Japanese unless the person picked another language with the switcher.

    Replaces Django's LocaleMiddleware, which would follow the browser's
    Accept-Language: shared town-hall PCs often have English browsers, and
    staff should still see Japanese. The switcher sets Django's language cookie.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.supported = {code for code, _ in settings.LANGUAGES}

    def __call__(self, request):
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if language not in self.supported:
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", request.LANGUAGE_CODE)
        patch_vary_headers(response, ["Cookie"])
        return response


NO_ADMIN_ACCESS = _(
    "You do not have access to the administration screens, so you are on My page. "
    "If your work needs them, please ask IT policy."
)
ADMIN_SEARCH_MAX_LENGTH = 200
SEARCH_TOO_LONG = _(
    "Search terms may be up to %(limit)d characters, so the first %(limit)d were searched."
)


def _admin_area(path: str) -> str | None:
    """The admin the path is in: "wagtail", "django" or None."""
    if path.startswith(reverse("wagtailadmin_home")):
        return "wagtail"
    if path.startswith(reverse("admin:index")):
        return "django"
    return None


def _is_xhr(request) -> bool:
    return request.headers.get("x-requested-with") == "XMLHttpRequest"


class AdminAccessMiddleware:
    """Signed-in people who may not use an admin land on their own page, with a message.

    Both admins send a refused person to the sign-in page, and the sign-in page sends a
    signed-in person back where they came from: a redirect loop. Wagtail's admin needs the
    ``wagtailadmin.access_admin`` permission, Django's ``is_staff``.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        area = _admin_area(request.path) if user.is_authenticated else None
        refused = (area == "wagtail" and not user.has_perm("wagtailadmin.access_admin")) or (
            area == "django" and not user.is_staff
        )
        if refused:
            if not _is_xhr(request):
                messages.warning(request, str(NO_ADMIN_ACCESS))
            return redirect(settings.LOGIN_REDIRECT_URL)
        return self.get_response(request)


class AdminSearchLimitMiddleware:
    """Admin searches (``q``, in every listing and chooser of both admins) are cut to
    ADMIN_SEARCH_MAX_LENGTH characters before any query runs.

    Longer terms break the database search: on SQLite a long term is "LIKE or GLOB pattern
    too complex" (over 50,000 bytes), thousands of words are an "Expression tree is too
    large" (depth over 1,000) in Django's admin and a RecursionError in Wagtail's search
    query parser. The person is sent to the same address with the shortened term.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        terms = request.GET.getlist("q")
        if (
            request.method in ("GET", "HEAD")
            and any(len(term) > ADMIN_SEARCH_MAX_LENGTH for term in terms)
            and _admin_area(request.path)
        ):
            params = request.GET.copy()
            params.setlist("q", [term[:ADMIN_SEARCH_MAX_LENGTH] for term in terms])
            if not _is_xhr(request):
                messages.warning(request, SEARCH_TOO_LONG % {"limit": ADMIN_SEARCH_MAX_LENGTH})
            return redirect(f"{request.path}?{params.urlencode()}")
        return self.get_response(request)
