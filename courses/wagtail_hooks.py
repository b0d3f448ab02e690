"""Authoring aids in the Wagtail admin: the content freshness report and the guide."""

import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.tables import Column, DateColumn, TitleColumn
from wagtail.admin.views.reports import PageReportView

from content.middleware import ADMIN_PAGES_SCOPE_HOOK
from content.views import is_author

from .models import ModulePage

# Which pages the authoring reports list: those the page admin may open (the hook is
# content's, content/middleware.py). Each function registered under this hook name takes
# the request and returns a ``Q`` over page fields (``path``); the report lists only pages
# matching all of them. lms registers one (the editor's towns' learning homes,
# lms/wagtail_hooks.py); courses itself knows no towns, so with none registered every
# page is listed.


class StaleModulesReport(PageReportView):
    """Modules nobody has checked within SHINKA_CONTENT_REVIEW_DAYS (or ever), for the
    authors of learning content (``content.views.is_author``: IT policy, DX leaders, as
    for the Markdown preview): the report sends them to the page to check. HR and the
    town's administrator, who author nothing, get 403. Which modules: the scope hooks."""

    def dispatch(self, request, *args, **kwargs):
        if not is_author(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    page_title = _("Modules to check")
    header_icon = "time"
    index_url_name = "stale_modules"
    index_results_url_name = "stale_modules_results"

    @cached_property
    def columns(self):
        return [
            TitleColumn(
                "title",
                label=_("Module"),
                get_url=lambda page: reverse("wagtailadmin_pages:edit", args=[page.id]),
            ),
            DateColumn("last_reviewed_on", label=_("Last checked on")),
            Column("content_owner", label=_("Person in charge")),
            DateColumn("last_published_at", label=_("Last published")),
        ]

    def get_queryset(self):
        limit = timezone.localdate() - datetime.timedelta(days=settings.SHINKA_CONTENT_REVIEW_DAYS)
        modules = ModulePage.objects.live()
        for scope in hooks.get_hooks(ADMIN_PAGES_SCOPE_HOOK):
            modules = modules.filter(scope(self.request))
        return (
            modules.filter(Q(last_reviewed_on__isnull=True) | Q(last_reviewed_on__lt=limit))
            .select_related("content_owner")
            .defer_streamfields()
            .order_by("last_reviewed_on", "path")
        )


class AuthorMenuItem(MenuItem):
    def is_shown(self, request):
        return is_author(request.user)


@hooks.register("register_admin_urls")
def register_report_urls():
    return [
        path("reports/stale-modules/", StaleModulesReport.as_view(), name="stale_modules"),
        path(
            "reports/stale-modules/results/",
            StaleModulesReport.as_view(results_only=True),
            name="stale_modules_results",
        ),
    ]


@hooks.register("register_reports_menu_item")
def register_stale_modules_menu_item():
    return AuthorMenuItem(
        _("Modules to check"), reverse("stale_modules"), icon_name="time", order=710
    )
