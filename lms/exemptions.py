"""Exemptions (免除): HR excuses a person from a track for a period.

The writes, each owning its transaction and its audit row. Who may make them is
``lms.people.permissions.can_manage_exemptions`` (HR of the person's town), asked by the
screens before they call here; what an exemption changes in the reports is decided in
``lms/assignments.py``. Exemptions are never deleted (the reports of the days they
covered must stay explainable): one that should not have been is ended, or corrected.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from lms.audit import Actor, audit_record
from lms.models import AuditEvent, Exemption
from lms.models.assignments import EXEMPTION_ENDS_BEFORE_IT_STARTS
from lms.towns import people_of_towns, tracks_of_towns

PERSON_OF_ANOTHER_TOWN = _("Choose a person of the organisation chosen above.")
TRACK_OF_ANOTHER_TOWN = _("Choose a track of the organisation chosen above.")

FIELDS = {"organization", "user", "track", "starts_on", "ends_on", "reason", "note"}


def _validated(exemption: Exemption) -> None:
    """The model's checks, and that the person (who holds or held a post there) and the
    track are the town's."""
    errors = {}
    try:
        exemption.full_clean()
    except ValidationError as error:
        errors = error.update_error_dict(errors)
    if exemption.organization_id and exemption.user_id and "user" not in errors:
        town_people = people_of_towns([exemption.organization_id])
        if not town_people.filter(user_id=exemption.user_id).exists():
            errors["user"] = [PERSON_OF_ANOTHER_TOWN]
    if exemption.organization_id and exemption.track_id and "track" not in errors:
        town_tracks = tracks_of_towns([exemption.organization_id])
        if not town_tracks.filter(pk=exemption.track_id).exists():
            errors["track"] = [TRACK_OF_ANOTHER_TOWN]
    if errors:
        raise ValidationError(errors)


def _described(exemption: Exemption) -> dict:
    return {
        "exemption": exemption.pk,
        "track": exemption.track_id,
        "starts_on": exemption.starts_on.isoformat(),
        "ends_on": exemption.ends_on.isoformat() if exemption.ends_on else None,
        "reason": exemption.reason,
    }


@transaction.atomic
def exemption_create(
    *,
    by: Actor,
    organization,
    user,
    track,
    starts_on: datetime.date,
    ends_on: datetime.date | None = None,
    reason: str,
    note: str = "",
) -> Exemption:
    """Exempt ``user`` from ``track`` for the period; audited. Raises ``ValidationError``
    (Japanese messages per field) on a bad period or reason."""
    exemption = Exemption(
        organization=organization,
        user=user,
        track=track,
        starts_on=starts_on,
        ends_on=ends_on,
        reason=reason,
        note=note,
    )
    _validated(exemption)
    exemption.save()
    audit_record(
        by=by, action=AuditEvent.Action.EXEMPTION_CREATED, subject=user, **_described(exemption)
    )
    return exemption


@transaction.atomic
def exemption_update(*, by: Actor, exemption: Exemption, **changes) -> Exemption:
    """Correct an exemption (person, track, period, reason, note); audited with what it
    was. ``changes``: model fields among ``FIELDS``, by name."""
    unknown = set(changes) - FIELDS
    if unknown:
        raise TypeError(f"not fields of an exemption: {sorted(unknown)}")
    before = _described(Exemption.objects.get(pk=exemption.pk))
    for name, value in changes.items():
        setattr(exemption, name, value)
    _validated(exemption)
    exemption.save()
    audit_record(
        by=by,
        action=AuditEvent.Action.EXEMPTION_CHANGED,
        subject=exemption.user,
        before=before,
        **_described(exemption),
    )
    return exemption


@transaction.atomic
def exemption_end(*, by: Actor, exemption: Exemption, ends_on: datetime.date) -> Exemption:
    """End an exemption on ``ends_on`` (its last exempt day); audited. Ending it again
    on the same day changes nothing and writes no second row."""
    exemption = Exemption.objects.select_for_update().get(pk=exemption.pk)
    if exemption.ends_on == ends_on:
        return exemption
    if ends_on < exemption.starts_on:
        raise ValidationError({"ends_on": EXEMPTION_ENDS_BEFORE_IT_STARTS})
    previous = exemption.ends_on
    exemption.ends_on = ends_on
    exemption.save(update_fields=["ends_on"])
    audit_record(
        by=by,
        action=AuditEvent.Action.EXEMPTION_ENDED,
        subject=exemption.user,
        previous_end=previous.isoformat() if previous else None,
        **_described(exemption),
    )
    return exemption
