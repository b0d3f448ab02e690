"""Dashboards and report downloads for HR, department heads and IT policy.

Organisation-wide figures come from the latest finished report (built by a
Celery job), so these pages run a fixed number of queries at any size; a
department's page computes its own members live.
"""

import datetime
from collections import defaultdict

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from courses.fiscal import fiscal_year_of, local_today
from lms.assignments import COMPLETED
from lms.audit import audit_record
from lms.leaders.candidates import candidate_changes
from lms.models import (
    AuditEvent,
    CandidateEntry,
    Department,
    LeaderNomination,
    ReportRun,
)
from lms.people.access import organization_or_404
from lms.people.permissions import (
    can_use_report_kind,
    can_view_department,
    can_view_report,
    can_view_skill_overview,
    headed_department,
    heads,
)
from lms.reporting.charts import completion_chart
from lms.reporting.completion import completion_summary, person_course_rows
from lms.reporting.runs import (
    REPORT_ALREADY_REQUESTED,
    REPORT_QUEUE_DOWN,
    REPORT_QUEUED,
    report_request,
)
from lms.spreadsheets import transcode_to_cp932

DASHBOARD_FOR_KIND = {
    ReportRun.Kind.HR_COMPLETION: "lms:hr_dashboard",
    ReportRun.Kind.DX_CANDIDATES: "lms:it_dashboard",
}


def _finished_runs(organization, kind):
    return ReportRun.objects.filter(
        organization=organization, kind=kind, status__in=ReportRun.FINISHED
    ).order_by("-as_of", "-created_at")


def _latest_run(organization, kind):
    return _finished_runs(organization, kind).first()


def _history(organization, kinds):
    return list(
        ReportRun.objects.filter(organization=organization, kind__in=kinds)
        .select_related("requested_by")
        .defer(*ReportRun.LARGE_FIELDS)  # the list shows none of it
        .order_by("-created_at")[:10]
    )


# Organisation-wide lists are shown a page at a time, so a dashboard costs the same
# for a town of 300 and a prefecture of 50,000 (bench/README.md, pages).
DASHBOARD_PAGE_SIZE = 40


# The IT-policy dashboard lists the best few of each department; the files list everyone.
DASHBOARD_CANDIDATES_PER_DEPARTMENT = 5


def _page(request, items: list, parameter: str):
    page = Paginator(items, DASHBOARD_PAGE_SIZE).get_page(request.GET.get(parameter))
    page.parameter = parameter
    return page


@login_required
@never_cache
def hr_dashboard(request):
    today = local_today()
    if not can_use_report_kind(request.user, ReportRun.Kind.HR_COMPLETION):
        headed = headed_department(request.user, day=today)
        if headed is None:
            raise PermissionDenied
        return redirect("lms:department_dashboard", department_id=headed.id)
    organization = organization_or_404(request.user, today)
    run = _latest_run(organization, ReportRun.Kind.HR_COMPLETION)
    summary = run.summary if run else {}
    departments = _page(request, summary.get("departments", []), "page")
    return render(
        request,
        "lms/dashboards/hr.html",
        {
            "run": run,
            "departments": departments,
            "total": summary.get("total"),
            "overdue_people": _page(request, summary.get("overdue_people", []), "overdue_page"),
            "chart": completion_chart(departments.object_list),
            "history": _history(organization, [ReportRun.Kind.HR_COMPLETION]),
            "former_staff": list(
                get_user_model()
                .objects.filter(is_active=False, memberships__department__organization=organization)
                .distinct()
                .order_by("staff_number")[:50]
            ),
            "today": today,
        },
    )


@login_required
@never_cache
def department_dashboard(request, department_id: int):
    today = local_today()
    department = get_object_or_404(
        Department.objects.select_related("organization"), pk=department_id
    )
    if not can_view_department(request.user, department, day=today):
        raise Http404
    rows = list(
        person_course_rows(organization=department.organization, as_of=today, department=department)
    )
    people = defaultdict(list)
    for row in rows:
        people[row.user_id].append(row)
    fiscal_year = fiscal_year_of(today)
    nominations = defaultdict(set)
    for user_id, kind in LeaderNomination.objects.filter(
        fiscal_year=fiscal_year, user_id__in=list(people)
    ).values_list("user_id", "kind"):
        nominations[user_id].add(kind)
    can_endorse = heads(request.user, department, day=today)
    members = [
        {
            "user_id": user_id,
            "staff_number": person_rows[0].staff_number,
            "name": person_rows[0].name,
            "department": person_rows[0].department.name,
            "position": person_rows[0].position.name,
            "assigned": len(person_rows),
            "completed": sum(1 for r in person_rows if r.status == COMPLETED),
            "overdue": [r for r in person_rows if r.overdue],
            "volunteered": LeaderNomination.Kind.SELF in nominations[user_id],
            "endorsed": LeaderNomination.Kind.ENDORSEMENT in nominations[user_id],
        }
        for user_id, person_rows in people.items()
    ]
    members.sort(key=lambda m: (-len(m["overdue"]), m["staff_number"]))
    return render(
        request,
        "lms/dashboards/department.html",
        {
            "department": department,
            "members": members,
            "total": completion_summary(rows).total,
            "can_endorse": can_endorse,
            "today": today,
        },
    )


