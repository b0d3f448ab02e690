"""受講履歴 (a person's learning record): every completion with its date, score and
certificate, by fiscal year. One selector, a fixed number of queries (six) whatever the
number of completions, courses or tracks.

- *Courses*: every stored ``CourseCompletion`` of the person (of any course, published or
  not: a completion is a fact), one line per course and cycle.
- *Tracks*: the live tracks of the person's town whose live courses are all completed,
  by the rule in ``lms.assignments.track_completions`` (once, or each fiscal year when
  the track has an annual course).
- *Certified earlier*: a completion with an issued certificate stays, as the certificate
  recorded it, when the rule no longer finds it (a course added to the track later).
- *Fiscal year* of a line: that of its completion day in Japan time.
- *Score*: for a course whose modules were completed by passing a quiz, the share of
  right answers over those passing attempts (the attempts that completed its modules in
  the cycle); none for a course without a quiz.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils import timezone

from assessments.scoring import score_percent
from courses.fiscal import fiscal_year_of, japanese_fiscal_year, western_date, japanese_date
from courses.models import (
    CourseCompletion,
    CoursePage,
    ModuleCompletion,
    TrackPage,
    parent_path,
)
from lms.assignments import track_completions
from lms.models import Certificate
from lms.towns import tracks_of_towns


@dataclass
class Completion:
    kind: str  # Certificate.Kind
    page_id: int
    title: str
    cycle: int
    completed_at: datetime.datetime
    track_title: str = ""  # a course's track, when it is still in one
    score: int | None = None
    certificate: Certificate | None = None

    @property
    def completed_on(self) -> datetime.date:
        return timezone.localdate(self.completed_at)

    @property
    def fiscal_year(self) -> int:
        return fiscal_year_of(self.completed_on)

    @property
    def completed_wareki(self) -> str:
        return japanese_date(self.completed_on)

    @property
    def completed_seireki(self) -> str:
        return western_date(self.completed_on)

    @property
    def key(self) -> tuple[int, int]:
        return (self.page_id, self.cycle)


@dataclass
class FiscalYearGroup:
    fiscal_year: int
    completions: list[Completion] = field(default_factory=list)

    @property
    def label(self) -> str:
        return japanese_fiscal_year(self.fiscal_year)


@dataclass
class LearningRecord:
    user: object
    completions: list[Completion]

    def find(self, page_id: int, cycle: int) -> Completion | None:
        return next((c for c in self.completions if c.key == (page_id, cycle)), None)

    @property
    def by_fiscal_year(self) -> list[FiscalYearGroup]:
        """Newest year first; within a year, by completion time."""
        groups: dict[int, FiscalYearGroup] = {}
        for completion in self.completions:
            year = completion.fiscal_year
            groups.setdefault(year, FiscalYearGroup(year)).completions.append(completion)
        return [groups[year] for year in sorted(groups, reverse=True)]


def learning_record(*, user) -> LearningRecord:
    """The person's learning record. Six queries: course completions (with their pages),
    the scores, the town's live tracks, their live courses, the person's certificates and
    the track titles of the completed courses."""
    stored = list(
        CourseCompletion.objects.filter(user=user)
        .select_related("course")
        .only("course_id", "cycle", "completed_at", "course__title", "course__path")
        .order_by("completed_at", "pk")
    )
    scores = _scores(user=user, course_paths={c.course.path for c in stored})
    completions = [
        Completion(
            kind=Certificate.Kind.COURSE,
            page_id=c.course_id,
            title=c.course.title,
            cycle=c.cycle,
            completed_at=c.completed_at,
            score=scores.get((c.course.path, c.cycle)),
        )
        for c in stored
    ]
    track_titles = _track_titles({c.course.path for c in stored})
    for completion, row in zip(completions, stored, strict=True):
        completion.track_title = track_titles.get(parent_path(row.course.path), "")
    completions += _track_completions(
        user=user, stored=[(c.course_id, c.cycle, c.completed_at) for c in stored]
    )
    issued = {
        (cert.page_id, cert.cycle): cert
        for cert in Certificate.objects.filter(user=user).only(
            "number",
            "page_id",
            "cycle",
            "kind",
            "title",
            "completed_at",
            "user_id",
            "organization_id",
        )
    }
    for completion in completions:
        completion.certificate = issued.pop(completion.key, None)
    # What was certified stays in the record, and its certificate can be printed again,
    # when the rule no longer finds it (a course added to a certified track later, a
    # course deleted): the certificate recorded the completion as it was.
    for certificate in issued.values():
        completions.append(
            Completion(
                kind=certificate.kind,
                page_id=certificate.page_id,
                title=certificate.title,
                cycle=certificate.cycle,
                completed_at=certificate.completed_at,
                certificate=certificate,
            )
        )
    completions.sort(key=lambda c: (c.completed_at, c.kind != Certificate.Kind.COURSE))
    return LearningRecord(user=user, completions=completions)


def _scores(*, user, course_paths) -> dict[tuple[str, int], int]:
    """(course path, cycle) → the score over the passing attempts that completed modules."""
    if not course_paths:
        return {}
    totals: dict[tuple[str, int], list[int]] = defaultdict(lambda: [0, 0])
    rows = ModuleCompletion.objects.filter(user=user, via_attempt__isnull=False).values_list(
        "module__path", "cycle", "via_attempt__correct_count", "via_attempt__question_count"
    )
    for module_path, cycle, correct, count in rows:
        key = (parent_path(module_path), cycle)
        if key[0] in course_paths:
            totals[key][0] += correct
            totals[key][1] += count
    return {key: score_percent(correct, count) for key, (correct, count) in totals.items() if count}


def _track_titles(course_paths) -> dict[str, str]:
    paths = {parent_path(path) for path in course_paths}
    if not paths:
        return {}
    return dict(TrackPage.objects.filter(path__in=paths).values_list("path", "title"))


def _track_completions(*, user, stored) -> list[Completion]:
    """The completed live tracks of the person's town (``User.organization``)."""
    if user.organization_id is None:
        return []
    tracks = list(
        tracks_of_towns([user.organization_id]).live().only("id", "title", "path").order_by("path")
    )
    if not tracks:
        return []
    by_path = {track.path: track for track in tracks}
    courses: dict[int, dict[int, bool]] = {track.id: {} for track in tracks}
    under_a_track = Q(pk__in=[])
    for path in by_path:
        under_a_track |= Q(path__startswith=path)
    live_courses = CoursePage.objects.live().filter(under_a_track)
    for course_id, path, annual in live_courses.values_list("id", "path", "annual"):
        track = by_path.get(parent_path(path))
        if track is not None:
            courses[track.id][course_id] = annual
    result = []
    for track in tracks:
        for cycle, completed_at in track_completions(
            annual_by_course=courses[track.id], completions=stored
        ).items():
            result.append(
                Completion(
                    kind=Certificate.Kind.TRACK,
                    page_id=track.id,
                    title=track.title,
                    cycle=cycle,
                    completed_at=completed_at,
                )
            )
    return result
