"""Japanese error pages in the site's design (config/urls.py's handlers, CSRF_FAILURE_VIEW).

400, 403, 404 and the CSRF failure render with the request (the header knows who is signed
in, the way home is マイページ or ログイン). The 500 page renders without a request: no
context processor, no database, nothing that could fail a second time.
"""

from django.http import HttpResponseForbidden, HttpResponseServerError
from django.template import loader
from django.views import defaults
from django.views.decorators.csrf import requires_csrf_token


@requires_csrf_token
def bad_request(request, exception=None):
    return defaults.bad_request(request, exception, template_name="errors/400.html")


@requires_csrf_token
def permission_denied(request, exception=None):
    return defaults.permission_denied(request, exception, template_name="errors/403.html")


@requires_csrf_token
def page_not_found(request, exception=None):
    return defaults.page_not_found(request, exception, template_name="errors/404.html")


@requires_csrf_token
def server_error(request):
    # Like Django's own: the template gets no request and no context processors.
    return HttpResponseServerError(loader.get_template("errors/500.html").render())


def csrf_failure(request, reason=""):
    """A form sent without a valid CSRF token (often: the page was open too long)."""
    response = loader.render_to_string("errors/403_csrf.html", request=request)
    return HttpResponseForbidden(response)
