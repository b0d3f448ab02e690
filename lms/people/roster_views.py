"""HR's roster screens in the Wagtail admin (研修管理): import with preview, export."""

import datetime
import io
import secrets

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from courses.fiscal import local_today
from lms.audit import Actor
from lms.people.permissions import is_hr
from lms.people.posts import organization_of
from lms.people.roster import RunFrom, roster_apply, roster_plan
from lms.people.roster_export import roster_export_file

UPLOAD_LIMIT = 5 * 1024 * 1024
TEMPLATE = "lms/admin/roster_import.html"


def _require_hr(request):
    if not is_hr(request.user):
        raise PermissionDenied


def _organization(request):
    organization = organization_of(request.user, day=local_today())
    if organization is None:
        raise PermissionDenied
    return organization


class RosterUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Staff list (CSV or Excel)"),
        help_text=gettext_lazy("CSV in UTF-8 or Shift_JIS (CP932), or .xlsx, up to 5 MB."),
    )
    as_of = forms.DateField(
        label=gettext_lazy("Effective date"),
        help_text=gettext_lazy("Transfers take effect on this date (e.g. 1 April)."),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    deactivate_missing = forms.BooleanField(
        label=gettext_lazy("Deactivate staff who are not in the file (leavers)"), required=False
    )
    create_missing = forms.BooleanField(
        label=gettext_lazy("Create departments and positions that do not exist yet"),
        required=False,
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > UPLOAD_LIMIT:
            raise forms.ValidationError(_("The file is larger than 5 MB."))
        return upload


def roster_import(request):
    """Upload → preview of every change (or every error) → apply. Nothing is written before.

    The steps: a GET or an unusable form shows the upload form; a valid upload is
    read and previewed (``_preview``), and kept for a moment if it has no error; the
    preview's confirmation (its token) applies the kept file (``_apply``).
    """
    _require_hr(request)
    organization = _organization(request)
    if request.method == "POST" and request.POST.get("token"):
        return _apply(request, organization)
    form = RosterUploadForm(
        request.POST or None, request.FILES or None, initial={"as_of": local_today()}
    )
    if request.method == "POST" and form.is_valid():
        return _preview(request, organization, form)
    status = 400 if request.method == "POST" else 200
    return render(request, TEMPLATE, {"form": form, "organization": organization}, status=status)


def _preview(request, organization, form):
    """Read the upload and show what it would change; keep it (with a token) if it can."""
    upload = form.cleaned_data["file"]
    data = upload.read()
    plan = roster_plan(
        organization=organization,
        data=data,
        filename=upload.name,
        as_of=form.cleaned_data["as_of"],
        deactivate_missing=form.cleaned_data["deactivate_missing"],
        create_missing=form.cleaned_data["create_missing"],
    )
    context = {"form": form, "plan": plan, "organization": organization}
    if not plan.ok:
        # The list of problems describes the file field, for screen-reader users too.
        form.fields["file"].widget.attrs.update(
            {"aria-describedby": "roster-errors", "aria-invalid": "true"}
        )
        return render(request, TEMPLATE, context, status=400)
    context["token"] = _keep_upload(request, data, upload.name, form.cleaned_data)
    return render(request, TEMPLATE, context)


def _keep_upload(request, data: bytes, name: str, options: dict) -> str:
    """Store the previewed file privately until it is confirmed; returns its token."""
    token = secrets.token_urlsafe(16)
    path = storages["private"].save(f"roster/{token}.upload", ContentFile(data))
    request.session["roster_pending"] = {
        "token": token,
        "path": path,
        "name": name,
        "as_of": options["as_of"].isoformat(),
        "deactivate_missing": options["deactivate_missing"],
        "create_missing": options["create_missing"],
    }
    return token


def _apply(request, organization):
    """Apply the kept file the preview showed (planned again: the data may have moved on)."""
    storage = storages["private"]
    pending = request.session.get("roster_pending", {})
    if pending.get("token") != request.POST["token"] or not storage.exists(pending["path"]):
        messages.error(request, _("The preview has expired. Please upload the file again."))
        return redirect("roster_import")
    with storage.open(pending["path"], "rb") as stream:
        data = stream.read()
    as_of = datetime.date.fromisoformat(pending["as_of"])
    plan = roster_plan(
        organization=organization,
        data=data,
        filename=pending["name"],
        as_of=as_of,
        deactivate_missing=pending["deactivate_missing"],
        create_missing=pending["create_missing"],
    )
    if not plan.ok:
        context = {"plan": plan, "form": RosterUploadForm(), "organization": organization}
        return render(request, TEMPLATE, context, status=400)
    counts = roster_apply(
        organization=organization,
        plan=plan,
        as_of=as_of,
        actor=Actor.of(request),
        filename=pending["name"],
        via=RunFrom.SCREEN,
    )
    storage.delete(pending["path"])
    request.session.pop("roster_pending", None)
    messages.success(
        request,
        _(
            "Roster imported: %(created)s created, %(updated)s updated, "
            "%(transferred)s transferred, %(unchanged)s unchanged, "
            "%(deactivated)s deactivated."
        )
        % counts,
    )
    return redirect("roster_import")


def roster_export(request):
    """The roster as of today, as Excel or CSV (UTF-8 with BOM). Audited: it is personal data."""
    _require_hr(request)
    organization = _organization(request)
    file_format = "xlsx" if request.GET.get("format") == "xlsx" else "csv"
    today = local_today()
    content = roster_export_file(
        organization=organization, day=today, file_format=file_format, actor=Actor.of(request)
    )
    response = FileResponse(
        io.BytesIO(content), as_attachment=True, filename=f"roster-{today:%Y%m%d}.{file_format}"
    )
    patch_cache_control(response, no_store=True, private=True)
    return response
