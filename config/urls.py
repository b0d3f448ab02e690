from allauth.account.decorators import secure_admin_login
from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.decorators.cache import never_cache
from django.views.generic import RedirectView
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.admin.auth import require_admin_access
from wagtail.documents import urls as wagtaildocs_urls

from assessments.admin_views import SiteHistoryView, WorkflowReportView, WorkflowTasksReportView
from content import views as content_views
from courses import views as course_views
from lms import health

# One login for everybody: the Django admin and the Wagtail admin both use
# allauth's login view, with its rate limits.
admin.site.login = secure_admin_login(admin.site.login)
admin.site.site_header = "しんか Shinka"


def _scoped_report(prefix: str, view):
    """A report's page and its results (the listing's filter requests), as Wagtail has them."""
    return [
        path(prefix, never_cache(require_admin_access(view.as_view()))),
        path(
            f"{prefix}results/",
            never_cache(require_admin_access(view.as_view(results_only=True))),
        ),
    ]


scoped_reports = [
    *_scoped_report("admin/reports/site-history/", SiteHistoryView),
    *_scoped_report("admin/reports/workflow/", WorkflowReportView),
    *_scoped_report("admin/reports/workflow_tasks/", WorkflowTasksReportView),
]

# SAML's assertion consumer and logout: allauth's, with a response that is not XML refused like
# any broken one and a missing Host header not a 500 (lms/people/directory_saml.py), before
# allauth's own patterns. Only with
# the `saml` extra (its views import python3-saml).
saml_urls = []
if "allauth.socialaccount.providers.saml" in settings.INSTALLED_APPS:
    from lms.people import directory_saml

    saml_urls = [
        re_path(
            r"^accounts/saml/(?P<organization_slug>[^/]+)/",
            include(
                [
                    path("acs/", directory_saml.acs, name="saml_acs"),
                    path("acs/finish/", directory_saml.finish_acs, name="saml_finish_acs"),
                    path("sls/", directory_saml.sls, name="saml_sls"),
                ]
            ),
        ),
    ]

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    *saml_urls,
    path("accounts/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("mypage/", include("lms.urls")),
    path("learn/", include("courses.urls")),
    path("search/", course_views.search_view, name="search"),
    path(
        "admin/login/",
        RedirectView.as_view(pattern_name="account_login", query_string=True),
    ),
    # Wagtail's site history and workflow reports, scoped for quiz content
    # (``assessments/admin_views.py``): before the admin's own URLs so that they answer them.
    *scoped_reports,
    path("admin/", include(wagtailadmin_urls)),
    path("django-admin/", admin.site.urls),
    path("documents/", include(wagtaildocs_urls)),
]

# Of the uploaded files only the renditions of library images are public, served from here
# under `make run` (DEBUG) and by the reverse proxy in production. Documents go through
# /documents/ (Wagtail's checked view); no other part of MEDIA_ROOT has a URL.
urlpatterns.append(
    path(
        f"{settings.MEDIA_URL.strip('/')}/{content_views.PUBLIC_MEDIA_FOLDER}/<path:path>",
        content_views.public_media,
    )
)

# Wagtail serves the learning pages (the catalogue is the site root); keep it last.
urlpatterns.append(path("", include(wagtail_urls)))

# Japanese error pages in the site's design (content/errors.py); CSRF failures: settings.
handler400 = "content.errors.bad_request"
handler403 = "content.errors.permission_denied"
handler404 = "content.errors.page_not_found"
handler500 = "content.errors.server_error"
