from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.contrib.admin import sites
from django.utils.translation import gettext_lazy as _
from wagtail.users.apps import WagtailUsersAppConfig


class LmsConfig(AppConfig):
    # Two configs live here (see StaffUsersAppConfig); this one is the app's own.
    default = True
    name = "lms"
    verbose_name = _("People and organisation")

    def ready(self):
        from lms import signals  # noqa: F401 - registers the audit receivers


class StaffUsersAppConfig(WagtailUsersAppConfig):
    """wagtail.users with forms for staff numbers and Japanese names."""

    user_viewset = "lms.people.wagtail_users.StaffUserViewSet"


class OperatorAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin, with the operator's admin site as ``admin.site``."""

    default = False  # chosen by name in INSTALLED_APPS, never for "lms"
    default_site = "lms.apps.OperatorAdminSite"


class OperatorAdminSite(sites.AdminSite):
    """The Django admin is the platform operator's: active superusers only.

    Town roles (HR, administrators of a town) work in the Wagtail admin, whose screens
    follow the grants (lms.people.grants); the Django admin does not know about towns.
    """

    def has_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    site_header = "しんか Shinka"
    site_title = _("Shinka operator administration")
    index_title = _("Operator administration")

    # Sections whose apps (third-party) carry English names, and one English model name.
    APP_NAMES = {"taggit": _("Tags"), "wagtaildocs": _("Documents"), "wagtailimages": _("Images")}
    MODEL_NAMES = {("mfa", "authenticator"): _("Authenticators")}

    def get_app_list(self, request, app_label=None):
        apps = super().get_app_list(request, app_label)
        for app in apps:
            app["name"] = self.APP_NAMES.get(app["app_label"], app["name"])
            for model in app["models"]:
                key = (app["app_label"], model["object_name"].lower())
                model["name"] = self.MODEL_NAMES.get(key, model["name"])
        return apps
