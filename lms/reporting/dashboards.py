"""Dashboards and report downloads for HR, department heads and IT policy.

Organisation-wide figures come from the current version of the newest report
(built by a Celery job), and the page says as of when and when it was made, so
these pages run a fixed number of queries at any size; a department's page
computes its own members live, and says so. Reports are asked for here, for
today or a chosen date, and made again (a new version) with a reason.
"""

import datetime
from collections import defaultdict
from http import HTTPStatus

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.formats import date_format, time_format
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from assessments.levels import Level
from courses.curriculum import Curriculum
from courses.fiscal import era_of, fiscal_year_of, local_today, town_fiscal_year
from lms.audit import Actor, audit_record
from lms.leaders.candidates import candidate_changes
from lms.models import (
    AuditEvent,
    CandidateEntry,
    Department,
    LeaderCriteria,
    LeaderNomination,
    ReportRun,
)
from lms.people.access import organization_or_404
from lms.people.permissions import (
    can_see_report_internals,
    can_use_report_kind,
    can_view_department,
    can_view_report,
    can_view_skill_overview,
    headed_department,
    heads,
)
from lms.reporting.charts import completion_chart, position_chart, state_chart, trend_chart
from lms.reporting.completion import (
    MEMBER_SORTS,
    Tally,
    completion_tallies,
    department_members,
)
from lms.reporting.forms import ReportRebuildForm, ReportRequestForm
from lms.reporting.runs import (
    REPORT_ALREADY_REQUESTED,
    REPORT_QUEUE_DOWN,
    REPORT_QUEUED,
    ReportFrozen,
    delivered_to,
    history_in_words,
    report_rebuild,
    report_request,
)
from lms.reporting.year_end import year_end_reports
from lms.spreadsheets import transcode_to_cp932

DASHBOARD_FOR_KIND = {
    ReportRun.Kind.HR_COMPLETION: "lms:hr_dashboard",
    ReportRun.Kind.DX_CANDIDATES: "lms:it_dashboard",
}


def _current_run(organization, kind):
    """The current version (finished, not superseded) of the newest report."""
    return (
        ReportRun.objects.filter(
            organization=organization,
            kind=kind,
            status__in=ReportRun.FINISHED,
            superseded_at__isnull=True,
        )
        .select_related("fiscal_year_close")
        .order_by("-as_of", "-created_at")
        .first()
    )


def report_made_label(run) -> str:
    """When a run was made, in Japan time: the day and time, with the year when it is
    not the year of the as-of date (a year-end report made in April)."""
    made = timezone.localtime(run.finished_at or run.created_at)
    day = "MONTH_DAY_FORMAT" if made.year == run.as_of.year else "DATE_FORMAT"
    return f"{date_format(made, day)} {time_format(made, 'H:i')}"


# The history of a dashboard's reports, a page at a time (every version is kept).
HISTORY_PAGE_SIZE = 10


def _reports_section(request, organization, kind: str, run, *, today, reason: str = "") -> dict:
    """The reports section of a dashboard (``_reports.html``), in a fixed number of
    queries: the history a page at a time, the year-end reports, and whether a new
    version of the report shown is on its way."""
    history = Paginator(
        ReportRun.objects.filter(organization=organization, kind=kind)
        .select_related("requested_by", "fiscal_year_close")
        .defer(*ReportRun.LARGE_FIELDS)  # the list shows none of it
        .order_by("-created_at", "-pk"),
        HISTORY_PAGE_SIZE,
    ).get_page(request.GET.get("history_page"))
    history.parameter = "history_page"
    rebuilding = None
    if run is not None:
        rebuilding = (
            ReportRun.objects.filter(supersedes=run)
            .exclude(status__in=ReportRun.FINISHED)
            .defer(*ReportRun.LARGE_FIELDS)
            .first()
        )
    return {
        "organization": organization,
        "kind": kind,
        "history": history,
        "year_end_reports": year_end_reports(organization, kind),
        "rebuilding": rebuilding,
        # Not while a new version is on its way (a failed one can be asked for again).
        "can_rebuild": run is not None
        and not run.is_frozen
        and (rebuilding is None or rebuilding.status == ReportRun.Status.FAILED),
        "made": report_made_label(run) if run else "",
        "request_form": ReportRequestForm(today=today),
        "rebuild_form": ReportRebuildForm(initial={"reason": reason}),
    }


