"""Who may grant what: roles, the superuser flag, the active flag, password reset links.

The one home of these rules; docs/security.md has them as a table, with the reasons.

- A **superuser** is the platform operator: any group for anyone (also their own roles, to
  take up a post in a town explicitly), the superuser and active flags of others. Being a
  superuser gives no town role (``lms.people.roles.user_has_role``).
- A town's **site administrator** (role ``admin``) gives and takes away every role, and
  track editors' groups, to people of their own town.
- **HR** gives and takes away staff, department head and DX promotion leader.
- Nobody else grants anything.

For everyone but the operator, "people of their own town" means: every post the person
holds today (or, for former staff, ever held) is in a town where the editor holds a post
today; and the person is neither the editor (nobody widens, or narrows, their own roles)
nor a superuser. The active flag, the e-mail address (where reset links go) and reset
links are for an editor who could grant every group the person holds: HR cannot lock out,
or take over by a new address and a reset link, the IT policy officer or an administrator.

Nobody sets another person's password: they are sent allauth's reset link
(``person_password_reset_send``), and choose one themselves.

Screens call ``person_access_set`` and ``person_password_reset_send``, which check these
rules and write the change and its audit event (actor, subject, before → after) in one
transaction; a change the rules refuse raises ``GrantRefused`` and changes nothing.
"""

import datetime
from dataclasses import dataclass

from allauth.account.forms import ResetPasswordForm
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from courses.fiscal import local_today
from lms.audit import Actor, audit_record
from lms.models import AuditEvent, Membership, User
from lms.people.authoring import TRACK_EDITORS_PREFIX
from lms.people.roles import Role, person_roles_set, user_has_role

# Stands for every track editors' group (``track-editors-<track id>``) in the table below.
TRACK_EDITORS = "track-editors"

GRANTS_BY_ROLE: dict[Role, frozenset[str]] = {
    Role.ADMIN: frozenset({*Role.values, TRACK_EDITORS}),
    Role.HR: frozenset({Role.STAFF, Role.DEPT_HEAD, Role.DX_LEADER}),
}

ROLES_REFUSED = _("You may not give or take away these roles: %(roles)s.")
ACTIVE_REFUSED = _("You may not activate or deactivate this account.")
SUPERUSER_REFUSED = _("Only a superuser may make someone a superuser or undo it.")
RESET_REFUSED = _("You may not send this person a password reset link.")
RESET_IMPOSSIBLE = _(
    "A password reset link can only be sent to an active account with an e-mail address."
)


class GrantRefused(PermissionDenied):
    """A change the editor may not make; the message says which, in Japanese."""


def group_kind(name: str) -> str | None:
    """The entry of the table a group falls under: a role, track editors, or None."""
    if name in Role.values:
        return name
    if name.startswith(TRACK_EDITORS_PREFIX):
        return TRACK_EDITORS
    return None  # Wagtail's own groups and any other: the operator's alone


@dataclass(frozen=True)
class AccountGrants:
    """What one editor may change about one person's account."""

    kinds: frozenset[str] = frozenset()  # entries of GRANTS_BY_ROLE they may give or take
    any_group: bool = False  # the operator: every group, also ones the table does not know
    active: bool = False
    superuser: bool = False
    contact: bool = False  # the e-mail address, where reset links are sent
    reset_link: bool = False

    def may_change_group(self, name: str) -> bool:
        return self.any_group or group_kind(name) in self.kinds

    def groups(self):
        """The groups the editor may give or take away, as a queryset."""
        if self.any_group:
            return Group.objects.order_by("name")
        wanted = Q(name__in=[kind for kind in self.kinds if kind != TRACK_EDITORS])
        if TRACK_EDITORS in self.kinds:
            wanted |= Q(name__startswith=TRACK_EDITORS_PREFIX)
        return Group.objects.filter(wanted).order_by("name")


NOTHING = AccountGrants()


def _can_act(editor) -> bool:
    return editor is not None and editor.is_authenticated and editor.is_active


def editor_kinds(editor) -> frozenset[str]:
    """Every entry of the table the editor's roles give them (in their own town)."""
    if not _can_act(editor):
        return frozenset()
    return frozenset().union(
        *(kinds for role, kinds in GRANTS_BY_ROLE.items() if user_has_role(editor, role))
    )


def grants_to_anyone(editor) -> AccountGrants:
    """What the editor may give someone of their town (the bulk "assign role" choices)."""
    if _can_act(editor) and editor.is_superuser:
        return AccountGrants(any_group=True)
    return AccountGrants(kinds=editor_kinds(editor))


