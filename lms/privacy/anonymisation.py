"""Anonymisation of former staff once the retention period has passed.

The learning records stay (so statistics stay true); what identifies the person goes.
The change and its PERSON_ANONYMISED audit event are one transaction.
"""

import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assessments.models import SelfAssessment
from lms.audit import Actor, audit_record
from lms.models import AuditEvent, CandidateEntry, Membership, Notice, OutgoingMail
from lms.people.roles import roles_audited_here

STILL_EMPLOYED = _("Only former staff (deactivated accounts) can be anonymised.")


RETENTION_NOT_PASSED = _(
    "The retention period has not passed yet: "
    "this person's records can be anonymised from %(date)s."
)


class PrivacyError(Exception):
    pass


def anonymisable_from(user) -> datetime.date:
    """The first day ``user``'s identity may be removed: retention after their last post."""
    last_day = Membership.objects.filter(user=user).aggregate(last=Max("valid_to"))["last"]
    if Membership.objects.filter(user=user, valid_to__isnull=True).exists() or last_day is None:
        last_day = timezone.localdate()
    return last_day + datetime.timedelta(days=settings.SHINKA_PERSONAL_DATA_RETENTION_DAYS)


@transaction.atomic
def person_anonymise(*, user, actor: Actor, today: datetime.date | None = None) -> AuditEvent:
    """Remove what identifies a former member of staff; keep their learning records.

    Writes one PERSON_ANONYMISED event (with the former staff number and the roles
    taken away) in the same transaction as the change.
    """
    today = today or timezone.localdate()
    if user.is_active:
        raise PrivacyError(STILL_EMPLOYED)
    allowed_from = anonymisable_from(user)
    if today < allowed_from:
        raise PrivacyError(RETENTION_NOT_PASSED % {"date": allowed_from.isoformat()})
    former_staff_number = user.staff_number
    former_roles = sorted(user.groups.values_list("name", flat=True))
    user.staff_number = f"anon-{user.pk}"
    user.family_name = "匿名化済み"
    user.given_name = ""
    user.family_name_kana = ""
    user.given_name_kana = ""
    user.email = f"anon-{user.pk}@invalid.example"
    user.interests = ""
    user.set_unusable_password()
    user.save()
    with roles_audited_here():  # part of this event, not a role change of its own
        user.groups.clear()
    Notice.objects.filter(user=user).delete()
    # Mail to them carries their address and name (mail that names them goes with the
    # outbox's retention, SHINKA_MAIL_RETENTION_DAYS, far shorter than this one).
    OutgoingMail.objects.filter(recipient=user).delete()
    # Candidate reports keep their ranking, without the name.
    CandidateEntry.objects.filter(user=user).update(
        staff_number=user.staff_number, name=user.family_name
    )
    SelfAssessment.objects.filter(user=user).delete()
    # The town's directory accounts linked to them, and the claims it sent (docs/sso.md).
    from allauth.socialaccount.models import SocialAccount

    SocialAccount.objects.filter(user=user).delete()
    return audit_record(
        by=actor,
        action=AuditEvent.Action.PERSON_ANONYMISED,
        subject=user,
        former_staff_number=former_staff_number,
        roles_removed=former_roles,
    )