def _suggested_reason(run) -> str:
    """Criteria saved after a candidate report was made: that is likely why it is made again."""
    if run is None or run.kind != ReportRun.Kind.DX_CANDIDATES:
        return ""
    changed = LeaderCriteria.objects.filter(
        organization_id=run.organization_id, updated_at__gt=run.started_at or run.created_at
    ).exists()
    return ReportRun.RebuildReason.CRITERIA_CHANGED if changed else ""


# Organisation-wide lists are shown a page at a time, so a dashboard costs the same
# for a town of 300 and a prefecture of 50,000 (bench/README.md, pages).
DASHBOARD_PAGE_SIZE = 40


# The IT-policy dashboard lists the best few of each department; the files list everyone.
DASHBOARD_CANDIDATES_PER_DEPARTMENT = 5


def _page(request, items: list, parameter: str):
    page = Paginator(items, DASHBOARD_PAGE_SIZE).get_page(request.GET.get(parameter))
    page.parameter = parameter
    return page


def _trend(organization, run) -> list[tuple[datetime.date, float]]:
    """The completion rate of each current report of the run's fiscal year, one per as-of
    day (the newest version of that day), read from the stored summaries' totals: one
    query, whatever the number of staff (only the totals are read, not the lists)."""
    points: dict[datetime.date, float] = {}
    for as_of, total in (
        ReportRun.objects.filter(
            organization=organization,
            kind=ReportRun.Kind.HR_COMPLETION,
            fiscal_year=run.fiscal_year,
            status__in=ReportRun.FINISHED,
            superseded_at__isnull=True,
        )
        .order_by("as_of", "created_at")
        .values_list("as_of", "summary__total")
    ):
        if isinstance(total, dict) and total.get("assigned"):
            points[as_of] = total["completed"] / total["assigned"]
    return sorted(points.items())


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
    kind = ReportRun.Kind.HR_COMPLETION
    run = _current_run(organization, kind)
    summary = run.summary if run else {}
    departments = _page(request, summary.get("departments", []), "page")
    return render(
        request,
        "lms/dashboards/hr.html",
        {
            **_reports_section(request, organization, kind, run, today=today),
            "run": run,
            "departments": departments,
            "total": summary.get("total"),
            "overdue_people": _page(request, summary.get("overdue_people", []), "overdue_page"),
            "chart": completion_chart(departments.object_list),
            "position_chart": position_chart(summary["positions"])
            if summary.get("positions")
            else None,
            "trend_chart": trend_chart(_trend(organization, run), fiscal_year=run.fiscal_year)
            if run
            else None,
            "former_staff": list(
                get_user_model()
                .objects.filter(is_active=False, memberships__department__organization=organization)
                .distinct()
                .order_by("staff_number")[:50]
            ),
            "today": today,
        },
    )


# The department page lists its members a page at a time, sorted and paged in SQL.
MEMBERS_PAGE_SIZE = 30
MAX_MEMBERS_PAGE = 10**6


def _section_rows(department: Department, departments: list[Department], summary) -> list[dict]:
    """The department's figures per 係 (each child department, its own children rolled
    up), then the people posted at the department itself, from the tallies per
    department of its subtree."""
    children = [d for d in departments if d.parent_id == department.id]
    paths = {d.id: d.path for d in departments}
    rows = []
    for child in sorted(children, key=lambda d: (d.sort_order, d.path)):
        tally = Tally()
        for department_id, own in summary.by_department.items():
            if paths.get(department_id, "").startswith(child.path):
                tally.merge(own)
        rows.append({"department": child, "label": child.name, **tally.as_dict()})
    own = summary.by_department.get(department.id)
    if children and own and (own.assigned or own.exempt):
        rows.append(
            {
                "department": department,
                "label": _("%(name)s (posted directly)") % {"name": department.name},
                **own.as_dict(),
            }
        )
    return rows


