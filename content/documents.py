"""Document uploads are checked by their content, not only their extension.

Wagtail checks the extension (WAGTAILDOCS_EXTENSIONS); a file renamed to an
allowed extension (an .exe called 手順書.pdf) would pass. This form base looks at
the first bytes, and into zip containers, before anything is stored.
"""

import zipfile

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _
from wagtail.documents.forms import BaseDocumentForm

# A zip-based upload (Office files, .zip) may not unpack to more than this:
# beyond it, it is a "zip bomb", not teaching material.
UNPACKED_LIMIT = 1024 * 1024 * 1024

OFFICE_PARTS = {
    "docx": "word/document.xml",
    "xlsx": "xl/workbook.xml",
    "pptx": "ppt/presentation.xml",
}
HEAD = 64 * 1024


def content_problem(name: str, upload) -> str | None:
    """Why the file's content does not match its extension, or None when it does."""
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    upload.seek(0)
    head = upload.read(HEAD)
    upload.seek(0)
    if extension == "pdf":
        ok = head.startswith(b"%PDF-")
    elif extension == "mp4":
        ok = head[4:8] == b"ftyp"
    elif extension == "webm":
        ok = head.startswith(b"\x1a\x45\xdf\xa3")
    elif extension in ("txt", "csv"):
        ok = _is_text(head)
    elif extension == "zip" or extension in OFFICE_PARTS:
        return _zip_problem(extension, upload)
    else:
        return None  # the extension check (WAGTAILDOCS_EXTENSIONS) has the last word
    if ok:
        return None
    return _("The file’s content does not match its extension “.%(extension)s”.") % {
        "extension": extension
    }


def _is_text(head: bytes) -> bool:
    """UTF-8, Shift_JIS (CP932), or UTF-16 with its byte-order mark (Excel's "Unicode text")."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        even = head[: len(head) // 2 * 2]
        return _decodes(even, ("utf-16",)) and "\x00" not in even.decode("utf-16", "ignore")
    return b"\x00" not in head and _decodes(head, ("utf-8-sig", "cp932"))


def _decodes(head: bytes, encodings) -> bool:
    for encoding in encodings:
        try:
            head.decode(encoding)
            return True
        except UnicodeDecodeError as error:
            if error.start >= len(head) - 4:  # a character cut off at the end of the sample
                return True
    return False


def _zip_problem(extension: str, upload) -> str | None:
    mismatch = _("The file’s content does not match its extension “.%(extension)s”.") % {
        "extension": extension
    }
    try:
        with zipfile.ZipFile(upload) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        return mismatch
    finally:
        upload.seek(0)
    if sum(member.file_size for member in members) > UNPACKED_LIMIT:
        return _("The archive would unpack to more than 1 GB; it cannot be uploaded.")
    part = OFFICE_PARTS.get(extension)
    if part and part not in {member.filename for member in members}:
        return mismatch
    return None


class DocumentForm(BaseDocumentForm):
    """WAGTAILDOCS_DOCUMENT_FORM_BASE: Wagtail's form plus a check of the content."""

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if isinstance(upload, UploadedFile):  # a new file, not the one already stored
            problem = content_problem(upload.name, upload)
            if problem:
                raise forms.ValidationError(problem, code="content_mismatch")
        return upload

    def _post_clean(self):
        if self.has_error("file"):
            # The file is refused already; the model's own extension check would
            # add a second, confusing message about a file that is not there.
            return
        super()._post_clean()
