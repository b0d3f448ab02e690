"""確認・同意の記録: who of a town has attested a module's current version, and when
(issue 19). The counts without names are the authors' report (``courses/wagtail_hooks.py``,
``AttestationReport``); the names are for HR (``can_read_attestation_records``), who has to
show that everyone attested the 情報セキュリティポリシー and to chase those who have not.

The rule, read from ``courses/attestations.py``: a person has attested **the current
version** when a ``ModuleAttestation`` of the module's ``attestation_version`` is stored for
the module's cycle of the day (the fiscal year for a module of an annual course, else 0)
and was made by the end of the day. Who is listed: everyone with a post in the town on the
day, at their primary post there (``lms/people/posts.py``), in the department order of the
town's reports. An attestation of an earlier version (before 「全員に再確認を求める」) is
shown as such, with its date: it does not count as the current one.
"""

import datetime
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Count, Exists, OuterRef, Q, Subquery

from courses.fiscal import end_of_day, fiscal_year_of
from courses.models import CoursePage, ModuleAttestation, ModulePage, cycle_for, parent_path
from lms.models import Membership
from lms.people.posts import PRIMARY_POST_ORDER
from lms.towns import pages_of_towns_q

CURRENT = "current"
EARLIER = "earlier"
MISSING = "missing"
STATUSES = (CURRENT, EARLIER, MISSING)


def attestation_modules(organization_id: int):
    """The live modules of the town's learning home that ask for attestation, in tree
    order (no query of its own)."""
    return (
        ModulePage.objects.live()
        .filter(requires_attestation=True)
        .filter(pages_of_towns_q([organization_id]))
        .defer_streamfields()
        .order_by("path")
    )


@dataclass(frozen=True)
class AttestationRecords:
    """The people of a town for one module, annotated (``people``, a lazy queryset with
    ``department_name``, ``position_name``, ``current_at``, ``earlier_version``,
    ``earlier_at``), and the counts for the whole town (``counts``: status → people)."""

    module: ModulePage
    cycle: int
    people: object
    counts: dict[str, int]


def attestation_records(
    *, module: ModulePage, organization_id: int, day: datetime.date, status: str | None = None
) -> AttestationRecords:
    """Everyone with a post in the town on ``day`` and their attestation of ``module``.
    ``status`` (``CURRENT``, ``EARLIER``, ``MISSING``) keeps only those. Two queries: the
    counts, then the people (or one page of them, as the caller slices)."""
    course = CoursePage.objects.only("annual", "validity_months").get(path=parent_path(module.path))
    # A renewal course's round is each learner's own: its current version in any round.
    renewal = bool(course.validity_months)
    cycle = None if renewal else cycle_for(annual=course.annual, fiscal_year=fiscal_year_of(day))
    by_then = end_of_day(day)
    posts = Membership.objects.active_on(day).filter(department__organization_id=organization_id)
    home = posts.filter(user=OuterRef("pk")).order_by(*PRIMARY_POST_ORDER)
    rows = ModuleAttestation.objects.filter(
        user=OuterRef("pk"), module=module, attested_at__lt=by_then
    )
    this_cycle = {} if renewal else {"cycle": cycle}
    current = rows.filter(version=module.attestation_version, **this_cycle)
    earlier = rows.exclude(version=module.attestation_version, **this_cycle).order_by(
        "-attested_at", "-pk"
    )
    people = (
        get_user_model()
        .objects.filter(pk__in=posts.values("user_id"))
        .annotate(
            department_name=Subquery(home.values("department__name")[:1]),
            department_order=Subquery(home.values("department__sort_order")[:1]),
            position_name=Subquery(home.values("position__name")[:1]),
            current_at=Subquery(current.order_by("attested_at").values("attested_at")[:1]),
            earlier_version=Subquery(earlier.values("version")[:1]),
            earlier_at=Subquery(earlier.values("attested_at")[:1]),
            has_current=Exists(current),
            has_earlier=Exists(earlier),
        )
    )
    totals = people.aggregate(
        all=_count(Q()),
        current=_count(Q(has_current=True)),
        earlier=_count(Q(has_current=False, has_earlier=True)),
    )
    counts = {
        CURRENT: totals["current"],
        EARLIER: totals["earlier"],
        MISSING: totals["all"] - totals["current"] - totals["earlier"],
    }
    if status == CURRENT:
        people = people.filter(has_current=True)
    elif status == EARLIER:
        people = people.filter(has_current=False, has_earlier=True)
    elif status == MISSING:
        people = people.filter(has_current=False, has_earlier=False)
    people = people.order_by("department_order", "department_name", "staff_number", "pk")
    return AttestationRecords(module=module, cycle=cycle, people=people, counts=counts)


def _count(condition: Q) -> Count:
    return Count("pk", filter=condition)


def status_of(person) -> str:
    """The status of one annotated person of ``attestation_records``."""
    if person.has_current:
        return CURRENT
    return EARLIER if person.has_earlier else MISSING