def _member_sort(request) -> tuple[str, bool]:
    value = request.GET.get("sort", "overdue")
    descending = value.startswith("-")
    key = value.removeprefix("-")
    if key not in MEMBER_SORTS:
        return "overdue", False
    return key, descending


def _members_page(request, department, *, today, sort, descending, curriculum):
    """The page of members asked for (a page past the end shows the last, a bad number
    the first), with the number of pages; the count comes with the page's rows."""
    try:
        # Capped, so that the offset stays within the database's integers (a page of
        # 10**26 was a 500); a page past the end shows the last all the same.
        number = min(max(int(request.GET.get("page", 1)), 1), MAX_MEMBERS_PAGE)
    except ValueError:
        number = 1

    def fetch(number):
        return department_members(
            organization=department.organization,
            as_of=today,
            department=department,
            sort=sort,
            descending=descending,
            offset=(number - 1) * MEMBERS_PAGE_SIZE,
            limit=MEMBERS_PAGE_SIZE,
            curriculum=curriculum,
        )

    result = fetch(number)
    pages = max(1, -(-result.count // MEMBERS_PAGE_SIZE))
    if number > pages:
        number = pages
        result = fetch(number)
    return number, pages, result


def _member_rows(result, *, fiscal_year: int) -> list[dict]:
    """The page's members as the table shows them, with their nominations this year."""
    nominations = defaultdict(set)
    for user_id, kind in LeaderNomination.objects.filter(
        fiscal_year=fiscal_year, user_id__in=[m.user_id for m in result.members]
    ).values_list("user_id", "kind"):
        nominations[user_id].add(kind)
    return [
        {
            "user_id": m.user_id,
            "staff_number": m.staff_number,
            "name": m.name,
            "department": m.department.name,
            "position": m.position.name,
            "assigned": m.assigned,
            "completed": m.completed,
            "recorded": m.recorded,
            "in_progress": m.in_progress,
            "not_started": m.not_started,
            "exempt": m.exempt,
            "overdue": m.overdue_courses,
            "volunteered": LeaderNomination.Kind.SELF in nominations[m.user_id],
            "endorsed": LeaderNomination.Kind.ENDORSEMENT in nominations[m.user_id],
        }
        for m in result.members
    ]


@login_required
@never_cache
def department_dashboard(request, department_id: int):
    today = local_today()
    department = get_object_or_404(
        Department.objects.select_related("organization"), pk=department_id
    )
    if not can_view_department(request.user, department, day=today):
        raise Http404
    organization = department.organization
    curriculum = Curriculum.load()
    summary = completion_tallies(
        organization=organization, as_of=today, department=department, curriculum=curriculum
    )
    departments = list(
        Department.objects.filter(organization=organization, path__startswith=department.path)
    )
    sections = _section_rows(department, departments, summary)
    sort, descending = _member_sort(request)
    number, pages, result = _members_page(
        request, department, today=today, sort=sort, descending=descending, curriculum=curriculum
    )
    members = _member_rows(result, fiscal_year=fiscal_year_of(today))
    sort_value = f"{'-' if descending else ''}{sort}"
    return render(
        request,
        "lms/dashboards/department.html",
        {
            "department": department,
            "members": members,
            "members_page": {
                "number": number,
                "pages": pages,
                "count": result.count,
                "previous": number - 1 if number > 1 else None,
                "next": number + 1 if number < pages else None,
                "sort": sort_value,
            },
            "sort_links": _sort_links(sort, descending),
            "sections": sections,
            "section_chart": state_chart(
                sections,
                id="section-chart",
                title=_("Courses by state per unit"),
                caption=_("Courses by state per unit"),
            )
            if sections
            else None,
            "member_chart": state_chart(
                [{"label": m["name"], **m} for m in members],
                id="member-chart",
                title=_("Courses by state per person (this page)"),
                caption=_("Courses by state per person (this page)"),
            )
            if members
            else None,
            "total": summary.total,
            "can_endorse": heads(request.user, department, day=today),
            "today": today,
        },
    )


def _sort_links(sort: str, descending: bool) -> dict:
    """For each sortable column: the ``sort`` value of its link (the same column again
    reverses it) and whether the list is sorted by it now."""
    links = {}
    for key, order in MEMBER_SORTS.items():
        natural_descending = order.split(",")[0].strip().endswith(" DESC")
        links[key] = {
            "value": f"-{key}" if key == sort and not descending else key,
            "current": key == sort,
            "descending": key == sort and (descending != natural_descending),
        }
    return links


@login_required
@never_cache
def it_dashboard(request):
    if not can_view_skill_overview(request.user):
        raise PermissionDenied
    today = local_today()
    organization = organization_or_404(request.user, today)
    kind = ReportRun.Kind.DX_CANDIDATES
    run = _current_run(organization, kind)
    reason = _suggested_reason(run)
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
            **_reports_section(request, organization, kind, run, today=today, reason=reason),
            "run": run,
            "candidates": _page(request, candidates, "candidates_page"),
            "uncovered": summary.get("uncovered", []),
            "heatmap": heatmap,
            "heat_levels": [{"value": level.value, "label": level.label} for level in Level],
            "heatmap_rows": _page(request, heatmap["rows"] if heatmap else [], "page"),
            "previous_as_of": (
                datetime.date.fromisoformat(stored_changes["previous_as_of"])
                if stored_changes
                else None
            ),
            "changes": changes,
            "criteria_changed": reason == ReportRun.RebuildReason.CRITERIA_CHANGED,
        },
    )