@login_required
@never_cache
def it_dashboard(request):
    if not can_view_skill_overview(request.user):
        raise PermissionDenied
    today = local_today()
    organization = organization_or_404(request.user, today)
    run = _latest_run(organization, ReportRun.Kind.DX_CANDIDATES)
    summary = run.summary if run else {}
    heatmap = summary.get("heatmap")
    # The best few of each department, a page at a time, read from the run's entries.
    candidates = (
        run.candidates.filter(rank__lte=DASHBOARD_CANDIDATES_PER_DEPARTMENT).order_by("position")
        if run
        else CandidateEntry.objects.none()
    )
    stored_changes = summary.get("changes")
    changes = None
    if stored_changes:
        people = stored_changes["people"]
        changes = candidate_changes(
            stored=stored_changes,
            criteria=run.criteria or {},
            areas=(heatmap or {}).get("areas", []),
            entries=CandidateEntry.objects.in_bulk([*people["added"], *people["removed"]]),
        )
    return render(
        request,
        "lms/dashboards/it_policy.html",
        {
            "run": run,
            "candidates": _page(request, candidates, "candidates_page"),
            "uncovered": summary.get("uncovered", []),
            "heatmap": heatmap,
            "heatmap_rows": _page(request, heatmap["rows"] if heatmap else [], "page"),
            "previous_as_of": (
                datetime.date.fromisoformat(stored_changes["previous_as_of"])
                if stored_changes
                else None
            ),
            "changes": changes,
            "history": _history(organization, [ReportRun.Kind.DX_CANDIDATES]),
        },
    )


@login_required
@require_POST
def report_request_view(request):
    kind = request.POST.get("kind", "")
    if kind not in ReportRun.Kind.values or not can_use_report_kind(request.user, kind):
        raise PermissionDenied
    today = local_today()
    result = report_request(
        organization=organization_or_404(request.user, today),
        kind=kind,
        as_of=today,
        trigger=ReportRun.Trigger.DASHBOARD,
        requested_by=request.user,
    )
    result.run.refresh_from_db()
    if not result.created:
        if result.run.is_finished:
            messages.info(request, _("Today's report is already available below."))
        else:
            messages.info(request, str(REPORT_ALREADY_REQUESTED))
    elif result.run.waiting_for_queue:
        messages.warning(request, str(REPORT_QUEUE_DOWN))
    else:
        messages.success(request, str(REPORT_QUEUED))
    return redirect(DASHBOARD_FOR_KIND[kind])


@login_required
@never_cache
def report_detail(request, run_id: int):
    run = get_object_or_404(
        ReportRun.objects.select_related("organization").defer(*ReportRun.LARGE_FIELDS), pk=run_id
    )
    if not can_view_report(request.user, run, day=local_today()):
        raise Http404
    return render(request, "lms/dashboards/report_detail.html", {"run": run})


@login_required
@never_cache
def report_download(request, run_id: int, file_format: str):
    run = get_object_or_404(ReportRun.objects.defer(*ReportRun.LARGE_FIELDS), pk=run_id)
    if not can_view_report(request.user, run, day=local_today()):
        raise Http404
    field = {"xlsx": run.xlsx_file, "csv": run.csv_file}.get(file_format)
    if not run.is_finished or not field:
        raise Http404
    encoding = (
        "cp932" if request.GET.get("encoding") == "cp932" and file_format == "csv" else "utf-8"
    )
    audit_record(
        request=request,
        action=AuditEvent.Action.REPORT_DOWNLOADED,
        report_id=run.pk,
        kind=run.kind,
        file_format=file_format,
        encoding=encoding,
    )
    filename = f"{run.kind}_{run.fiscal_year}_{run.as_of:%Y%m%d}.{file_format}"
    if encoding == "cp932":
        handle = field.open("rb")
        response = StreamingHttpResponse(
            transcode_to_cp932(handle), content_type="text/csv; charset=cp932"
        )
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
    else:
        response = FileResponse(field.open("rb"), as_attachment=True, filename=filename)
    patch_cache_control(response, no_store=True, private=True)
    return response
