"""マイページ, マイスキル and プロフィール, and a person's pages for those who may see them."""

from allauth.mfa.utils import is_mfa_enabled
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from assessments.levels import level_guide
from assessments.models import SelfAssessment
from assessments.services import INVALID_RATING, AssessmentError, self_assessment_record
from courses.fiscal import era_of, local_today, town_date
from lms.audit import audit_record
from lms.learner.calendar import coming_due_dates
from lms.learner.charts import due_chart, skill_chart, skill_history_chart
from lms.learner.forms import ProfileForm
from lms.learner.selectors import mypage_for_user, skills_page_for_user
from lms.models import AuditEvent
from lms.people.access import subject_or_404
from lms.people.permissions import (
    can_record_completion_for,
    can_view_department,
    can_view_progress_of,
    can_view_skill_overview,
    can_view_skills_of,
    is_hr,
)
from lms.people.posts import memberships_on
from lms.records.selectors import recorded_completions_of


@login_required
@never_cache
def mypage(request):
    page = mypage_for_user(user=request.user)
    return render(
        request,
        "lms/mypage.html",
        {
            "page": page,
            "subject": request.user,
            "due": coming_due_dates(page),
            **_town_and_chart(page),
        },
    )


def _town_and_chart(page) -> dict:
    """The town whose way of writing dates the page follows (that of the primary post,
    already read with the posts) and マイページ's chart of the required tracks."""
    town = page.memberships[0].department.organization if page.memberships else None
    era = era_of(town)
    chart = due_chart(page, date_label=lambda day: town_date(day, era)) if page.assigned else None
    return {"town": town, "due_chart": chart}


def _audited_view(request, subject, action) -> None:
    audit_record(request=request, action=action, subject=subject, staff_number=subject.staff_number)


@login_required
@never_cache
def person_progress(request, user_id: int):
    """A person's progress: their department head, HR (former staff too), administrators."""
    subject = subject_or_404(request, user_id, allowed=can_view_progress_of)
    if subject.pk == request.user.pk:
        return redirect("lms:mypage")
    _audited_view(request, subject, AuditEvent.Action.PERSON_PROGRESS_VIEWED)
    today = local_today()
    page = mypage_for_user(user=subject, today=today)
    return render(
        request,
        "lms/mypage.html",
        {
            "page": page,
            "subject": subject,
            "hr_tools": is_hr(request.user),
            "recorded": recorded_completions_of(subject),
            "can_record": can_record_completion_for(request.user, subject, day=today),
            "breadcrumb": _progress_breadcrumb(request.user, page.memberships, today),
            **_town_and_chart(page),
        },
    )


def _progress_breadcrumb(viewer, memberships, today) -> list[tuple[str, str]]:
    """The way back from a person's page: the completion overview (HR) and the person's
    department (of their primary post), where the viewer may open them."""
    crumbs = []
    if is_hr(viewer):
        crumbs.append((_("Completion status"), reverse("lms:hr_dashboard")))
    department = memberships[0].department if memberships else None
    if department is not None and can_view_department(viewer, department, day=today):
        crumbs.append((department.name, reverse("lms:department_dashboard", args=[department.id])))
    return crumbs


@login_required
@never_cache
def skills(request):
    """My skills (習熟度): measured levels with evidence, self-assessment, history, next steps."""
    if request.method == "POST":
        try:
            ratings = {
                int(key.removeprefix("rating-")): int(value)
                for key, value in request.POST.items()
                if key.startswith("rating-") and value
            }
            saved = self_assessment_record(user=request.user, ratings=ratings)
        except (ValueError, AssessmentError):
            messages.error(request, str(INVALID_RATING))
        else:
            messages.success(
                request,
                _("Your self-assessment has been saved.") if saved else _("No changes to save."),
            )
        return redirect("lms:skills")
    return _skills_page(request, request.user)


def _skills_page(request, subject, breadcrumb=()):
    page = skills_page_for_user(user=subject)
    # Read once whatever the page shows, so the page's queries do not depend on the data.
    town = subject.organization
    era = era_of(town)
    return render(
        request,
        "lms/skills.html",
        {
            "town": town,
            "page": page,
            "subject": subject,
            "level_guide": level_guide(),
            "ratings": SelfAssessment.Rating,
            "chart": skill_chart(page.profile),
            "breadcrumb": list(breadcrumb),
            "history_chart": skill_history_chart(
                page.profile,
                date_label=lambda day: town_date(day, era),
            )
            if page.profile.history
            else None,
        },
    )


@login_required
@never_cache
def person_skills(request, user_id: int):
    """A person's measured skill levels, for IT policy and administrators; 404 otherwise."""
    subject = subject_or_404(request, user_id, allowed=can_view_skills_of, is_active=True)
    if subject.pk == request.user.pk:
        return redirect("lms:skills")
    _audited_view(request, subject, AuditEvent.Action.PERSON_SKILLS_VIEWED)
    crumbs = []
    if can_view_skill_overview(request.user):
        crumbs.append((_("Skills overview"), reverse("lms:it_dashboard")))
    return _skills_page(request, subject, crumbs)


@login_required
@never_cache
def profile(request):
    """プロフィール: what the roster holds (read only) and what staff write themselves."""
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST":
        if form.is_valid():
            form.save()
            messages.success(request, _("Your profile has been saved."))
            return redirect("lms:profile")
        messages.error(request, _("Please correct the errors below."))
    memberships = memberships_on(user=request.user, day=local_today())  # primary first
    return render(
        request,
        "lms/profile.html",
        {"form": form, "memberships": memberships, "mfa_enabled": is_mfa_enabled(request.user)},
        status=400 if form.errors else 200,
    )
