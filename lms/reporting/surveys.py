"""受講後アンケートの結果: the courses whose survey results a reader may see and each
course's totals (docs/surveys.md). Totals only, per course and cycle: the figures come from
``courses.surveys.survey_results``, which withholds every question with fewer answers than
``SHINKA_SURVEY_MIN_ANSWERS``; who may read which town's courses, ``lms.people.permissions``.
"""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, OuterRef
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.views.decorators.cache import never_cache

from courses.fiscal import japanese_fiscal_year, local_today
from courses.models import SurveyQuestion, TrackPage, parent_path
from courses.surveys import current_cycle, min_answers, survey_cycles, survey_results
from lms.people.permissions import can_read_surveys, survey_courses_readable_by


def _cycle_label(course, cycle: int) -> str:
    return japanese_fiscal_year(cycle) if course.annual and cycle else ""


@login_required
@never_cache
def survey_index(request):
    """アンケート結果: the readable courses that have a survey, with their answer counts."""
    if not can_read_surveys(request.user):
        raise PermissionDenied
    courses = list(
        survey_courses_readable_by(request.user, day=local_today())
        .filter(Exists(SurveyQuestion.objects.filter(page_id=OuterRef("pk"))))
        .annotate(responses=Count("survey_responses"))
        .order_by("path")
    )
    tracks = {
        track.path: track
        for track in TrackPage.objects.filter(
            path__in={parent_path(course.path) for course in courses}
        )
    }
    rows = [(tracks.get(parent_path(course.path)), course) for course in courses]
    return render(request, "lms/surveys/index.html", {"rows": rows, "threshold": min_answers()})


@login_required
@never_cache
def survey_result(request, course_id: int):
    """One course's survey totals for one cycle (``?cycle=``, the latest with answers by
    default). Another town's course, or a course the reader does not author: 404."""
    if not can_read_surveys(request.user):
        raise PermissionDenied
    course = get_object_or_404(
        survey_courses_readable_by(request.user, day=local_today()), pk=course_id
    )
    cycles = survey_cycles(course)
    if not cycles:
        cycles = [current_cycle(course)]
    cycle = cycles[0]
    asked = request.GET.get("cycle")
    if asked is not None:
        if not asked.isdigit() or int(asked) not in cycles:
            raise Http404
        cycle = int(asked)
    results = survey_results(course=course, cycle=cycle)
    return render(
        request,
        "lms/surveys/result.html",
        {
            "course": course,
            "results": results,
            "cycle_label": _cycle_label(course, cycle),
            "cycles": [(c, _cycle_label(course, c)) for c in cycles] if course.annual else [],
        },
    )
