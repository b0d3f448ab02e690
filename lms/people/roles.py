"""Roles are Django groups with fixed codes; the codes are the group names.

Changing someone's groups is an audited action: ``person_roles_set`` and
``person_roles_add`` change them and write the audit event in one transaction. They do
not ask who may: screens go through ``lms.people.grants.person_access_set``, which checks
the grants and then calls them; only the system (the demo seed, through
``track_editor_assign``) calls them directly.
"""

import contextlib
import contextvars
from dataclasses import dataclass

from django.contrib.auth.models import Group
from django.db import models, transaction
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from lms.audit import Actor, audit_record
from lms.models import AuditEvent


class Role(models.TextChoices):
    STAFF = "staff", _("Staff")
    DEPT_HEAD = "dept_head", _("Department head")
    HR = "hr", _("HR")
    IT_POLICY = "it_policy", _("IT policy")
    DX_LEADER = "dx_leader", _("DX promotion leader")
    ADMIN = "admin", _("Site administrator")


# Roles that work in the Wagtail admin (authoring, organisation data).
ADMIN_ACCESS_ROLES = (Role.DX_LEADER, Role.IT_POLICY, Role.ADMIN)


# Wagtail's permission to open its admin (``wagtailadmin.access_admin``), held by groups.
ADMIN_ACCESS_PERMISSION = ("wagtailadmin", "access_admin")


@dataclass(frozen=True)
class HeldGroups:
    """The names of a person's groups, and whether any of them opens Wagtail's admin."""

    names: frozenset[str]
    admin_access: bool


def held_groups(user) -> HeldGroups:
    """The signed-in person's groups, read once per request-bound user object (one query,
    with whether a group holds ``ADMIN_ACCESS_PERMISSION``, as an EXISTS in it)."""
    cached = getattr(user, "_shinka_role_cache", None)
    if cached is None:
        app_label, codename = ADMIN_ACCESS_PERMISSION
        opens_admin = Group.permissions.through.objects.filter(
            group_id=OuterRef("pk"),
            permission__content_type__app_label=app_label,
            permission__codename=codename,
        )
        rows = list(
            user.groups.annotate(opens_admin=Exists(opens_admin)).values_list("name", "opens_admin")
        )
        cached = HeldGroups(
            names=frozenset(name for name, _ in rows),
            admin_access=any(opens for _, opens in rows),
        )
        user._shinka_role_cache = cached
    return cached


def user_has_role(user, role: Role) -> bool:
    """True when the user is in the role's group.

    Being a superuser (the platform operator) holds no role of any town: an operator who
    needs one is given it like anyone else, audited (docs/security.md). The group names
    are read once per request-bound user object (``held_groups``).
    """
    if not user.is_authenticated:
        return False
    return role in held_groups(user).names


# Set while a service changes someone's groups and writes the audit event itself, so the
# catch-all receiver in lms.signals does not record the same change a second time.
_recorded_by_service: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "roles_recorded_by_service", default=False
)


@contextlib.contextmanager
def roles_audited_here():
    """Group changes inside this block are audited by the caller, not by the signal."""
    token = _recorded_by_service.set(True)
    try:
        yield
    finally:
        _recorded_by_service.reset(token)


def roles_audited_by_a_service() -> bool:
    return _recorded_by_service.get()


def _names(groups) -> list[str]:
    return sorted(group.name for group in groups)


@transaction.atomic
def person_roles_set(*, user, groups, actor: Actor) -> AuditEvent | None:
    """Give ``user`` exactly ``groups`` (roles and track editors' groups), audited.

    Writes one ROLES_CHANGED event (actor, subject, the groups before and after) in the
    same transaction as the change; nothing at all when the groups stay the same.
    """
    groups = set(groups)
    before = _names(user.groups.all()) if user.pk else []
    after = _names(groups)
    if before == after:
        return None
    with roles_audited_here():
        user.groups.set(groups)
    user.__dict__.pop("_shinka_role_cache", None)
    return audit_record(
        by=actor, action=AuditEvent.Action.ROLES_CHANGED, subject=user, before=before, after=after
    )


@transaction.atomic
def person_roles_add(*, user, groups, actor: Actor) -> AuditEvent | None:
    """Add ``groups`` to what ``user`` already has, audited as ``person_roles_set``."""
    return person_roles_set(user=user, groups={*user.groups.all(), *groups}, actor=actor)
