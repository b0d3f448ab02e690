"""Screens for recorded and imported completions.

Recording one (``/mypage/people/<id>/completions/record/``) is for HR and the person's
department head, beside the person's page; its evidence file is served by a
permission-checked, audited view. The import of historical completions is HR's, in the
Wagtail admin (研修管理), as the roster import: upload → preview of every row (or every
error) → apply.
"""

import datetime
import secrets

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from courses.fiscal import local_today
from courses.models import CourseCompletion
from lms.audit import Actor
from lms.people.access import organization_or_404, subject_or_404
from lms.people.permissions import (
    can_import_completions,
    can_read_completion_evidence,
    can_record_completion_for,
)
from lms.people.posts import organization_of
from lms.records.forms import CompletionImportForm, CompletionRecordForm
from lms.records.imports import completions_import_apply, completions_import_plan
from lms.records.services import completion_record, courses_of_town, evidence_download_audit

RECORD_TEMPLATE = "lms/records/record.html"
IMPORT_TEMPLATE = "lms/admin/completions_import.html"
UPLOAD_LIMIT = 5 * 1024 * 1024


@login_required
@never_cache
def completion_record_view(request, user_id: int):
    """GET: the form; POST: record the completion (the service checks everything again)."""
    subject = subject_or_404(request, user_id, allowed=can_record_completion_for)
    organization = organization_or_404(request.user, local_today())
    courses = list(courses_of_town(organization))
    form = CompletionRecordForm(request.POST or None, request.FILES or None, courses=courses)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        completed_at = timezone.make_aware(
            datetime.datetime.combine(
                data["completed_on"], data["completed_time"] or datetime.time()
            )
        )
        try:
            completion_record(
                by=Actor.of(request),
                person=subject,
                organization=organization,
                course_id=data["course"],
                completed_at=completed_at,
                reason=data["reason"],
                evidence=data["evidence"],
            )
        except ValidationError as error:
            for field, problems in error.message_dict.items():
                form.add_error(field if field in form.fields else None, problems)
        else:
            messages.success(request, _("The completion has been recorded."))
            return redirect("lms:person_progress", user_id=subject.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, RECORD_TEMPLATE, {"form": form, "subject": subject}, status=status)


@login_required
@never_cache
def evidence_download(request, user_id: int, completion_id: int):
    """A recorded completion's evidence: for whoever sees the person's progress; audited."""
    completion = get_object_or_404(
        CourseCompletion.objects.select_related("user"), pk=completion_id, user_id=user_id
    )
    if not completion.evidence or not can_read_completion_evidence(
        request.user, completion, day=local_today()
    ):
        raise Http404
    evidence_download_audit(by=Actor.of(request), completion=completion)
    name = completion.evidence.name.rsplit("/", 1)[-1]
    response = FileResponse(
        completion.evidence.open("rb"), as_attachment=True, filename=f"{completion.pk}-{name}"
    )
    patch_cache_control(response, no_store=True, private=True)
    return response


def completions_import(request):
    """Upload → preview of every completion (or every error) → apply; nothing before."""
    if not can_import_completions(request.user):
        raise PermissionDenied
    organization = organization_of(request.user, day=local_today())
    if organization is None:
        raise PermissionDenied
    if request.method == "POST" and request.POST.get("token"):
        return _apply(request, organization)
    form = CompletionImportForm(request.POST or None, request.FILES or None)
    context = {"form": form, "organization": organization}
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > UPLOAD_LIMIT:
            form.add_error("file", _("The file is larger than 5 MB."))
            return render(request, IMPORT_TEMPLATE, context, status=400)
        data = upload.read()
        plan = completions_import_plan(organization=organization, data=data, filename=upload.name)
        context["plan"] = plan
        if not plan.ok:
            return render(request, IMPORT_TEMPLATE, context, status=400)
        context["token"] = _keep_upload(request, data, upload.name)
        return render(request, IMPORT_TEMPLATE, context)
    status = 400 if request.method == "POST" else 200
    return render(request, IMPORT_TEMPLATE, context, status=status)


def _keep_upload(request, data: bytes, name: str) -> str:
    token = secrets.token_urlsafe(16)
    path = storages["private"].save(f"completions/import/{token}.upload", ContentFile(data))
    request.session["completions_pending"] = {"token": token, "path": path, "name": name}
    return token


def _apply(request, organization):
    """Apply the kept file the preview showed, checked again (the data may have moved on)."""
    storage = storages["private"]
    pending = request.session.get("completions_pending", {})
    if pending.get("token") != request.POST["token"] or not storage.exists(pending["path"]):
        messages.error(request, _("The preview has expired. Please upload the file again."))
        return redirect("completions_import")
    with storage.open(pending["path"], "rb") as stream:
        data = stream.read()
    plan = completions_import_plan(organization=organization, data=data, filename=pending["name"])
    if not plan.ok:
        context = {"plan": plan, "form": CompletionImportForm(), "organization": organization}
        return render(request, IMPORT_TEMPLATE, context, status=400)
    count = completions_import_apply(
        organization=organization, plan=plan, by=Actor.of(request), filename=pending["name"]
    )
    storage.delete(pending["path"])
    request.session.pop("completions_pending", None)
    messages.success(request, _("%(count)s completions have been imported.") % {"count": count})
    return redirect("completions_import")