def _towns(posts) -> set[int]:
    return set(posts.values_list("department__organization_id", flat=True))


def _in_editors_town(editor, subject, day: datetime.date) -> bool:
    if subject.pk is None:
        return False  # not saved yet: in no town
    editor_towns = _towns(Membership.objects.active_on(day).filter(user=editor))
    subject_towns = _towns(Membership.objects.active_on(day).filter(user=subject)) or _towns(
        Membership.objects.filter(user=subject)  # former staff: where they worked
    )
    return bool(subject_towns) and subject_towns <= editor_towns


def account_grants(editor, subject, *, day: datetime.date | None = None) -> AccountGrants:
    """What ``editor`` may change about ``subject``'s account (the rules at the top)."""
    if not _can_act(editor):
        return NOTHING
    if editor.is_superuser:
        other = subject.pk != editor.pk
        return AccountGrants(
            any_group=True, active=other, superuser=other, contact=True, reset_link=other
        )
    if subject.pk == editor.pk or subject.is_superuser:
        return NOTHING
    kinds = editor_kinds(editor)
    if not kinds or not _in_editors_town(editor, subject, day or local_today()):
        return NOTHING
    held = {group_kind(name) for name in subject.groups.values_list("name", flat=True)}
    manages = held <= kinds
    return AccountGrants(kinds=kinds, active=manages, contact=manages, reset_link=manages)


def group_labels(groups) -> str:
    """Groups as people read them: a role by its name, any other group by its own."""
    return "、".join(
        str(Role(group.name).label) if group.name in Role.values else group.name
        for group in sorted(groups, key=lambda group: group.name)
    )


def _account_flags(current, grants, *, is_active, is_superuser) -> dict[str, bool]:
    """The flags that change, once the grants allow each of them."""
    changes = {}
    if is_active is not None and is_active != current.is_active:
        if not grants.active:
            raise GrantRefused(ACTIVE_REFUSED)
        changes["is_active"] = is_active
    if is_superuser is not None and is_superuser != current.is_superuser:
        if not grants.superuser:
            raise GrantRefused(SUPERUSER_REFUSED)
        changes["is_superuser"] = is_superuser
    return changes


@transaction.atomic
def person_access_set(
    *, user, actor: Actor, groups=None, is_active=None, is_superuser=None
) -> list[AuditEvent]:
    """Change ``user``'s groups, active flag or superuser flag as ``actor`` may.

    ``None`` leaves a thing as it is. A change the grants refuse raises ``GrantRefused``
    and nothing changes. Writes ROLES_CHANGED (groups before → after) and ACCOUNT_CHANGED
    (the flags before → after) in the transaction of the change; nothing when nothing
    changes. An actor with nobody behind it may change nothing here.
    """
    current = User.objects.select_for_update().get(pk=user.pk)
    grants = account_grants(actor.user, current)
    events = []
    if groups is not None:
        groups = set(groups)
        changed = groups ^ set(current.groups.all())
        refused = {group for group in changed if not grants.may_change_group(group.name)}
        if refused:
            raise GrantRefused(ROLES_REFUSED % {"roles": group_labels(refused)})
        events.append(person_roles_set(user=user, groups=groups, actor=actor))
    changes = _account_flags(current, grants, is_active=is_active, is_superuser=is_superuser)
    if changes:
        before = {field: getattr(current, field) for field in changes}
        User.objects.filter(pk=current.pk).update(**changes)
        for field, value in changes.items():
            setattr(user, field, value)
        events.append(
            audit_record(
                by=actor,
                action=AuditEvent.Action.ACCOUNT_CHANGED,
                subject=user,
                before=before,
                after=changes,
            )
        )
    return [event for event in events if event is not None]


@transaction.atomic
def person_password_reset_send(*, user, actor: Actor, request) -> AuditEvent:
    """Send ``user`` allauth's password reset mail, as ``actor`` may; audited.

    The event is written before the mail goes: if sending fails, the transaction rolls
    back and no event claims a mail that was never sent.
    """
    if not account_grants(actor.user, user).reset_link:
        raise GrantRefused(RESET_REFUSED)
    form = ResetPasswordForm(data={"email": user.email})
    if not (user.is_active and user.email and form.is_valid() and user in form.users):
        raise GrantRefused(RESET_IMPOSSIBLE)
    event = audit_record(
        by=actor, action=AuditEvent.Action.PASSWORD_RESET_SENT, subject=user, email=user.email
    )
    form.save(request)
    return event
