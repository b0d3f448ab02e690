"""Issuing a 修了証 and checking its number: each a service with its own transaction and
audit event (``lms.audit``)."""

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from courses.fiscal import local_today
from lms.audit import Actor, audit_record
from lms.certificates import numbers
from lms.certificates.records import learning_record
from lms.models import AuditEvent, Certificate
from lms.people.permissions import can_verify_certificate

NOT_COMPLETED = _("There is no completion for this certificate.")


class CertificateNotAvailable(Exception):
    pass


@transaction.atomic
def certificate_issue(*, user, page_id: int, cycle: int, by: Actor) -> tuple[Certificate, bool]:
    """The certificate of ``user``'s completion of a course or track (page id and cycle):
    stored with a new number the first time, the same number every time after.
    Returns (certificate, first issue). Every issue is audited."""
    if user.organization_id is None:
        raise CertificateNotAvailable(NOT_COMPLETED)
    completion = learning_record(user=user).find(page_id, cycle)
    if completion is None:
        raise CertificateNotAvailable(NOT_COMPLETED)
    fields = {"user": user, "kind": completion.kind, "page_id": page_id, "cycle": cycle}
    certificate = completion.certificate
    created = certificate is None
    if not created:
        certificate = Certificate.objects.select_related("organization").get(pk=certificate.pk)
    else:
        try:
            with transaction.atomic():  # a second tab issuing at the same time
                certificate = Certificate.objects.create(
                    **fields,
                    number=numbers.new_number(),
                    organization_id=user.organization_id,
                    course_id=page_id if completion.kind == Certificate.Kind.COURSE else None,
                    track_id=page_id if completion.kind == Certificate.Kind.TRACK else None,
                    title=completion.title[:255],
                    completed_at=completion.completed_at,
                )
        except IntegrityError:
            certificate = Certificate.objects.get(**fields)
            created = False
    audit_record(
        by=by,
        action=AuditEvent.Action.CERTIFICATE_ISSUED,
        subject=user,
        staff_number=user.staff_number,
        number=certificate.number,
        title=certificate.title,
        first_issue=created,
    )
    return certificate, created


def certificate_issue_rendered(
    *, user, page_id: int, cycle: int, by: Actor, render: Callable[[Certificate], bytes]
) -> tuple[Certificate, bytes]:
    """``certificate_issue`` and the file the person receives, in one transaction: when
    ``render`` fails, neither the certificate nor its audit row is kept, so the log never
    shows an issue that nobody received."""
    with transaction.atomic():
        certificate, _created = certificate_issue(user=user, page_id=page_id, cycle=cycle, by=by)
        return certificate, render(certificate)


VALID, NOT_FOUND, INVALID = "valid", "not_found", "invalid"


@dataclass(frozen=True)
class Verification:
    result: str  # VALID, NOT_FOUND or INVALID
    number: str = ""  # normalised, when it is a well-formed number
    certificate: Certificate | None = None


@transaction.atomic
def certificate_verify(
    *, viewer, text: str, by: Actor, day: datetime.date | None = None
) -> Verification:
    """Check a certificate number typed or scanned by ``viewer``; audited, whatever the
    answer. A malformed or altered number (its check character does not match) is
    INVALID; a number that is not stored, or that ``viewer`` may not see, NOT_FOUND."""
    day = day or local_today()
    try:
        number = numbers.normalise(text)
    except numbers.InvalidNumber:
        audit_record(
            by=by, action=AuditEvent.Action.CERTIFICATE_VERIFIED, result=INVALID, typed=text[:40]
        )
        return Verification(INVALID)
    certificate = (
        Certificate.objects.select_related("user", "organization").filter(number=number).first()
    )
    if certificate is None or not can_verify_certificate(viewer, certificate, day=day):
        audit_record(
            by=by, action=AuditEvent.Action.CERTIFICATE_VERIFIED, result=NOT_FOUND, number=number
        )
        return Verification(NOT_FOUND, number)
    audit_record(
        by=by,
        action=AuditEvent.Action.CERTIFICATE_VERIFIED,
        subject=certificate.user,
        result=VALID,
        number=number,
        staff_number=certificate.user.staff_number,
    )
    return Verification(VALID, number, certificate)
