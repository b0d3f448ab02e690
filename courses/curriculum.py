"""The live curriculum (tracks → courses → modules) as ids, read in three queries."""

from collections import defaultdict
from dataclasses import dataclass

from courses.models import CoursePage, ModulePage, TrackPage, parent_path


@dataclass(frozen=True)
class Curriculum:
    tracks: dict[int, TrackPage]
    courses: dict[int, CoursePage]
    courses_by_track: dict[int, list[int]]
    modules_by_course: dict[int, list[int]]

    @classmethod
    def load(cls) -> "Curriculum":
        """Live tracks, courses and modules: three queries."""
        tracks = {t.id: t for t in TrackPage.objects.live().order_by("path")}
        courses = {c.id: c for c in CoursePage.objects.live().order_by("path")}
        track_by_path = {t.path: t.id for t in tracks.values()}
        course_by_path = {c.path: c.id for c in courses.values()}
        courses_by_track: dict[int, list[int]] = defaultdict(list)
        for course in courses.values():
            track_id = track_by_path.get(parent_path(course.path))
            if track_id:
                courses_by_track[track_id].append(course.id)
        modules_by_course: dict[int, list[int]] = defaultdict(list)
        for module_id, path in ModulePage.objects.live().values_list("id", "path"):
            course_id = course_by_path.get(parent_path(path))
            if course_id:
                modules_by_course[course_id].append(module_id)
        return cls(tracks, courses, dict(courses_by_track), dict(modules_by_course))

    def cycle(self, course_id: int, fiscal_year: int) -> int:
        return fiscal_year if self.courses[course_id].annual else 0
