"""The attendance sheet as a file (出席簿): CSV (UTF-8 or CP932) or XLSX, read as the
roster's (``lms.people.roster.read_table``). Columns 職員番号 and 出欠 (出席 / 欠席, or
○ / ×); other columns (氏名 …) are ignored. Every line is checked first; any problem
lists its line and nothing is stored. A valid sheet is stored by ``attendance_set``, as
the form is (same permissions, same completions, same audit).
"""

from django.utils.translation import gettext as _

from lms.models import SessionRegistration
from lms.models.people import normalize_staff_number
from lms.people.roster import RosterError, RosterFileError, read_table

STAFF_NUMBER = "職員番号"
ATTENDANCE = "出欠"
VALUES = {"出席": True, "○": True, "〇": True, "欠席": False, "×": False, "": None}


def attendance_marks(*, session, data: bytes, filename: str = ""):
    """(marks for ``attendance_set``, errors): marks only when there is no error."""
    try:
        headers, rows = read_table(data, filename)
    except RosterFileError as error:
        return {}, [RosterError(0, "", str(error))]
    errors = [
        RosterError(1, name, _("This column is missing."))
        for name in (STAFF_NUMBER, ATTENDANCE)
        if name not in headers
    ]
    if errors:
        return {}, errors
    number_at, value_at = headers.index(STAFF_NUMBER), headers.index(ATTENDANCE)
    registered = {
        registration.user.staff_number: registration.pk
        for registration in session.registrations.filter(
            status=SessionRegistration.Status.REGISTERED
        ).select_related("user")
    }
    marks, seen = {}, {}
    for line, cells in rows:
        cell = cells[number_at] if number_at < len(cells) else ""
        number = normalize_staff_number(str(cell if cell is not None else ""))
        value = cells[value_at] if value_at < len(cells) else ""
        value = str(value if value is not None else "").strip()
        if number not in registered:
            errors.append(
                RosterError(
                    line, STAFF_NUMBER, _("This person is not registered for this session.")
                )
            )
        elif number in seen:
            errors.append(
                RosterError(
                    line,
                    STAFF_NUMBER,
                    _("This staff number is on line %(line)s too.") % {"line": seen[number]},
                )
            )
        elif value not in VALUES:
            errors.append(RosterError(line, ATTENDANCE, _("Write 出席 or 欠席.")))
        else:
            seen[number] = line
            marks[registered[number]] = VALUES[value]
    if not rows:
        errors.append(RosterError(0, "", _("The file has no attendance to record.")))
    return ({} if errors else marks), errors
