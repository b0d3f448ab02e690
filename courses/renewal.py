"""Renewal (更新): a course whose completions are valid for a period (docs/renewal.md).

A course with ``validity_months`` (12, 24 or 36) is neither one-off nor annual: each
completion is valid from its day in Japan up to, not including, its *expiry date*
(``expiry_date``: that day ``validity_months`` later; a day the month does not have, 29
February, becomes the month's last day, 28 February). On the expiry date the course is
due again.

Rounds: the learner takes the course in rounds, and the round number is the ``cycle`` of
its module and course completions (the unique constraints stay (user, module, cycle) and
(user, course, cycle)). The first round is 0, as for a one-off course, so a one-off course
given a validity keeps its completions as round 0. On day D the learner's round
(``RenewalState.cycle``) is, with the latest completion stored by the end of D (the one of
the highest cycle: cycles only grow with time):

* none: round 0;
* round k, and D before its *renewal window* (which opens ``expiry_warning_days`` before
  the expiry date): round k, complete;
* round k, D in the window or after the expiry: round k + 1. Modules studied from then on
  count for the new round only, so the learner may renew before the expiry; the old
  completion stays valid until its expiry date.

Status on day D: completed while D < the expiry date of the latest completion; afterwards
not started or in progress (the modules done in the new round) and due on the expiry date
(overdue from the next day, as any due date). ``lms.assignments`` holds the rule's Python
and SQL forms beside the others.
"""

import calendar
import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils import timezone

from .fiscal import end_of_day


def months_later(day: datetime.date, months: int) -> datetime.date:
    """The same day ``months`` later; a day the month lacks becomes its last (31 → 30,
    29 February → 28 February)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def expiry_date(completed_at: datetime.datetime, months: int) -> datetime.date:
    """The first day a completion at ``completed_at`` is no longer valid: its day in Japan,
    ``months`` later (``months_later``)."""
    return months_later(timezone.localdate(completed_at), months)


@dataclass(frozen=True)
class RenewalState:
    """One learner's standing in a renewal course on ``day``."""

    day: datetime.date
    cycle: int  # the round modules completed on ``day`` count for
    completed_at: datetime.datetime | None = None  # of the latest completion, by the day
    latest_cycle: int | None = None
    expires_on: datetime.date | None = None  # of the latest completion
    warning_days: int = 0

    @property
    def valid(self) -> bool:
        """The latest completion is valid on the day (completed)."""
        return self.expires_on is not None and self.day < self.expires_on

    @property
    def expired(self) -> bool:
        return self.expires_on is not None and self.expires_on <= self.day

    @property
    def warn_from(self) -> datetime.date | None:
        if self.expires_on is None:
            return None
        return self.expires_on - datetime.timedelta(days=self.warning_days)

    @property
    def expiring_soon(self) -> bool:
        """Valid, and within the warning period before the expiry (the renewal window)."""
        return self.valid and self.warn_from <= self.day

    @property
    def days_left(self) -> int | None:
        return (self.expires_on - self.day).days if self.expires_on else None


def renewal_state(
    *,
    completions: Iterable[tuple[int, datetime.datetime]],
    day: datetime.date,
    months: int,
    warning_days: int,
) -> RenewalState:
    """The rule above, for one learner and course: ``completions`` are their stored course
    completions (cycle, completed_at), any; those after the end of ``day`` are left out."""
    end = end_of_day(day)
    before = [(cycle, at) for cycle, at in completions if at < end]
    if not before:
        return RenewalState(day=day, cycle=0, warning_days=warning_days)
    cycle, at = max(before)
    expires_on = expiry_date(at, months)
    window = expires_on - datetime.timedelta(days=warning_days)
    return RenewalState(
        day=day,
        cycle=cycle + 1 if day >= window else cycle,
        completed_at=at,
        latest_cycle=cycle,
        expires_on=expires_on,
        warning_days=warning_days,
    )


def renewal_states(*, user, courses: Iterable, day: datetime.date) -> dict[int, RenewalState]:
    """Course id → ``RenewalState`` for the renewal courses among ``courses`` (pages):
    one query, none when there is no renewal course or no signed-in user."""
    from .models import CourseCompletion

    renewing = {course.id: course for course in courses if course.validity_months}
    if not renewing:
        return {}
    stored: dict[int, list] = {course_id: [] for course_id in renewing}
    if getattr(user, "is_authenticated", False):
        for course_id, cycle, at in CourseCompletion.objects.filter(
            user=user, course_id__in=renewing, completed_at__lt=end_of_day(day)
        ).values_list("course_id", "cycle", "completed_at"):
            stored[course_id].append((cycle, at))
    return {
        course_id: renewal_state(
            completions=stored[course_id],
            day=day,
            months=course.validity_months,
            warning_days=course.expiry_warning_days,
        )
        for course_id, course in renewing.items()
    }


def learner_cycle(*, user, course, day: datetime.date) -> int:
    """The cycle a learner's module (and course) completions of ``course`` on ``day``
    count for: the fiscal year for an annual course, the round for a renewal course, 0
    otherwise. One query for a renewal course, none otherwise."""
    from .fiscal import fiscal_year_of
    from .models import cycle_for

    if course.validity_months:
        return renewal_states(user=user, courses=[course], day=day)[course.id].cycle
    return cycle_for(annual=course.annual, fiscal_year=fiscal_year_of(day))


def next_recorded_cycle(*, user_id: int, course) -> tuple[int, datetime.datetime | None]:
    """For a completion recorded by HR or a head: the round after the person's highest
    stored one (0 when none), and when that one was completed (a recorded completion must
    be later, so rounds keep growing with time)."""
    from .models import CourseCompletion

    latest = (
        CourseCompletion.objects.filter(user_id=user_id, course=course)
        .order_by("-cycle")
        .values_list("cycle", "completed_at")
        .first()
    )
    if latest is None:
        return 0, None
    return latest[0] + 1, latest[1]
