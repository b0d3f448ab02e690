"""Roles are Django groups with fixed codes; the codes are the group names."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    STAFF = "staff", _("Staff")
    DEPT_HEAD = "dept_head", _("Department head")
    HR = "hr", _("HR")
    IT_POLICY = "it_policy", _("IT policy")
    DX_LEADER = "dx_leader", _("DX promotion leader")
    ADMIN = "admin", _("Site administrator")


# Roles that work in the Wagtail admin (authoring, organisation data).
ADMIN_ACCESS_ROLES = (Role.DX_LEADER, Role.IT_POLICY, Role.ADMIN)


def user_has_role(user, role: Role) -> bool:
    """True when the user is in the role's group. Superusers hold every role.

    The group names are read once per request-bound user object.
    """
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    cached = getattr(user, "_shinka_role_cache", None)
    if cached is None:
        cached = set(user.groups.values_list("name", flat=True))
        user._shinka_role_cache = cached
    return role in cached