@login_required
@require_POST
def report_request_view(request):
    """Today's report (the button), or one for a chosen fiscal year and date (the form)."""
    kind = request.POST.get("kind", "")
    if kind not in ReportRun.Kind.values or not can_use_report_kind(request.user, kind):
        raise PermissionDenied
    today = local_today()
    organization = organization_or_404(request.user, today)
    as_of = today
    if "fiscal_year" in request.POST:
        form = ReportRequestForm(request.POST, today=today)
        if not form.is_valid():
            return render(
                request,
                "lms/dashboards/report_request.html",
                {"form": form, "kind": kind, "dashboard": DASHBOARD_FOR_KIND[kind]},
                status=HTTPStatus.BAD_REQUEST,
            )
        as_of = form.cleaned_data["as_of"]
    try:
        result = report_request(
            organization=organization,
            kind=kind,
            as_of=as_of,
            trigger=ReportRun.Trigger.DASHBOARD,
            requested_by=request.user,
        )
    except ReportFrozen as frozen:
        messages.error(request, frozen.message)
        return redirect(DASHBOARD_FOR_KIND[kind])
    result.run.refresh_from_db()
    _say_how_the_request_went(request, result, today=today)
    return redirect(DASHBOARD_FOR_KIND[kind])


def _say_how_the_request_went(request, result, *, today) -> None:
    run = result.run
    if not result.created:
        if not run.is_finished:
            messages.info(request, str(REPORT_ALREADY_REQUESTED))
        elif run.as_of == today:
            messages.info(
                request,
                _(
                    "Today's report was already made at %(made)s. To include changes made "
                    "since then, make it again below and give the reason."
                )
                % {"made": report_made_label(run)},
            )
        else:
            messages.info(
                request,
                _(
                    "The report as of %(as_of)s already exists (made %(made)s). To make it "
                    "again, choose “Make again” in the report history and give the reason."
                )
                % {"as_of": date_format(run.as_of, "DATE_FORMAT"), "made": report_made_label(run)},
            )
    elif run.waiting_for_queue:
        messages.warning(request, str(REPORT_QUEUE_DOWN))
    else:
        messages.success(request, str(REPORT_QUEUED))


