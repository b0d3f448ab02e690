"""Roster import (職員名簿の取り込み): HR's staff list → users and dated memberships.

Two steps, so nothing is written unless everything is right:
``roster_plan`` reads and validates every row and describes the changes;
``roster_apply`` carries them out, with their audit event, in one transaction.
Importing the same file twice changes nothing. A changed 所属 or 職位 closes the
old membership the day before ``as_of`` and opens a new one, keeping history. Leavers (with
``deactivate_missing``) are deactivated, not deleted, so their records stay in
reports; a deactivated account can no longer use its sessions.

A roster is one town's (``organization``): a staff number is matched only among that
town's people (``User.organization``; the same number repeats between towns), new people
join that town, and posts are only in that town's departments. Another town's person
with the same number is never read, changed or given a post here.
"""

import csv
import datetime
import enum
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from lms.audit import Actor, audit_record
from lms.models import AuditEvent, Department, Membership, Position
from lms.models.people import normalize_staff_number

HEADER_ALIASES = {
    "staff_number": ["職員番号"],
    "full_name": ["氏名"],
    "family_name": ["姓"],
    "given_name": ["名"],
    "kana": ["氏名カナ", "カナ", "フリガナ"],
    "department": ["所属", "所属コード", "所属名"],
    "position": ["職位", "職名"],
    "email": ["メールアドレス", "メール"],
    "concurrent": ["兼務所属", "兼務"],
    "hired_on": ["採用日", "採用年月日"],
}
REQUIRED = ["staff_number", "department", "position", "email"]
SPACES = re.compile(r"[\s\u3000]+")
LIST_SEPARATORS = re.compile(r"[、,;；・/／]")


@dataclass(frozen=True)
class RosterError:
    line: int
    column: str
    message: str

    def __str__(self):
        return _("Line %(line)s, %(column)s: %(message)s") % {
            "line": self.line,
            "column": self.column or "—",
            "message": self.message,
        }


@dataclass
class RosterRow:
    line: int
    staff_number: str
    family_name: str
    given_name: str
    family_name_kana: str
    given_name_kana: str
    email: str
    department: Department | None
    position: Position | None
    concurrent: list[Department]
    hired_on: datetime.date | None = None
    department_text: str = ""
    position_text: str = ""


@dataclass
class RosterPlan:
    organization: object = None  # the town whose roster this is
    rows: list[RosterRow] = field(default_factory=list)
    errors: list[RosterError] = field(default_factory=list)
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    transferred: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    deactivated: list[str] = field(default_factory=list)
    new_departments: list[str] = field(default_factory=list)
    new_positions: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def counts(self) -> dict[str, int]:
        return {
            "created": len(self.created),
            "updated": len(self.updated),
            "transferred": len(self.transferred),
            "unchanged": len(self.unchanged),
            "deactivated": len(self.deactivated),
        }


class RosterFileError(Exception):
    pass


