"""受講履歴 (own and a person's), its CSV, the 修了証 PDF and the verification page."""

import io
import logging

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.cache import never_cache

from courses.fiscal import japanese_date, japanese_fiscal_year, local_today, western_date
from lms.audit import Actor, audit_record
from lms.certificates import numbers
from lms.certificates.pdf import CertificateFontMissing, CertificateText, certificate_font
from lms.certificates.pdf import certificate_pdf as render_pdf
from lms.certificates.records import LearningRecord, learning_record
from lms.certificates.services import (
    INVALID,
    NOT_FOUND,
    VALID,
    CertificateNotAvailable,
    certificate_issue_rendered,
    certificate_verify,
)
from lms.models import AuditEvent, Certificate
from lms.people.access import subject_or_404
from lms.people.permissions import can_view_progress_of
from lms.spreadsheets import CsvReport, csv_download

logger = logging.getLogger(__name__)


def _kind_label(kind: str) -> str:
    return _("course") if kind == Certificate.Kind.COURSE else _("track")


@login_required
@never_cache
def transcript(request):
    """My learning record (受講履歴)."""
    return _transcript_page(request, request.user)


@login_required
@never_cache
def person_transcript(request, user_id: int):
    """A person's learning record: their department head, HR and administrators; audited."""
    subject = subject_or_404(request, user_id, allowed=can_view_progress_of)
    if subject.pk == request.user.pk:
        return redirect("lms:transcript")
    audit_record(
        request=request,
        action=AuditEvent.Action.TRANSCRIPT_VIEWED,
        subject=subject,
        staff_number=subject.staff_number,
    )
    return _transcript_page(request, subject)


def _transcript_page(request, subject):
    record = learning_record(user=subject)
    return render(
        request,
        "lms/certificates/transcript.html",
        {"record": record, "subject": subject, "today_wareki": japanese_date(local_today())},
    )


CSV_HEADERS = (
    gettext_noop("Fiscal year"),
    gettext_noop("Kind"),
    gettext_noop("Title"),
    gettext_noop("Track"),
    gettext_noop("Completed on"),
    gettext_noop("Completed on (Japanese calendar)"),
    gettext_noop("Score (%)"),
    gettext_noop("Certificate number"),
)


def transcript_rows(record: LearningRecord):
    """The CSV's rows: one per completion, newest fiscal year first (as on the page)."""
    for group in record.by_fiscal_year:
        for completion in group.completions:
            yield [
                japanese_fiscal_year(group.fiscal_year),
                _kind_label(completion.kind),
                completion.title,
                completion.track_title,
                completion.completed_on,
                japanese_date(completion.completed_on),
                "" if completion.score is None else completion.score,
                numbers.display(completion.certificate.number) if completion.certificate else "",
            ]


@login_required
@never_cache
def transcript_download(request, user_id: int):
    """The learning record as CSV (UTF-8 with BOM; ``?encoding=cp932``); audited."""
    subject = subject_or_404(request, user_id, allowed=can_view_progress_of)
    encoding = "cp932" if request.GET.get("encoding") == "cp932" else "utf-8"
    record = learning_record(user=subject)
    audit_record(
        request=request,
        action=AuditEvent.Action.TRANSCRIPT_DOWNLOADED,
        subject=subject,
        staff_number=subject.staff_number,
        encoding=encoding,
        rows=len(record.completions),
    )
    stream = io.StringIO()
    writer = CsvReport(stream, [_(header) for header in CSV_HEADERS])
    for row in transcript_rows(record):
        writer.append(row)
    filename = f"transcript_{subject.staff_number}_{local_today():%Y%m%d}.csv"
    return csv_download(stream.getvalue(), filename=filename, encoding=encoding)


@login_required
@never_cache
def certificate_download(request, user_id: int, page_id: int, cycle: int):
    """The 修了証 of one completion (a course, or a track; ``cycle`` is the fiscal year for
    annual ones, else 0): issued (and numbered) the first time, the same number after."""
    subject = subject_or_404(request, user_id, allowed=can_view_progress_of)
    try:
        certificate_font()  # before issuing: a missing font issues nothing
    except CertificateFontMissing:
        logger.exception("certificate font missing")
        return render(request, "lms/certificates/unavailable.html", status=503)

    def draw(certificate: Certificate) -> bytes:
        return render_pdf(
            CertificateText(
                number=certificate.number,
                person=subject.get_full_name() or subject.staff_number,
                title=certificate.title,
                kind_label=_("the course")
                if certificate.kind == Certificate.Kind.COURSE
                else _("the track"),
                completed_at=certificate.completed_at,
                issued_on=local_today(),
                town=certificate.organization.name,
                issuer=certificate.organization.certificate_issuer_text,
                verify_url=request.build_absolute_uri(
                    reverse(
                        "lms:certificate_verify_number",
                        args=[numbers.display(certificate.number)],
                    )
                ),
            )
        )

    try:
        certificate, pdf = certificate_issue_rendered(
            user=subject, page_id=page_id, cycle=cycle, by=Actor.of(request), render=draw
        )
    except CertificateNotAvailable as error:
        raise Http404 from error
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="certificate_{certificate.number}.pdf"'
    patch_cache_control(response, no_store=True, private=True)
    return response


@login_required
@never_cache
def certificate_verify_view(request, number: str | None = None):
    """修了証の確認: the number typed in (``?number=``) or from the QR code's address.

    Valid: the person, what they completed and when (200). Not found, or not the
    viewer's to see (another town's HR, anyone but the person and their town's HR): 404
    with the same message. Malformed or altered (the check character): 400."""
    typed = number if number is not None else request.GET.get("number")
    context = {"typed": typed or ""}
    status = 200
    if typed:
        verification = certificate_verify(
            viewer=request.user, text=typed[:100], by=Actor.of(request)
        )
        context["verification"] = verification
        if verification.result == VALID:
            completed_on = verification.certificate.completed_at
            context.update(
                number=numbers.display(verification.number),
                kind_label=_kind_label(verification.certificate.kind),
                completed_seireki=western_date(completed_on),
                completed_wareki=japanese_date(completed_on),
            )
        status = {VALID: 200, NOT_FOUND: 404, INVALID: 400}[verification.result]
    context["results"] = {"valid": VALID, "not_found": NOT_FOUND, "invalid": INVALID}
    return render(request, "lms/certificates/verify.html", context, status=status)
