"""Authoring aids in the Wagtail admin: the content freshness report, the attestation
counts and the guide."""

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

from .attestations import modules_with_attestation_counts
from .models import ModulePage

# Who besides the authors reads 確認・同意の状況 (the attestation counts): each function
# registered under this hook name takes a user and says yes or no. lms registers one
# (HR, lms/people/permissions.py); courses knows no roles.
ATTESTATION_READERS_HOOK = "shinka_attestation_readers"


def can_read_attestation_counts(user) -> bool:
    if not user.is_active:
        return False
    return is_author(user) or any(
        reader(user) for reader in hooks.get_hooks(ATTESTATION_READERS_HOOK)
    )


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


class AttestationReport(PageReportView):
    """確認・同意の状況: per module that asks for 「内容を確認し、遵守します」, its current
    version and how many people attested it (and every attestation of every version).
    Counts only, no names; for authors and HR (``can_read_attestation_counts``), the
    modules of the editor's towns (the scope hooks)."""

    def dispatch(self, request, *args, **kwargs):
        if not can_read_attestation_counts(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    page_title = _("Attestations")
    header_icon = "tick"
    index_url_name = "module_attestations"
    index_results_url_name = "module_attestations_results"

    @cached_property
    def columns(self):
        return [
            TitleColumn("title", label=_("Module")),
            Column("attestation_version", label=_("Current version")),
            Column("attested_current", label=_("Attested the current version")),
            Column("attested_total", label=_("Attestations of every version")),
            DateColumn("last_published_at", label=_("Last published")),
        ]

    def get_queryset(self):
        modules = ModulePage.objects.live().filter(requires_attestation=True)
        for scope in hooks.get_hooks(ADMIN_PAGES_SCOPE_HOOK):
            modules = modules.filter(scope(self.request))
        return modules_with_attestation_counts(modules.defer_streamfields()).order_by("path")


class AttestationMenuItem(MenuItem):
    def is_shown(self, request):
        return can_read_attestation_counts(request.user)


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
        path(
            "reports/module-attestations/",
            AttestationReport.as_view(),
            name="module_attestations",
        ),
        path(
            "reports/module-attestations/results/",
            AttestationReport.as_view(results_only=True),
            name="module_attestations_results",
        ),
    ]


@hooks.register("register_reports_menu_item")
def register_stale_modules_menu_item():
    return AuthorMenuItem(
        _("Modules to check"), reverse("stale_modules"), icon_name="time", order=710
    )


@hooks.register("register_reports_menu_item")
def register_attestation_menu_item():
    return AttestationMenuItem(
        _("Attestations"), reverse("module_attestations"), icon_name="tick", order=720
    )
