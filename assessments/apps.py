from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssessmentsConfig(AppConfig):
    name = "assessments"
    verbose_name = _("Assessments")

    def ready(self):
        # Before Wagtail's snippets app registers the viewsets (it comes later in
        # INSTALLED_APPS), so nothing ever falls back to plain model permissions.
        from .authoring import register_permission_policies

        register_permission_policies()
