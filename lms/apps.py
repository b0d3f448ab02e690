from django.apps import AppConfig
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
