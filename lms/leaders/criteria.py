"""IT policy's DX leader candidate criteria: changing them is an audited action."""

from django.db import transaction

from lms.audit import Actor, audit_record
from lms.leaders.candidates import leader_criteria_for
from lms.models import AuditEvent, LeaderCriteria

CRITERIA_FIELDS = (
    "minimum_levels",
    "required_track",
    "weight_level",
    "weight_self_nomination",
    "weight_endorsement",
    "weight_authored",
)


def _shown(criteria: LeaderCriteria, name: str):
    """A field's value as the audit event keeps it (JSON, readable without a join)."""
    if name == "required_track":
        track = criteria.required_track
        return {"id": track.pk, "title": track.title} if track else None
    if name == "minimum_levels":
        return dict(sorted((criteria.minimum_levels or {}).items()))
    return getattr(criteria, name)


@transaction.atomic
def leader_criteria_save(*, organization, values: dict, actor: Actor) -> AuditEvent | None:
    """Save the organisation's criteria from ``values`` (``CRITERIA_FIELDS`` → new value).

    Writes one CRITERIA_CHANGED event, with the actor and every changed field as
    before → after, in the save's transaction. When nothing changes nothing is written,
    neither the criteria nor an event: the rules in force stay as they were, so there
    is nothing to account for (the defaults, never saved, stay the defaults).
    """
    unknown = set(values) - set(CRITERIA_FIELDS)
    if unknown:
        raise TypeError(f"Not a criteria field: {', '.join(sorted(unknown))}")
    criteria = LeaderCriteria.objects.select_for_update().filter(
        organization=organization
    ).first() or leader_criteria_for(organization)
    before = {name: _shown(criteria, name) for name in values}
    for name, value in values.items():
        setattr(criteria, name, value)
    changes = {
        name: {"before": before[name], "after": after}
        for name in values
        if (after := _shown(criteria, name)) != before[name]
    }
    if not changes:
        return None
    criteria.full_clean()
    criteria.save()
    return audit_record(
        by=actor,
        action=AuditEvent.Action.CRITERIA_CHANGED,
        organization=organization.code,
        changes=changes,
    )
