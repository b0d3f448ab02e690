"""The fiscal-year close (年度末の締め) and the rollover of track assignments.

Closing a year freezes its year-end (31 March) completion report: the version
that is current when HR closes the year is named by a ``FiscalYearClose`` row
and is never superseded afterwards (``report_rebuild`` refuses, and a build
already on its way is not published). A closed year is not reopened: its
figures are the ones the town reported. Other as-of dates of the year, and
candidate reports, can still be rebuilt.

The rollover copies a year's track assignments into the next fiscal year, due
dates on the same day a year later (29 February → 28 February), with their
departments and positions. The plan is shown first; applying it recomputes it
in one transaction and applies only that same plan (its digest must match), so
what HR confirmed is what is written. Each assignment is copied at most once
(``TrackAssignment.rolled_over_from``) and never next to one with the same
track and audience, so running it again creates nothing.
"""

import datetime
import hashlib
import json
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from courses.fiscal import fiscal_year_bounds, same_day_a_year_later
from lms.audit import Actor, audit_record
from lms.models import AuditEvent, FiscalYearClose, Organization, ReportRun, TrackAssignment


def year_end_report(organization, fiscal_year: int) -> ReportRun | None:
    """The current version of the year's year-end completion report, if there is one."""
    return (
        ReportRun.objects.filter(
            organization=organization,
            kind=ReportRun.Kind.HR_COMPLETION,
            fiscal_year=fiscal_year,
            as_of=fiscal_year_bounds(fiscal_year)[1],
            status__in=ReportRun.FINISHED,
            superseded_at__isnull=True,
        )
        .select_related("requested_by")
        .defer(*ReportRun.LARGE_FIELDS)
        .first()
    )


def year_end_reports(organization, kind: str) -> list[ReportRun]:
    """The current year-end (31 March) report of each fiscal year, newest year first,
    with the year's close when there is one (one query)."""
    return list(
        ReportRun.objects.filter(
            organization=organization,
            kind=kind,
            status__in=ReportRun.FINISHED,
            superseded_at__isnull=True,
            as_of__month=3,
            as_of__day=31,
        )
        .select_related("fiscal_year_close__closed_by")
        .defer(*ReportRun.LARGE_FIELDS)
        .order_by("-fiscal_year")
    )


@dataclass(frozen=True)
class YearEndState:
    """What the year-end page shows for one fiscal year of one town."""

    fiscal_year: int
    ended: bool
    close: FiscalYearClose | None
    report: ReportRun | None
    building: ReportRun | None  # a version of the year-end report being made

    @property
    def can_close(self) -> bool:
        return bool(self.ended and self.close is None and self.report and self.building is None)


def year_end_state(organization, fiscal_year: int, *, today: datetime.date) -> YearEndState:
    end = fiscal_year_bounds(fiscal_year)[1]
    return YearEndState(
        fiscal_year=fiscal_year,
        ended=end < today,
        close=FiscalYearClose.objects.filter(organization=organization, fiscal_year=fiscal_year)
        .select_related("closed_by", "report")
        .first(),
        report=year_end_report(organization, fiscal_year),
        building=ReportRun.objects.filter(
            organization=organization,
            kind=ReportRun.Kind.HR_COMPLETION,
            fiscal_year=fiscal_year,
            as_of=end,
            status__in=[ReportRun.Status.QUEUED, ReportRun.Status.BUILDING],
        )
        .defer(*ReportRun.LARGE_FIELDS)
        .first(),
    )


@transaction.atomic
def fiscal_year_close(
    *, organization, fiscal_year: int, report_id: int, today: datetime.date, actor: Actor
) -> tuple[FiscalYearClose, bool]:
    """Close a fiscal year: freeze the version ``report_id`` of its year-end report
    (the one HR confirmed), audited. Returns the close and whether it was made now;
    a year closed already (a double submission) is returned as it is.

    Raises ``ValidationError`` (in Japanese) when the year has not ended, has no
    finished year-end report, one is being made, or it changed since HR confirmed.
    """
    Organization.objects.select_for_update().filter(pk=organization.pk).exists()
    existing = FiscalYearClose.objects.filter(
        organization=organization, fiscal_year=fiscal_year
    ).first()
    if existing is not None:
        return existing, False
    state = year_end_state(organization, fiscal_year, today=today)
    if not state.ended:
        raise ValidationError(_("A fiscal year can be closed only after it has ended (31 March)."))
    if state.building is not None:
        raise ValidationError(
            _("The year-end report is being made. Close the year when it is ready.")
        )
    if state.report is None:
        raise ValidationError(
            _("There is no year-end (31 March) completion report yet. Create it first.")
        )
    if state.report.pk != report_id:
        raise ValidationError(
            _(
                "The year-end report was rebuilt after you checked it. "
                "Check the new version and close the year again."
            )
        )
    close = FiscalYearClose.objects.create(
        organization=organization,
        fiscal_year=fiscal_year,
        report=state.report,
        closed_by=actor.user,
    )
    audit_record(
        by=actor,
        action=AuditEvent.Action.FISCAL_YEAR_CLOSED,
        fiscal_year=fiscal_year,
        report_id=state.report.pk,
        version=state.report.version,
    )
    return close, True


