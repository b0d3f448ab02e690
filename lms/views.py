from http import HTTPStatus

from allauth.mfa.utils import is_mfa_enabled
from celery import current_app
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from assessments.levels import level_guide
from assessments.models import SelfAssessment
from assessments.services import INVALID_RATING, AssessmentError, self_assessment_record
from courses.fiscal import current_fiscal_year, local_today

from .charts import skill_chart
from .forms import ProfileForm
from .models import AuditEvent
from .permissions import can_view_progress_of, can_view_skills_of, is_hr
from .privacy import PrivacyError, person_anonymise, person_data_export
from .selectors import mypage_for_user, skills_page_for_user
from .services import audit_record, leader_volunteer


@login_required
@never_cache
def mypage(request):
    page = mypage_for_user(user=request.user)
    return render(request, "lms/mypage.html", {"page": page, "subject": request.user})


def _subject(request, user_id: int, *, allowed, **lookup):
    """Another person the viewer may see, or 404 (never 403: ids do not leak who exists)."""
    subject = get_object_or_404(get_user_model(), pk=user_id, **lookup)
    if not allowed(request.user, subject, day=local_today()):
        raise Http404
    return subject


def _audited_view(request, subject, action) -> None:
    audit_record(request=request, action=action, subject=subject, staff_number=subject.staff_number)


@login_required
@never_cache
def person_progress(request, user_id: int):
    """A person's progress: their department head, HR (former staff too), administrators."""
    subject = _subject(request, user_id, allowed=can_view_progress_of)
    if subject.pk == request.user.pk:
        return redirect("lms:mypage")
    _audited_view(request, subject, AuditEvent.Action.PERSON_PROGRESS_VIEWED)
    page = mypage_for_user(user=subject, today=local_today())
    return render(
        request,
        "lms/mypage.html",
        {"page": page, "subject": subject, "hr_tools": is_hr(request.user)},
    )


@require_GET
@never_cache
def healthz(request):
    """Liveness for load balancers and monitoring: 503 when the database is unreachable."""
    status = {"database": "ok", "broker": _broker_status()}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as error:  # noqa: BLE001 - any failure means "database down"
        status["database"] = f"error: {error.__class__.__name__}"
    healthy = status["database"] == "ok"
    status["status"] = "ok" if healthy else "error"
    return JsonResponse(status, status=HTTPStatus.OK if healthy else HTTPStatus.SERVICE_UNAVAILABLE)


def _broker_status() -> str:
    if not settings.CELERY_BROKER_URL:
        return "not configured (tasks run in the web process)"
    try:
        with current_app.connection_for_write(settings.CELERY_BROKER_URL) as conn:
            conn.ensure_connection(max_retries=1, timeout=1)
    except Exception as error:  # noqa: BLE001 - report any broker failure
        return f"error: {error.__class__.__name__}"
    return "ok"


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


def _skills_page(request, subject):
    page = skills_page_for_user(user=subject)
    return render(
        request,
        "lms/skills.html",
        {
            "page": page,
            "subject": subject,
            "level_guide": level_guide(),
            "ratings": SelfAssessment.Rating,
            "chart": skill_chart(page.profile),
        },
    )


@login_required
@never_cache
def person_skills(request, user_id: int):
    """A person's measured skill levels, for IT policy and administrators; 404 otherwise."""
    subject = _subject(request, user_id, allowed=can_view_skills_of, is_active=True)
    if subject.pk == request.user.pk:
        return redirect("lms:skills")
    _audited_view(request, subject, AuditEvent.Action.PERSON_SKILLS_VIEWED)
    return _skills_page(request, subject)


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


def _hr_subject(request, user_id):
    """Someone HR may act for: HR of the person's own town (former staff included)."""
    return _subject(
        request,
        user_id,
        allowed=lambda viewer, subject, day: (
            is_hr(viewer) and can_view_progress_of(viewer, subject, day=day)
        ),
    )


@login_required
@never_cache
def person_export(request, user_id: int):
    """開示請求: everything held about one person, as JSON. HR only; audited."""
    subject = _hr_subject(request, user_id)
    audit_record(
        request=request,
        action=AuditEvent.Action.PERSON_DATA_EXPORTED,
        subject=subject,
        staff_number=subject.staff_number,
    )
    response = JsonResponse(
        person_data_export(user=subject), json_dumps_params={"ensure_ascii": False, "indent": 2}
    )
    response["Content-Disposition"] = f'attachment; filename="person-{subject.pk}.json"'
    patch_cache_control(response, no_store=True, private=True)
    return response


@login_required
@require_POST
def person_anonymise_view(request, user_id: int):
    subject = _hr_subject(request, user_id)
    staff_number = subject.staff_number
    try:
        person_anonymise(user=subject)
    except PrivacyError as error:
        messages.error(request, str(error))
        return redirect("lms:person_progress", user_id=subject.pk)
    audit_record(
        request=request,
        action=AuditEvent.Action.PERSON_ANONYMISED,
        subject=subject,
        former_staff_number=staff_number,
    )
    messages.success(request, _("The former member of staff has been anonymised."))
    return redirect("lms:hr_dashboard")


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
    memberships = (
        request.user.memberships.active_on(local_today())
        .select_related("department", "position")
        .order_by("-is_primary", "department__path")
    )
    return render(
        request,
        "lms/profile.html",
        {"form": form, "memberships": memberships, "mfa_enabled": is_mfa_enabled(request.user)},
        status=400 if form.errors else 200,
    )
