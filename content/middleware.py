from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
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


# Which pages the admin's page screens may open. Each function registered under this hook
# name takes the request and returns a ``Q`` over page fields (``path``); a page matching
# none of them is not found in the page admin (lms registers one: the pages of the editor's
# towns, lms/wagtail_hooks.py). With none registered, every page is in scope.
ADMIN_PAGES_SCOPE_HOOK = "shinka_admin_pages_in_scope"
# Only a redirect to the page's history, which is checked.
_UNSCOPED_PAGE_ROUTES = {"wagtailadmin_pages:revisions_index"}

# Wagtail's page admin routes that show a page without checking the person may edit it
# (on GET, or at all), with their page arguments and whether the way down to one's pages
# (a page above them) is enough for that argument.
_GUARDED_PAGE_ROUTES = {
    "wagtailadmin_pages:move_confirm": {"page_to_move_id": False, "destination_id": True},
    "wagtailadmin_pages:confirm_workflow_cancellation": {"page_id": False},
    # Wagtail asks only whether the person is in the approval task's groups, which every
    # town shares.
    "wagtailadmin_pages:workflow_action": {"page_id": False},
    "wagtailadmin_pages:collect_workflow_action_data": {"page_id": False},
    "wagtailadmin_pages:workflow_preview": {"page_id": False},
    "wagtailadmin_choose_page_child": {"parent_page_id": True},
}


def user_may_open_page(user, page, *, or_above: bool = False) -> bool:
    """Whether ``user`` holds a page permission on ``page`` or a page above it (with
    ``or_above``, also on a page below it: the way down to their pages). Asks the policy
    registered for pages, so what counts is what that policy counts (lms registers one
    that counts only the editor's towns' pages). Superusers: always."""
    from wagtail.models import Page
    from wagtail.permissions import policy_registry

    if not user.is_active:
        return False
    if user.is_superuser:
        return True
    for permission in policy_registry.get_by_type(Page).get_cached_permissions_for_user(user):
        if page.path.startswith(permission.page.path):
            return True
        if or_above and permission.page.path.startswith(page.path):
            return True
    return False


class AdminPageGuardMiddleware:
    """Wagtail's page admin screens open only for a page the person may edit.

    Wagtail checks a few of them only on POST (the move confirmation), or not at all (the
    confirmation of a workflow's cancellation, the page chooser's browsing), or only by the
    approval task's groups (the workflow actions): they would show any page's title, place
    and workflow to anyone with admin access, and let IT policy of one town approve another
    town's page. Before those views (``_GUARDED_PAGE_ROUTES``) run, each page in the address
    must be one the person holds a page permission on (a move's destination and the
    chooser's parent: or a page above theirs); otherwise the answer is 403, as Wagtail's
    own for a page one may not edit. Every other page screen Wagtail checks itself.

    And every page screen (``wagtailadmin_pages:*``) opens only pages in scope
    (``ADMIN_PAGES_SCOPE_HOOK``: lms, the editor's towns); another page is not found (404).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if match is None or not request.user.is_authenticated:
            return None
        route = match.view_name
        if route.startswith("wagtailadmin_pages:") and route not in _UNSCOPED_PAGE_ROUTES:
            self._refuse_pages_out_of_scope(request, view_kwargs)
        arguments = _GUARDED_PAGE_ROUTES.get(route)
        if arguments is None:
            return None
        from wagtail.models import Page

        for name, or_above in arguments.items():
            if name not in view_kwargs:
                continue
            page = Page.objects.filter(pk=view_kwargs[name]).only("path").first()
            if page is not None and not user_may_open_page(request.user, page, or_above=or_above):
                raise PermissionDenied
        return None

    @staticmethod
    def _refuse_pages_out_of_scope(request, view_kwargs):
        """A page of the page admin's address outside the scope hooks' pages is not found,
        whatever the person's groups (an approval task's group, shared by every town, opens
        the editor of any page in review). Superusers: every page."""
        from wagtail import hooks
        from wagtail.models import Page

        scopes = hooks.get_hooks(ADMIN_PAGES_SCOPE_HOOK)
        if request.user.is_superuser or not scopes:
            return
        names = ("page_id", "page_to_move_id", "pk")
        ids = [view_kwargs[name] for name in names if name in view_kwargs]
        if not ids:
            return
        pages = Page.objects.filter(pk__in=ids)
        in_scope = pages
        for scope in scopes:
            in_scope = in_scope.filter(scope(request))
        if in_scope.count() != pages.count():
            raise Http404
