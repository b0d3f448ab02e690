from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from wagtail.users.apps import WagtailUsersAppConfig


class LmsConfig(AppConfig):
    name = "lms"
    verbose_name = _("People and organisation")


class StaffUsersAppConfig(WagtailUsersAppConfig):
    """wagtail.users with forms for staff numbers and Japanese names."""

    user_viewset = "lms.wagtail_users.StaffUserViewSet"