@login_required
@require_http_methods(["GET", "POST"])
@never_cache
def report_rebuild_view(request, run_id: int):
    """Make a report again (a new version that replaces this one), with a reason."""
    run = get_object_or_404(
        ReportRun.objects.select_related("organization", "fiscal_year_close").defer(
            *ReportRun.LARGE_FIELDS
        ),
        pk=run_id,
    )
    if not can_view_report(request.user, run, day=local_today()):
        raise Http404
    form = ReportRebuildForm(
        request.POST if request.method == "POST" else None,
        initial={"reason": _suggested_reason(run)},
    )
    if form.is_valid():
        try:
            result = report_rebuild(
                run_id=run.pk,
                reason=form.cleaned_data["reason"],
                note=form.cleaned_data["note"],
                actor=Actor.of(request),
            )
        except ReportFrozen as frozen:
            messages.error(request, frozen.message)
        else:
            _say_how_the_rebuild_went(request, result)
        return redirect(DASHBOARD_FOR_KIND[run.kind])
    return render(
        request,
        "lms/dashboards/report_rebuild.html",
        {
            "run": run,
            "organization": run.organization,
            "form": form,
            "made": report_made_label(run) if run.is_finished else "",
            "dashboard": DASHBOARD_FOR_KIND[run.kind],
        },
        status=HTTPStatus.BAD_REQUEST if form.is_bound else HTTPStatus.OK,
    )


def _say_how_the_rebuild_went(request, result) -> None:
    run = result.run
    run.refresh_from_db()
    if not result.created:
        if run.is_finished:
            messages.info(
                request,
                _("This report has already been made again (version %(version)s).")
                % {"version": run.version},
            )
        else:
            messages.info(request, str(REPORT_ALREADY_REQUESTED))
    elif run.waiting_for_queue:
        messages.warning(request, str(REPORT_QUEUE_DOWN))
    else:
        messages.success(
            request,
            _(
                "A new version of the report has been requested. Until it is ready the "
                "current version is shown; when it is, it replaces it and you are notified."
            ),
        )


def japan_time(value: datetime.datetime) -> str:
    """An instant as the day and time in Japan, saying so: 「2026年11月28日 02:00（日本時間）」."""
    local = timezone.localtime(value, timezone.get_default_timezone())
    return _("%(date)s %(time)s (Japan time)") % {
        "date": date_format(local, "DATE_FORMAT"),
        "time": time_format(local, "H:i"),
    }


def _status_in_words(run) -> str:
    """The run's state as its page says it; a delivered run says to how many people."""
    count = delivered_to(run) if run.status == ReportRun.Status.DELIVERED else None
    if count is not None:
        return _("Delivered (%(count)s people)") % {"count": count}
    return run.get_status_display()


@login_required
@never_cache
def report_detail(request, run_id: int):
    """A report's page, for the HR or IT policy officers who read it: the state and its
    history in words, times in Japan time; the file's SHA-256 only for administrators.
    The stored history is shown as it was written, put into words here."""
    run = get_object_or_404(
        ReportRun.objects.select_related("organization", "requested_by").defer(
            *ReportRun.LARGE_FIELDS
        ),
        pk=run_id,
    )
    if not can_view_report(request.user, run, day=local_today()):
        raise Http404
    history = [
        {"at": japan_time(step.at) if step.at else "", "status": step.status, "detail": step.detail}
        for step in history_in_words(run)
    ]
    return render(
        request,
        "lms/dashboards/report_detail.html",
        {
            "run": run,
            "fiscal_year": town_fiscal_year(run.fiscal_year, era_of(run.organization), both=True),
            "status": _status_in_words(run),
            "made": japan_time(run.finished_at) if run.finished_at else "",
            "replaced": japan_time(run.superseded_at) if run.superseded_at else "",
            "history": history,
            "show_internals": can_see_report_internals(request.user),
        },
    )


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
