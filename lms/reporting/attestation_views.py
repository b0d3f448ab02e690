"""確認・同意の記録 for HR: the town's modules that ask for attestation, and per module who
has attested its current version and when (the page, and the same list as CSV, audited).
The rule and the queries: ``lms/reporting/attestations.py``; who: ``lms/people/permissions.py``
(``can_read_attestation_records``)."""

import io

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.cache import never_cache

from courses.fiscal import local_today
from lms.audit import audit_record
from lms.models import AuditEvent
from lms.people.access import organization_or_404
from lms.people.permissions import can_read_attestation_records
from lms.reporting.attestations import (
    CURRENT,
    EARLIER,
    MISSING,
    STATUSES,
    attestation_modules,
    attestation_records,
    status_of,
)
from lms.spreadsheets import CsvReport, csv_download

PAGE_SIZE = 50

STATUS_LABELS = {
    CURRENT: pgettext_lazy("attestation", "Attested the current version"),
    EARLIER: pgettext_lazy("attestation", "Attested an earlier version only"),
    MISSING: pgettext_lazy("attestation", "Not attested"),
}

CSV_HEADERS = (
    gettext_lazy("Staff number"),
    gettext_lazy("Name"),
    gettext_lazy("Department"),
    gettext_lazy("Position"),
    gettext_lazy("Status"),
    gettext_lazy("Attested the current version at (Japan time)"),
    gettext_lazy("Earlier version"),
    gettext_lazy("Attested the earlier version at (Japan time)"),
)


def _town_of_reader(request, today):
    if not can_read_attestation_records(request.user):
        raise PermissionDenied
    return organization_or_404(request.user, today)


def _module_or_404(organization, module_id: int):
    module = attestation_modules(organization.pk).filter(pk=module_id).first()
    if module is None:
        raise Http404  # another town's module, a module without attestation, a typed id
    return module


@login_required
@never_cache
def attestation_index(request):
    today = local_today()
    organization = _town_of_reader(request, today)
    modules = list(attestation_modules(organization.pk))
    return render(
        request,
        "lms/dashboards/attestations.html",
        {"organization": organization, "modules": modules, "today": today},
    )


@login_required
@never_cache
def attestation_list(request, module_id: int):
    today = local_today()
    organization = _town_of_reader(request, today)
    module = _module_or_404(organization, module_id)
    status = request.GET.get("status")
    status = status if status in STATUSES else None
    records = attestation_records(
        module=module, organization_id=organization.pk, day=today, status=status
    )
    page = Paginator(records.people, PAGE_SIZE).get_page(request.GET.get("page"))
    for person in page.object_list:
        person.status = status_of(person)
        person.status_label = STATUS_LABELS[person.status]
    return render(
        request,
        "lms/dashboards/attestation_list.html",
        {
            "organization": organization,
            "module": module,
            "records": records,
            "people": page,
            "status": status,
            "filters": [(key, STATUS_LABELS[key], records.counts[key]) for key in STATUSES],
            "total": sum(records.counts.values()),
            "today": today,
        },
    )


@login_required
@never_cache
def attestation_download(request, module_id: int):
    """The whole list as CSV (UTF-8 with BOM; ``?encoding=cp932``), audited with the rows."""
    today = local_today()
    organization = _town_of_reader(request, today)
    module = _module_or_404(organization, module_id)
    encoding = "cp932" if request.GET.get("encoding") == "cp932" else "utf-8"
    records = attestation_records(module=module, organization_id=organization.pk, day=today)
    stream = io.StringIO()
    writer = CsvReport(stream, [str(header) for header in CSV_HEADERS])
    rows = 0
    for person in records.people.iterator(chunk_size=2000):
        writer.append(
            [
                person.staff_number,
                person.get_full_name(),
                person.department_name or "",
                person.position_name or "",
                str(STATUS_LABELS[status_of(person)]),
                _local(person.current_at),
                "" if person.earlier_version is None else person.earlier_version,
                _local(person.earlier_at),
            ]
        )
        rows += 1
    audit_record(
        request=request,
        action=AuditEvent.Action.ATTESTATIONS_DOWNLOADED,
        module_id=module.pk,
        version=module.attestation_version,
        cycle=records.cycle,
        rows=rows,
        encoding=encoding,
    )
    filename = f"attestations_{module.pk}_v{module.attestation_version}_{today:%Y%m%d}.csv"
    return csv_download(stream.getvalue(), filename=filename, encoding=encoding)


def _local(value) -> str:
    if value is None:
        return ""
    return timezone.localtime(value, timezone.get_default_timezone()).strftime("%Y-%m-%d %H:%M")
