"""The staff list as of a day (職員名簿の書き出し), as Excel or CSV: an audited action.

It is personal data leaving the platform, so the read, the ROSTER_EXPORTED audit
event and the file are one transaction: a file that could not be made leaves no event.
"""

import datetime
import io

from django.db import transaction
from django.utils.translation import gettext as _

from lms.audit import Actor, audit_record
from lms.models import AuditEvent, Membership
from lms.people.posts import pick_primary_post
from lms.spreadsheets import CsvReport, PrintHeading, XlsxReport

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
FORMATS = ("csv", "xlsx")


def roster_rows(*, organization, day: datetime.date) -> list[list]:
    """One row per person of the town's roster posted on ``day``: primary post first, then
    兼務所属. Only the town's own people (``User.organization``), never another town's with
    the same staff number."""
    posts = {}
    for membership in (
        Membership.objects.active_on(day)
        .filter(department__organization=organization, user__organization=organization)
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
    return rows


def _spreadsheet(rows: list[list], file_format: str, *, organization, day) -> bytes:
    buffer = io.BytesIO()
    if file_format == "xlsx":
        report = XlsxReport(PrintHeading(town=organization.name, title=_("Staff list"), as_of=day))
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
    return buffer.getvalue()


@transaction.atomic
def roster_export_file(
    *, organization, day: datetime.date, file_format: str, actor: Actor
) -> bytes:
    """The roster as of ``day`` as a file (``csv`` with a BOM, or ``xlsx``), audited."""
    if file_format not in FORMATS:
        raise ValueError(f"Unknown roster format: {file_format}")
    rows = roster_rows(organization=organization, day=day)
    audit_record(
        by=actor, action=AuditEvent.Action.ROSTER_EXPORTED, format=file_format, rows=len(rows)
    )
    return _spreadsheet(rows, file_format, organization=organization, day=day)
