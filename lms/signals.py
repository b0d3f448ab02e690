"""Audit of sign-ins, two-factor and password changes and unattributed role changes
(framework signals)."""

from allauth.account import signals as account_signals
from allauth.mfa import signals as mfa_signals
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.db.models.signals import m2m_changed, pre_delete
from django.dispatch import receiver
from wagtail.log_actions import get_active_log_context

from lms.audit import Actor, audit_record
from lms.models import AuditEvent
from lms.people.directory import signed_in_through_directory
from lms.people.roles import roles_audited_by_a_service


@receiver(user_logged_in)
def record_login(sender, request, user, **kwargs):
    if request is not None and signed_in_through_directory(request, user):
        return  # audited with the IdP's name (lms.people.directory.record_directory_sign_in)
    # A password checked by the town's LDAP directory names it (lms.people.directory_ldap).
    ldap_directory = getattr(user, "shinka_directory_idp", None)
    audit_record(
        request=request,
        action=AuditEvent.Action.LOGIN_SUCCEEDED,
        actor=user,
        subject=user,
        **({"idp": ldap_directory, "via": "ldap"} if ldap_directory else {}),
    )


@receiver(user_login_failed)
def record_login_failure(sender, credentials, request=None, **kwargs):
    # Never the password: only what was typed as the login name.
    login = (
        credentials.get("login") or credentials.get("username") or credentials.get("email") or ""
    )
    audit_record(request=request, action=AuditEvent.Action.LOGIN_FAILED, login=str(login))


def _record_mfa(action):
    def record(sender, request, user, authenticator, **kwargs):
        audit_record(
            request=request, action=action, actor=user, subject=user, kind=authenticator.type
        )

    return record


# Two-factor changes are security events: who, when, from where, which kind.
for _signal, _action in (
    (mfa_signals.authenticator_added, AuditEvent.Action.MFA_ADDED),
    (mfa_signals.authenticator_removed, AuditEvent.Action.MFA_REMOVED),
    (mfa_signals.authenticator_reset, AuditEvent.Action.MFA_RESET),
    (mfa_signals.authentication_failed, AuditEvent.Action.MFA_FAILED),
):
    _signal.connect(_record_mfa(_action), weak=False, dispatch_uid=f"audit-{_action}")


def _record_password(via):
    def record(sender, request, user, **kwargs):
        audit_record(
            request=request,
            action=AuditEvent.Action.PASSWORD_CHANGED,
            actor=user,
            subject=user,
            via=via,
        )

    return record


# Passwords are only ever set by their owner (lms.people.grants): changed while signed in,
# or chosen through a reset link.
for _signal, _via in (
    (account_signals.password_changed, "change"),
    (account_signals.password_set, "set"),
    (account_signals.password_reset, "reset_link"),
):
    _signal.connect(_record_password(_via), weak=False, dispatch_uid=f"audit-password-{_via}")


# One home for role changes: the services in lms.people.roles (reached from the Wagtail
# and Django user screens and the bulk "assign role" action through
# lms.people.grants.person_access_set, and from track_editor_assign) change the
# groups and write ROLES_CHANGED, with the actor and the groups before and after, in the
# change's own transaction; this receiver stays silent while they do. It remains only as
# the catch-all for changes made any other way (a shell, the demo seed, code calling
# ``user.groups.add``): such a change still leaves a trace, with no actor, because
# nobody is known to have made it. One change is one event either way.
@receiver(m2m_changed, sender=get_user_model().groups.through)
def record_role_change(sender, instance, action, pk_set, model, reverse, **kwargs):
    if roles_audited_by_a_service():
        return
    changes = action in ("post_add", "post_remove") and pk_set  # an add of nothing is no change
    if not reverse and changes:
        # user.groups.add(group): the groups added are in pk_set.
        names = sorted(model.objects.filter(pk__in=pk_set).values_list("name", flat=True))
        _record_unattributed(instance, action, names)
    elif not reverse and action == "pre_clear":
        # user.groups.clear(): no pk_set; the groups taken away, read before they go.
        names = sorted(instance.groups.values_list("name", flat=True))
        if names:
            _record_unattributed(instance, action, names)
    elif reverse and changes:
        # group.user_set.add(user): the users are in pk_set.
        for user in model.objects.filter(pk__in=pk_set):
            _record_unattributed(user, action, [instance.name])
    elif reverse and action == "pre_clear":
        # group.user_set.clear(): the members, read before they go.
        for user in instance.user_set.all():
            _record_unattributed(user, action, [instance.name])


@receiver(pre_delete, sender=Group)
def record_group_deleted(sender, instance, **kwargs):
    """Deleting a group takes its role away from every member, with no m2m signal (the
    rows go in the delete's cascade): one ROLES_CHANGED per member, read before the
    delete. The actor is the admin user when the delete comes from the Wagtail admin
    (its views run in a ``LogContext``) or the Django admin (``lms.admin`` opens one)."""
    if roles_audited_by_a_service():
        return
    user = get_active_log_context().user
    by = Actor(user=user if user is not None and user.is_authenticated else None)
    for member in instance.user_set.all():
        audit_record(
            by=by,
            action=AuditEvent.Action.ROLES_CHANGED,
            subject=member,
            change="group_deleted",
            groups=[instance.name],
        )


def _record_unattributed(user, action, names):
    change = action.removeprefix("post_").removeprefix("pre_")
    audit_record(action=AuditEvent.Action.ROLES_CHANGED, subject=user, change=change, groups=names)
