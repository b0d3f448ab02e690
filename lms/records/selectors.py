"""Reads of recorded and imported completions."""

from courses.models import CourseCompletion


def recorded_completions_of(person) -> list[CourseCompletion]:
    """The person's completions recorded by HR or a head, or imported, newest first: one
    query."""
    return list(
        CourseCompletion.objects.filter(user=person)
        .exclude(source=CourseCompletion.Source.ONLINE)
        .select_related("course", "recorded_by")
        .order_by("-completed_at", "-pk")
    )
