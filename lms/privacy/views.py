"""開示請求 (disclosure) and anonymisation screens, for HR."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import IntegrityError
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from courses.fiscal import local_today
from lms.audit import Actor
from lms.models import DisclosureRequest
from lms.people.access import organization_or_404, subject_or_404
from lms.people.permissions import can_view_progress_of, is_hr
from lms.privacy.anonymisation import PrivacyError, person_anonymise
from lms.privacy.disclosure import person_data_disclose
from lms.privacy.forms import DisclosureRequestForm
from lms.privacy.middleware import session_extend


@never_cache
@require_POST
def session_extend_view(request):
    """「ログインを続ける」: the session counts as active from now (CSRF-protected POST).
    JSON: the seconds until the session ends; 401 when it has ended already."""
    if not request.user.is_authenticated:
        return JsonResponse(
            {"error": _("You have been signed out. Please sign in again.")}, status=401
        )
    return JsonResponse({"seconds_left": session_extend(request)})


def _hr_subject(request, user_id):
    """Someone HR may act for: HR of the person's own town (former staff included)."""
    return subject_or_404(
        request,
        user_id,
        allowed=lambda viewer, subject, day: (
            is_hr(viewer) and can_view_progress_of(viewer, subject, day=day)
        ),
    )


@login_required
@never_cache
def person_export(request, user_id: int):
    """開示請求: HR records the request (on whose behalf, reference number, purpose), then
    receives everything held about the person as JSON. HR of the person's town only;
    the request, its audit event and the export are one transaction."""
    subject = _hr_subject(request, user_id)
    organization = organization_or_404(request.user, local_today())
    form = DisclosureRequestForm(request.POST or None, organization=organization)
    data = None
    if request.method == "POST" and form.is_valid():
        try:
            data = person_data_disclose(
                user=subject,
                actor=Actor.of(request),
                organization=organization,
                **form.cleaned_data,
            )
        except IntegrityError:  # the same reference number recorded a moment ago
            form.add_error("reference_number", form.DUPLICATE_REFERENCE)
    if data is not None:
        response = JsonResponse(data, json_dumps_params={"ensure_ascii": False, "indent": 2})
        response["Content-Disposition"] = f'attachment; filename="person-{subject.pk}.json"'
        patch_cache_control(response, no_store=True, private=True)
        return response
    previous = DisclosureRequest.objects.filter(
        subject=subject, organization=organization
    ).select_related("recorded_by")
    return render(
        request,
        "lms/privacy/disclosure_request.html",
        {"subject": subject, "form": form, "previous": previous, "organization": organization},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def person_anonymise_view(request, user_id: int):
    subject = _hr_subject(request, user_id)
    try:
        person_anonymise(user=subject, actor=Actor.of(request))
    except PrivacyError as error:
        messages.error(request, str(error))
        return redirect("lms:person_progress", user_id=subject.pk)
    messages.success(request, _("The former member of staff has been anonymised."))
    return redirect("lms:hr_dashboard")
