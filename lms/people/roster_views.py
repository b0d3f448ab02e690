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
from lms.audit import audit_record
from lms.models import AuditEvent, Membership
from lms.people.permissions import is_hr
from lms.people.posts import organization_of, pick_primary_post
from lms.people.roster import roster_apply, roster_plan
from lms.spreadsheets import CsvReport, XlsxReport

UPLOAD_LIMIT = 5 * 1024 * 1024
ROSTER_HEADERS = [
    "職員番号",
    "氏名",
    "氏名カナ",
    "所属",
    "職位",
    "メールアドレス",
    "兼務所属",
    "在籍",
]


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
    """Upload → preview of every change (or every error) → apply. Nothing is written before."""
    _require_hr(request)
    organization = _organization(request)
    storage = storages["private"]
    if request.method == "POST" and request.POST.get("token"):
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
            return render(
                request,
                "lms/admin/roster_import.html",
                {"plan": plan, "form": RosterUploadForm()},
                status=400,
            )
        counts = roster_apply(organization=organization, plan=plan, as_of=as_of)
        storage.delete(pending["path"])
        request.session.pop("roster_pending", None)
        audit_record(
            request=request,
            action=AuditEvent.Action.ROSTER_IMPORTED,
            file=pending["name"],
            **counts,
        )
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
    form = RosterUploadForm(
        request.POST or None, request.FILES or None, initial={"as_of": local_today()}
    )
    context = {"form": form}
    if request.method == "POST" and form.is_valid():
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
        context["plan"] = plan
        if not plan.ok:
            # The list of problems describes the file field, for screen-reader users too.
            form.fields["file"].widget.attrs.update(
                {"aria-describedby": "roster-errors", "aria-invalid": "true"}
            )
        if plan.ok:
            token = secrets.token_urlsafe(16)
            path = storage.save(f"roster/{token}.upload", ContentFile(data))
            request.session["roster_pending"] = {
                "token": token,
                "path": path,
                "name": upload.name,
                "as_of": form.cleaned_data["as_of"].isoformat(),
                "deactivate_missing": form.cleaned_data["deactivate_missing"],
                "create_missing": form.cleaned_data["create_missing"],
            }
            context["token"] = token
    status = (
        400
        if request.method == "POST" and ("plan" not in context or not context["plan"].ok)
        else 200
    )
    return render(request, "lms/admin/roster_import.html", context, status=status)


def roster_export(request):
    """The roster as of today, as Excel or CSV (UTF-8 with BOM). Logged: it is personal data."""
    _require_hr(request)
    organization = _organization(request)
    file_format = "xlsx" if request.GET.get("format") == "xlsx" else "csv"
    today = local_today()
    posts = {}
    for membership in (
        Membership.objects.active_on(today)
        .filter(department__organization=organization)
        .select_related("user", "department", "position")
        .order_by("user__staff_number", "id")
    ):
        posts.setdefault(membership.user_id, []).append(membership)
    rows = []
    for memberships in posts.values():
        primary = pick_primary_post(memberships)  # their primary post in the town
        user = primary.user
        rows.append(
            [
                user.staff_number,
                user.get_full_name(),
                user.full_name_kana,
                primary.department.name,
                primary.position.name,
                user.email,
                "・".join(m.department.name for m in memberships if m is not primary),
                "在籍" if user.is_active else "無効",
            ]
        )
    audit_record(
        request=request,
        action=AuditEvent.Action.ROSTER_EXPORTED,
        format=file_format,
        rows=len(rows),
    )
    buffer = io.BytesIO()
    if file_format == "xlsx":
        report = XlsxReport()
        report.add_sheet("名簿", ROSTER_HEADERS, [10, 16, 18, 18, 14, 30, 20, 8])
        for row in rows:
            report.append("名簿", row)
        report.save(buffer)
    else:
        text = io.StringIO()
        writer = CsvReport(text, ROSTER_HEADERS)
        for row in rows:
            writer.append(row)
        buffer.write(text.getvalue().encode("utf-8"))
    buffer.seek(0)
    response = FileResponse(
        buffer, as_attachment=True, filename=f"roster-{today:%Y%m%d}.{file_format}"
    )
    patch_cache_control(response, no_store=True, private=True)
    return response
