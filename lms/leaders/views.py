"""Volunteering, endorsement and IT policy's candidate criteria."""

from http import HTTPStatus

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from courses.fiscal import current_fiscal_year, fiscal_year_of, local_today
from lms.audit import Actor
from lms.leaders.candidates import leader_criteria_for
from lms.leaders.criteria import leader_criteria_save
from lms.leaders.forms import LeaderCriteriaForm
from lms.leaders.nominations import leader_endorse, leader_volunteer
from lms.models import Department
from lms.people.access import organization_or_404
from lms.people.permissions import can_view_skill_overview, heads
from lms.people.posts import primary_post


@login_required
@require_POST
def volunteer(request):
    """Staff put themselves forward (手挙げ) as DX promotion leader candidates, or withdraw."""
    wants = request.POST.get("volunteer") == "1"
    leader_volunteer(user=request.user, volunteer=wants, fiscal_year=current_fiscal_year())
    messages.success(
        request,
        _("Thank you for volunteering as a DX promotion leader.")
        if wants
        else _("You have withdrawn as a volunteer."),
    )
    return redirect("lms:skills")


@login_required
@require_POST
def endorse(request, department_id: int, user_id: int):
    today = local_today()
    department = get_object_or_404(Department, pk=department_id)
    member = get_object_or_404(get_user_model(), pk=user_id, is_active=True)
    # A member of the department: their primary post in the town is in it (as the
    # department page lists them).
    post = primary_post(user=member, day=today, organization=department.organization_id)
    in_department = post is not None and post.department.path.startswith(department.path)
    if not heads(request.user, department, day=today) or not in_department:
        raise Http404
    leader_endorse(
        head=request.user,
        member=member,
        endorse=request.POST.get("endorse") == "1",
        fiscal_year=fiscal_year_of(today),
    )
    messages.success(request, _("The endorsement has been saved."))
    return redirect("lms:department_dashboard", department_id=department.id)


@login_required
@never_cache
def leader_criteria(request):
    if not can_view_skill_overview(request.user):
        raise PermissionDenied
    organization = organization_or_404(request.user, local_today())
    form = LeaderCriteriaForm(request.POST or None, instance=leader_criteria_for(organization))
    if request.method == "POST" and form.is_valid():
        changed = leader_criteria_save(
            organization=organization, values=form.criteria_values(), actor=Actor.of(request)
        )
        messages.success(
            request,
            _("The criteria have been saved. Request a new candidate report to apply them.")
            if changed
            else _("Nothing was changed in the criteria."),
        )
        return redirect("lms:it_dashboard")
    status = HTTPStatus.BAD_REQUEST if request.method == "POST" else HTTPStatus.OK
    return render(request, "lms/dashboards/criteria.html", {"form": form}, status=status)
