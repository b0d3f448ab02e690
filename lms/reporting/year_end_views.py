"""HR's year-end screens (年度末の締め): a fiscal year's state, its close (with a
confirmation step) and the rollover of track assignments (a preview, then apply).

HR and administrators only, for their own town (the town of their posts today).
"""

from http import HTTPStatus

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from courses.fiscal import era_of, fiscal_year_bounds, fiscal_year_of, local_today, town_fiscal_year
from lms.audit import Actor
from lms.models import ReportRun
from lms.people.access import organization_or_404
from lms.people.permissions import can_use_report_kind
from lms.reporting.dashboards import report_made_label
from lms.reporting.forms import EARLIEST_FISCAL_YEAR
from lms.reporting.year_end import (
    fiscal_year_close,
    rollover_plan,
    track_assignments_roll_over,
    year_end_state,
)


def _hr_town(request, fiscal_year: int | None = None):
    """The HR member's town and today; 403 for anyone else, 404 for a year not yet begun."""
    if not can_use_report_kind(request.user, ReportRun.Kind.HR_COMPLETION):
        raise PermissionDenied
    today = local_today()
    if fiscal_year is not None and not EARLIEST_FISCAL_YEAR <= fiscal_year <= fiscal_year_of(today):
        raise Http404
    return organization_or_404(request.user, today), today


@login_required
@never_cache
def year_end_index(request):
    """The year-end page of the last fiscal year that has ended."""
    _hr_town(request)
    return redirect("lms:year_end", fiscal_year=fiscal_year_of(local_today()) - 1)


def _year_labels(organization, fiscal_year: int) -> dict:
    """The year, the one before and the one after as the town writes them (令和8年度 or
    2026年度), for headings, links and messages."""
    era = era_of(organization)
    return {
        "year_label": town_fiscal_year(fiscal_year, era),
        "previous_year_label": town_fiscal_year(fiscal_year - 1, era),
        "next_year_label": town_fiscal_year(fiscal_year + 1, era),
    }


def _state_context(organization, fiscal_year: int, today) -> dict:
    state = year_end_state(organization, fiscal_year, today=today)
    report = state.close.report if state.close else state.report
    return {
        **_year_labels(organization, fiscal_year),
        "organization": organization,
        "state": state,
        "report": report,
        "made": report_made_label(report) if report else "",
        "fiscal_year": fiscal_year,
        "year_end": fiscal_year_bounds(fiscal_year)[1],
        "current_fiscal_year": fiscal_year_of(today),
    }


@login_required
@never_cache
def year_end(request, fiscal_year: int):
    organization, today = _hr_town(request, fiscal_year)
    return render(
        request, "lms/dashboards/year_end.html", _state_context(organization, fiscal_year, today)
    )


@login_required
@require_http_methods(["GET", "POST"])
@never_cache
def year_end_close(request, fiscal_year: int):
    """GET: what closing the year means, and the button. POST: close it."""
    organization, today = _hr_town(request, fiscal_year)
    error = None
    if request.method == "POST":
        try:
            report_id = int(request.POST.get("report", ""))
            _close, closed_now = fiscal_year_close(
                organization=organization,
                fiscal_year=fiscal_year,
                report_id=report_id,
                today=today,
                actor=Actor.of(request),
            )
        except ValueError:
            error = _("The page was out of date. Check the year-end report and try again.")
        except ValidationError as refused:
            error = " ".join(refused.messages)
        else:
            year = town_fiscal_year(fiscal_year, era_of(organization))
            messages.success(
                request,
                _("%(year)s has been closed. Its year-end report is now final.") % {"year": year}
                if closed_now
                else _("%(year)s had already been closed.") % {"year": year},
            )
            return redirect("lms:year_end", fiscal_year=fiscal_year)
    return render(
        request,
        "lms/dashboards/year_end_close.html",
        {**_state_context(organization, fiscal_year, today), "error": error},
        status=HTTPStatus.BAD_REQUEST if error else HTTPStatus.OK,
    )


@login_required
@require_http_methods(["GET", "POST"])
@never_cache
def year_end_rollover(request, fiscal_year: int):
    """GET: the preview of the rollover into the next year. POST: apply that preview."""
    organization, today = _hr_town(request, fiscal_year)
    error = None
    if request.method == "POST":
        try:
            made = track_assignments_roll_over(
                organization=organization,
                fiscal_year=fiscal_year,
                digest=request.POST.get("plan", ""),
                actor=Actor.of(request),
            )
        except ValidationError as refused:
            error = " ".join(refused.messages)
        else:
            messages.success(
                request,
                ngettext(
                    "%(count)s assignment has been rolled over into %(year)s.",
                    "%(count)s assignments have been rolled over into %(year)s.",
                    len(made),
                )
                % {
                    "count": len(made),
                    "year": town_fiscal_year(fiscal_year + 1, era_of(organization)),
                }
                if made
                else _("There was nothing left to roll over: it had been done already."),
            )
            return redirect("lms:year_end_rollover", fiscal_year=fiscal_year)
    return render(
        request,
        "lms/dashboards/year_end_rollover.html",
        {
            **_year_labels(organization, fiscal_year),
            "organization": organization,
            "plan": rollover_plan(organization=organization, fiscal_year=fiscal_year),
            "fiscal_year": fiscal_year,
            "next_fiscal_year": fiscal_year + 1,
            "error": error,
        },
        status=HTTPStatus.BAD_REQUEST if error else HTTPStatus.OK,
    )