def read_table(data: bytes, filename: str = "") -> tuple[list[str], list[tuple[int, list]]]:
    """Headers and (line number, cells) from XLSX or CSV in UTF-8 (BOM or not) or CP932."""
    if filename.lower().endswith(".xlsx") or data[:4] == b"PK\x03\x04":
        return _read_xlsx(data)
    for encoding in ("utf-8-sig", "cp932"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise RosterFileError(
            _(
                "The file is neither UTF-8 nor Shift_JIS (CP932) text. Save it from Excel as CSV "
                "or as an Excel workbook (.xlsx) and try again."
            )
        )
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error:
        raise RosterFileError(
            _("The file could not be read as CSV. Save it from Excel as CSV or as .xlsx.")
        ) from None
    if not rows:
        raise RosterFileError(_("The file is empty."))
    return [cell.strip() for cell in rows[0]], [
        (number, row) for number, row in enumerate(rows[1:], start=2) if any(c.strip() for c in row)
    ]


DATE_TEXT = re.compile(r"(\d{4})[-/](\d{1,2})[-/](\d{1,2})")


def cell_date(value) -> datetime.date:
    """A date cell of an imported file: an Excel date, or text 2026-04-01 or 2026/4/1
    (full-width digits too). ValueError for anything else."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    match = DATE_TEXT.fullmatch(unicodedata.normalize("NFKC", str(value)).strip())
    if match is None:
        raise ValueError(value)
    return datetime.date(*(int(part) for part in match.groups()))


XLSX_UNPACKED_LIMIT = 50 * 1024 * 1024


def _read_xlsx(data: bytes):
    from openpyxl import load_workbook

    # An .xlsx is a zip: refuse one that would unpack to far more than any staff list
    # (a "zip bomb") before openpyxl opens it.
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile:
        raise RosterFileError(_("The file is not a valid Excel workbook (.xlsx).")) from None
    if unpacked > XLSX_UNPACKED_LIMIT:
        raise RosterFileError(_("The Excel file is too large once unpacked."))
    try:
        sheet = load_workbook(io.BytesIO(data), read_only=True, data_only=True).worksheets[0]
    except Exception as error:  # noqa: BLE001 - openpyxl raises many kinds for broken files
        raise RosterFileError(
            _("The Excel file could not be read: %(error)s") % {"error": error}
        ) from None
    rows = list(sheet.iter_rows(values_only=True))
    if not rows:
        raise RosterFileError(_("The file is empty."))
    headers = ["" if cell is None else str(cell).strip() for cell in rows[0]]
    return headers, [
        (number, ["" if c is None else c for c in row])
        for number, row in enumerate(rows[1:], start=2)
        if any(c not in (None, "") for c in row)
    ]


def _columns(headers: list[str]) -> tuple[dict[str, int], list[RosterError]]:
    columns, errors = {}, []
    for key, aliases in HEADER_ALIASES.items():
        for index, header in enumerate(headers):
            if header in aliases:
                columns[key] = index
                break
    for key in REQUIRED:
        if key not in columns:
            errors.append(RosterError(1, HEADER_ALIASES[key][0], _("This column is missing.")))
    if "full_name" not in columns and "family_name" not in columns:
        errors.append(RosterError(1, "氏名", _("Give either 氏名 or 姓 and 名.")))
    return columns, errors


def _split(name: str) -> tuple[str, str]:
    parts = SPACES.split(name.strip(), maxsplit=1)
    return (parts[0], parts[1] if len(parts) > 1 else "")


def roster_plan(
    *,
    organization,
    data: bytes,
    filename: str = "",
    as_of: datetime.date,
    deactivate_missing: bool = False,
    create_missing: bool = False,
) -> RosterPlan:
    """Validate every row and describe what an import would change. Writes nothing.

    The steps: read the file (``read_table``), find the columns (``_columns``), read
    each row against what the database holds (``_RowReader``), and, when there is no
    error, describe the changes (``_describe``).
    """
    plan = RosterPlan(organization=organization)
    try:
        headers, raw_rows = read_table(data, filename)
    except RosterFileError as error:
        plan.errors.append(RosterError(0, "", str(error)))
        return plan
    columns, plan.errors = _columns(headers)
    if plan.errors:
        return plan
    known = _Known.of(organization)
    reader = _RowReader(plan, columns, known, create_missing=create_missing)
    for line, cells in raw_rows:
        row = reader.read(line, cells)
        if row is not None:
            plan.rows.append(row)
    plan.new_departments = sorted(reader.pending_departments)
    plan.new_positions = sorted(reader.pending_positions)
    if plan.errors:
        return plan
    _describe(plan, organization, known.users, as_of, deactivate_missing)
    return plan


@dataclass
class _Known:
    """What the database already holds that the rows are checked against."""

    departments_by_code: dict[str, Department]
    departments_by_name: dict[str, list[Department]]
    positions: dict[str, Position]  # by code and by name
    users: dict[str, object]  # the town's people, by staff number
    emails: dict[str, str]  # lower-cased e-mail address → staff number, the town's people
    emails_elsewhere: set[str]  # lower-cased e-mail addresses of other towns' people

    @classmethod
    def of(cls, organization) -> "_Known":
        departments = list(Department.objects.filter(organization=organization))
        by_name: dict[str, list[Department]] = {}
        for department in departments:
            by_name.setdefault(department.name, []).append(department)
        positions = {p.code: p for p in Position.objects.filter(organization=organization)}
        positions.update({p.name: p for p in positions.values()})
        users = {
            u.staff_number: u for u in get_user_model().objects.filter(organization=organization)
        }
        # E-mail addresses are unique on the whole deployment (sign-in, reset links).
        elsewhere = (
            get_user_model()
            .objects.exclude(organization=organization)
            .exclude(email="")
            .values_list("email", flat=True)
        )
        return cls(
            departments_by_code={d.code: d for d in departments},
            departments_by_name=by_name,
            positions=positions,
            users=users,
            emails={u.email.lower(): u.staff_number for u in users.values() if u.email},
            emails_elsewhere={email.lower() for email in elsewhere},
        )


class _RowReader:
    """Reads the file's rows one by one into ``RosterRow``s; every problem found goes
    into the plan's errors, in the order of the columns."""

    def __init__(self, plan: RosterPlan, columns: dict[str, int], known: _Known, *, create_missing):
        self.plan = plan
        self.columns = columns
        self.known = known
        self.create_missing = create_missing
        self.seen_numbers: dict[str, int] = {}
        self.seen_emails: dict[str, int] = {}
        self.pending_departments: dict[str, int] = {}  # name → first line, for create_missing
        self.pending_positions: dict[str, int] = {}

    def read(self, line: int, cells: list) -> RosterRow | None:
        """The row on ``line``; None when it has no usable staff number."""
        staff_number = self._staff_number(line, cells)
        if staff_number is None:
            return None
        family, given = self._name(line, cells)
        family_kana, given_kana = _split(self._cell(cells, "kana"))
        email = self._email(line, cells, staff_number)
        department_text = str(self._cell(cells, "department"))
        department = self._department(line, department_text)
        position_text = str(self._cell(cells, "position"))
        position = self._position(line, position_text)
        concurrent = self._concurrent(line, cells)
        hired_on = self._hired_on(line, cells)
        return RosterRow(
            line=line,
            staff_number=staff_number,
            family_name=family,
            given_name=given,
            family_name_kana=family_kana,
            given_name_kana=given_kana,
            email=email,
            department=department,
            position=position,
            concurrent=concurrent,
            hired_on=hired_on,
            department_text=department_text,
            position_text=position_text,
        )

    def _error(self, line: int, column: str, message: str) -> None:
        self.plan.errors.append(RosterError(line, column, message))

    def _cell(self, cells: list, key: str):
        index = self.columns.get(key)
        if index is None or index >= len(cells):
            return ""
        value = cells[index]
        if isinstance(value, datetime.datetime | datetime.date):
            return value
        return str(value).strip()

    def _staff_number(self, line, cells) -> str | None:
        staff_number = normalize_staff_number(str(self._cell(cells, "staff_number")))
        if not staff_number:
            self._error(line, "職員番号", _("The staff number is empty."))
            return None
        if staff_number in self.seen_numbers:
            self._error(
                line,
                "職員番号",
                _("Staff number %(number)s also appears on line %(other)s.")
                % {"number": staff_number, "other": self.seen_numbers[staff_number]},
            )
            return None
        self.seen_numbers[staff_number] = line
        return staff_number

    def _name(self, line, cells) -> tuple[str, str]:
        if "full_name" in self.columns:
            family, given = _split(self._cell(cells, "full_name"))
        else:
            family, given = self._cell(cells, "family_name"), self._cell(cells, "given_name")
        if not family:
            self._error(line, "氏名", _("The name is empty."))
        return family, given

    def _email(self, line, cells, staff_number: str) -> str:
        email = unicodedata.normalize("NFKC", self._cell(cells, "email")).strip()
        try:
            validate_email(email)
        except ValidationError:
            self._error(
                line,
                "メールアドレス",
                _("“%(email)s” is not a valid e-mail address.") % {"email": email},
            )
            return email
        owner = self.known.emails.get(email.lower())
        if owner and owner != staff_number:
            self._error(
                line,
                "メールアドレス",
                _("This e-mail address belongs to staff number %(number)s.") % {"number": owner},
            )
        elif email.lower() in self.known.emails_elsewhere:
            self._error(
                line,
                "メールアドレス",
                _(
                    "This e-mail address belongs to someone in another organisation. "
                    "Every member of staff needs an address of their own."
                ),
            )
        if email.lower() in self.seen_emails:
            self._error(
                line,
                "メールアドレス",
                _("This e-mail address also appears on line %(other)s.")
                % {"other": self.seen_emails[email.lower()]},
            )
        self.seen_emails[email.lower()] = line
        return email

    def _department(self, line, text: str) -> Department | None:
        department = self._find_department(text, line, "所属") if text else None
        if not text:
            self._error(line, "所属", _("The department is empty."))
        return department

    def _find_department(self, text, line, column) -> Department | None:
        """By code, else by a name only one department has; None (and why) otherwise."""
        text = str(text).strip()
        if text in self.known.departments_by_code:
            return self.known.departments_by_code[text]
        matches = self.known.departments_by_name.get(text, [])
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            self._error(
                line,
                column,
                _("There are several departments called “%(name)s”. Give its code instead.")
                % {"name": text},
            )
            return None
        if self.create_missing:
            self.pending_departments.setdefault(text, line)
            return None
        self._error(
            line,
            column,
            _(
                "Unknown department “%(name)s”. "
                "Check the name or code, or import with --create-missing."
            )
            % {"name": text},
        )
        return None

    def _position(self, line, text: str) -> Position | None:
        position = self.known.positions.get(text)
        if position is not None:
            return position
        if not text:
            self._error(line, "職位", _("The position is empty."))
        elif self.create_missing:
            self.pending_positions.setdefault(text, line)
        else:
            self._error(
                line,
                "職位",
                _("Unknown position “%(name)s”. Check it, or import with --create-missing.")
                % {"name": text},
            )
        return None

    def _concurrent(self, line, cells) -> list[Department]:
        """兼務所属: departments separated by 、 , ; ・ / (full-width or not)."""
        texts = (t.strip() for t in LIST_SEPARATORS.split(str(self._cell(cells, "concurrent"))))
        found = (self._find_department(text, line, "兼務所属") for text in filter(None, texts))
        return [department for department in found if department]

    def _hired_on(self, line, cells) -> datetime.date | None:
        raw = self._cell(cells, "hired_on")
        if not raw:
            return None
        try:
            return cell_date(raw)
        except ValueError:
            self._error(
                line,
                "採用日",
                _("“%(value)s” is not a date. Write it as 2026-04-01.") % {"value": raw},
            )
            return None


def _describe(plan: RosterPlan, organization, users, as_of, deactivate_missing) -> None:
    current = {}
    for membership in Membership.objects.held_on_or_after(as_of).filter(
        department__organization=organization
    ):
        current.setdefault(membership.user_id, set()).add(
            (membership.department_id, membership.position_id, membership.is_primary)
        )
    in_file = set()
    for row in plan.rows:
        in_file.add(row.staff_number)
        user = users.get(row.staff_number)
        if user is None:
            plan.created.append(row.staff_number)
            continue
        fields_changed = (
            user.family_name,
            user.given_name,
            user.family_name_kana,
            user.given_name_kana,
            user.email,
            user.is_active,
        ) != (
            row.family_name,
            row.given_name,
            row.family_name_kana,
            row.given_name_kana,
            row.email,
            True,
        )
        posts_changed = (
            row.department is None
            or row.position is None
            or (current.get(user.pk, set()) != _wanted(row))
        )
        if posts_changed:
            plan.transferred.append(row.staff_number)
        elif fields_changed:
            plan.updated.append(row.staff_number)
        else:
            plan.unchanged.append(row.staff_number)
    if deactivate_missing:
        plan.deactivated = sorted(
            user.staff_number
            for user in users.values()
            if user.is_active and user.pk in current and user.staff_number not in in_file
        )


def _wanted(row: RosterRow) -> set[tuple]:
    posts = {(row.department.id, row.position.id, True)}
    posts |= {(d.id, row.position.id, False) for d in row.concurrent if d.id != row.department.id}
    return posts


class RunFrom(enum.StrEnum):
    """How an import was run, as its audit event says."""

    SCREEN = "screen"
    COMMAND = "command"


@transaction.atomic
def roster_apply(
    *,
    organization,
    plan: RosterPlan,
    as_of: datetime.date,
    actor: Actor,
    filename: str,
    via: RunFrom,
) -> dict[str, int]:
    """Carry out a valid plan in one transaction. Returns the counts.

    The same transaction writes one ROSTER_IMPORTED event: who (``actor``), the file's
    name, how it was run (``via``), the effective date and the counts. A plan that
    changes nothing (the same file again) writes nothing at all, the event included.
    """
    via = RunFrom(via)
    if not plan.ok:
        raise ValueError("A roster with errors cannot be applied.")
    departments = {
        name: Department.objects.create(organization=organization, code=_code_for(name), name=name)
        for name in plan.new_departments
    }
    positions = {
        name: Position.objects.create(
            organization=organization, code=_code_for(name), name=name, rank=20
        )
        for name in plan.new_positions
    }
    User = get_user_model()
    users = {
        u.staff_number: u
        for u in User.objects.filter(
            organization=organization, staff_number__in=[row.staff_number for row in plan.rows]
        )
    }
    unchanged, same_posts = set(plan.unchanged), set(plan.updated)
    for row in plan.rows:
        if row.staff_number in unchanged:
            continue  # the plan found nothing to write (a re-import of the same file)
        row.department = row.department or departments[row.department_text]
        row.position = row.position or positions[row.position_text]
        user = users.get(row.staff_number) or User(
            organization=organization, staff_number=row.staff_number
        )
        for name in ("family_name", "given_name", "family_name_kana", "given_name_kana", "email"):
            setattr(user, name, getattr(row, name))
        user.is_active = True
        if user.pk is None:
            user.set_unusable_password()  # staff set it with "forgotten password"
        user.full_clean()
        user.save()
        if row.staff_number in same_posts:
            continue  # names or e-mail changed; the posts are as the file says
        # Someone hired after the effective date starts on their first day.
        starts = as_of
        if row.hired_on and row.hired_on > as_of and not _has_posts(user):
            starts = row.hired_on
        _set_posts(user, _wanted(row), organization, starts)
    if plan.deactivated:
        for user in User.objects.filter(
            organization=organization, staff_number__in=plan.deactivated
        ):
            user.is_active = False  # their sessions stop working at once
            user.save(update_fields=["is_active"])
            _set_posts(user, set(), organization, as_of)
    counts = plan.counts()
    if plan.created or plan.updated or plan.transferred or plan.deactivated:
        audit_record(
            by=actor,
            action=AuditEvent.Action.ROSTER_IMPORTED,
            file=filename,
            via=via,
            as_of=as_of.isoformat(),
            **counts,
        )
    return counts


def _has_posts(user) -> bool:
    return Membership.objects.filter(user=user).exists()


def _set_posts(user, wanted: set[tuple], organization, as_of: datetime.date) -> None:
    """Close posts that are no longer wanted (the day before ``as_of``) and open new ones.

    Only the town's own people, in the town's own departments (the plan reads no other
    town's): a post is always in the person's own organisation (``Membership.clean``).
    """
    if user.organization_id != organization.pk:
        # The plan matches only the town's people; should another get here, refuse it all.
        raise ValueError("A roster import changes only its own organisation's people.")
    active = Membership.objects.held_on_or_after(as_of).filter(
        user=user, department__organization=organization
    )  # posts elsewhere from before towns kept their own rosters are that town's record
    have = set()
    for membership in active:
        key = (membership.department_id, membership.position_id, membership.is_primary)
        if key in wanted:
            have.add(key)
        elif membership.valid_from >= as_of:
            membership.delete()  # opened by an earlier import for the same day
        else:
            membership.valid_to = as_of - datetime.timedelta(days=1)
            membership.save(update_fields=["valid_to"])
    for department_id, position_id, is_primary in wanted - have:
        Membership.objects.create(
            user=user,
            department_id=department_id,
            position_id=position_id,
            is_primary=is_primary,
            valid_from=as_of,
        )


def _code_for(name: str) -> str:
    return "NEW-" + re.sub(r"\W+", "", unicodedata.normalize("NFKC", name))[:20]