class Rollover:
    """Whether an assignment of the year is copied into the next one."""

    COPY = "copy"
    ROLLED_OVER = "rolled_over"  # copied by an earlier rollover
    PRESENT = "present"  # next year has one with the same track and audience


@dataclass(frozen=True)
class RolloverItem:
    source: TrackAssignment
    due_date: datetime.date
    outcome: str
    departments: list = field(default_factory=list)
    positions: list = field(default_factory=list)

    def key(self) -> list:
        """What is written for this item: compared between the preview and the apply."""
        return [
            self.source.pk,
            self.source.track_id,
            self.due_date.isoformat(),
            self.source.applies_to_all,
            sorted(d.pk for d in self.departments),
            sorted(p.pk for p in self.positions),
        ]


@dataclass(frozen=True)
class RolloverPlan:
    fiscal_year: int
    items: list[RolloverItem]

    @property
    def to_copy(self) -> list[RolloverItem]:
        return [item for item in self.items if item.outcome == Rollover.COPY]

    @property
    def digest(self) -> str:
        """A fingerprint of exactly what would be written."""
        keys = [item.key() for item in self.to_copy]
        return hashlib.sha256(json.dumps(keys).encode()).hexdigest()


def _audience(assignment: TrackAssignment) -> tuple:
    return (
        assignment.track_id,
        assignment.applies_to_all,
        frozenset(d.pk for d in assignment.departments.all()),
        frozenset(p.pk for p in assignment.positions.all()),
    )


def _assignments(organization, fiscal_year: int):
    return (
        TrackAssignment.objects.filter(organization=organization, fiscal_year=fiscal_year)
        .select_related("track")
        .prefetch_related("departments", "positions")
        .order_by("due_date", "pk")
    )


def rollover_plan(*, organization, fiscal_year: int) -> RolloverPlan:
    """What the rollover from ``fiscal_year`` into the next would do (six queries)."""
    following = list(_assignments(organization, fiscal_year + 1))
    rolled = {a.rolled_over_from_id for a in following if a.rolled_over_from_id}
    present = {_audience(a) for a in following}
    items = []
    for source in _assignments(organization, fiscal_year):
        if source.pk in rolled:
            outcome = Rollover.ROLLED_OVER
        elif _audience(source) in present:
            outcome = Rollover.PRESENT
        else:
            outcome = Rollover.COPY
        items.append(
            RolloverItem(
                source=source,
                due_date=same_day_a_year_later(source.due_date),
                outcome=outcome,
                departments=list(source.departments.all()),
                positions=list(source.positions.all()),
            )
        )
    return RolloverPlan(fiscal_year=fiscal_year, items=items)


class RolloverChanged(ValidationError):
    """The assignments changed between the preview and the apply."""


@transaction.atomic
def track_assignments_roll_over(
    *, organization, fiscal_year: int, digest: str, actor: Actor
) -> list[TrackAssignment]:
    """Copy the year's assignments into the next fiscal year, as previewed; audited.

    ``digest`` is the previewed plan's: if the plan is different now, nothing is
    written (``RolloverChanged``). Returns the assignments made (none when everything
    has been rolled over already, a double submission included; no audit then).
    """
    Organization.objects.select_for_update().filter(pk=organization.pk).exists()
    plan = rollover_plan(organization=organization, fiscal_year=fiscal_year)
    if not plan.to_copy:
        return []
    if plan.digest != digest:
        raise RolloverChanged(
            _("The assignments changed after the preview. Check the new preview and apply it.")
        )
    made = []
    for item in plan.to_copy:
        copy = TrackAssignment.objects.create(
            organization=organization,
            track_id=item.source.track_id,
            fiscal_year=fiscal_year + 1,
            due_date=item.due_date,
            applies_to_all=item.source.applies_to_all,
            rolled_over_from=item.source,
        )
        copy.departments.set(item.departments)
        copy.positions.set(item.positions)
        made.append(copy)
    audit_record(
        by=actor,
        action=AuditEvent.Action.ASSIGNMENTS_ROLLED_OVER,
        from_fiscal_year=fiscal_year,
        to_fiscal_year=fiscal_year + 1,
        created=len(made),
        assignments=[
            [item.source.pk, copy.pk] for item, copy in zip(plan.to_copy, made, strict=True)
        ],
    )
    return made
