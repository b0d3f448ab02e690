"""Audit of sign-ins and role changes (framework signals, handled inside lms only)."""

from allauth.mfa import signals as mfa_signals
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.db.models.signals import m2m_changed
from django.dispatch import receiver

from lms.audit import audit_record
from lms.models import AuditEvent


@receiver(user_logged_in)
def record_login(sender, request, user, **kwargs):
    audit_record(
        request=request, action=AuditEvent.Action.LOGIN_SUCCEEDED, actor=user, subject=user
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


@receiver(m2m_changed, sender=get_user_model().groups.through)
def record_role_change(sender, instance, action, pk_set, model, **kwargs):
    if action not in ("post_add", "post_remove", "post_clear") or not isinstance(
        instance, get_user_model()
    ):
        return
    names = sorted(model.objects.filter(pk__in=pk_set or []).values_list("name", flat=True))
    audit_record(
        action=AuditEvent.Action.ROLES_CHANGED,
        subject=instance,
        change=action.removeprefix("post_"),
        groups=names,
    )
