"""The 修了証 as a PDF (ReportLab; docs/certificates.md says why).

One A4 page: the certificate number, the title 修了証, the person, what they completed,
the completion date in 和暦 and 西暦, the date of issue, the town and its seal line
(``Organization.certificate_issuer_text``), and a QR code of the verification page's
address with the address printed beside it. The font (``SHINKA_CERTIFICATE_FONT``, a
TrueType file from Debian's fonts-ipaexfont) is embedded as a subset, so the PDF shows
and prints the same everywhere; it is read from disk, never downloaded.
"""

import io
import os
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from courses.fiscal import western_date, japanese_date
from lms.certificates.numbers import display

FONT_NAME = "ShinkaCertificateMincho"


class CertificateFontMissing(ImproperlyConfigured):
    """The certificate font is not on the server (a deployment error, not the user's)."""


def certificate_font() -> str:
    """Register the configured font with ReportLab once; its name."""
    path = settings.SHINKA_CERTIFICATE_FONT
    try:
        registered = pdfmetrics.getFont(FONT_NAME)
    except KeyError:
        registered = None
    if registered is not None and getattr(registered.face, "filename", None) == path:
        return FONT_NAME
    if not path or not os.path.isfile(path):
        raise CertificateFontMissing(
            f"SHINKA_CERTIFICATE_FONT: no font file at {path!r}. Install Debian's "
            "fonts-ipaexfont (apt-get install fonts-ipaexfont) or set the setting to a "
            "TrueType (.ttf) font with Japanese glyphs."
        )
    try:
        pdfmetrics.registerFont(TTFont(FONT_NAME, path))
    except Exception as error:  # ReportLab's TTFError: e.g. CFF outlines (an .otf/.ttc)
        raise CertificateFontMissing(
            f"SHINKA_CERTIFICATE_FONT: {path!r} cannot be embedded ({error}); use a TrueType "
            "font such as /usr/share/fonts/opentype/ipaexfont-mincho/ipaexm.ttf."
        ) from error
    return FONT_NAME


@dataclass(frozen=True)
class CertificateText:
    """What one certificate says (the view gathers it)."""

    number: str
    person: str
    title: str
    kind_label: str  # 研修 / 研修コース
    completed_at: object  # aware datetime
    issued_on: object  # date
    town: str
    issuer: str
    verify_url: str


def _wrap(text: str, font: str, size: float, width: float) -> list[str]:
    """Lines of at most ``width`` points, breaking between characters (Japanese has no
    spaces; a line never starts with 、 or 。)."""
    lines, line = [], ""
    for char in text:
        if pdfmetrics.stringWidth(line + char, font, size) > width and line:
            if char in "、。」）":
                line += char
                continue
            lines.append(line)
            line = ""
        line += char
    if line:
        lines.append(line)
    return lines


def _draw_qr(page, data: str, *, x: float, y: float, size: float) -> None:
    """ReportLab's own QR code (no other library), its modules drawn as filled
    rectangles straight on the page: vector, sharp when printed, and no font of the
    graphics renderer (Helvetica, not embedded) enters the PDF."""
    widget = QrCodeWidget(data, barLevel="M")
    scale = size / widget.barWidth
    page.saveState()
    page.setStrokeColor(colors.white, alpha=0)
    for module in widget.draw().contents:
        page.setFillColor(module.fillColor or colors.black)
        page.rect(
            x + module.x * scale,
            y + module.y * scale,
            module.width * scale,
            module.height * scale,
            stroke=0,
            fill=1,
        )
    page.restoreState()


def certificate_pdf(text: CertificateText) -> bytes:
    font = certificate_font()
    buffer = io.BytesIO()
    page = canvas.Canvas(
        buffer, pagesize=A4, pageCompression=1, initialFontName=font, initialFontSize=10
    )
    page.setTitle(f"修了証 {display(text.number)}")
    page.setAuthor(text.town)
    page.setSubject(text.title)
    page.setCreator("しんか Shinka")
    width, height = A4
    centre = width / 2

    # A double frame, as printed certificates have.
    page.setStrokeColor(colors.HexColor("#1f3a5f"))
    page.setLineWidth(2.5)
    page.rect(12 * mm, 12 * mm, width - 24 * mm, height - 24 * mm)
    page.setLineWidth(0.8)
    page.rect(15 * mm, 15 * mm, width - 30 * mm, height - 30 * mm)

    page.setFillColor(colors.black)
    page.setFont(font, 10)
    page.drawRightString(width - 25 * mm, height - 27 * mm, f"証書番号　{display(text.number)}")

    page.setFont(font, 40)
    page.drawCentredString(centre, height - 65 * mm, "修　了　証")

    page.setFont(font, 22)
    page.drawCentredString(centre, height - 95 * mm, f"{text.person}　殿")
    page.setLineWidth(0.6)
    page.line(centre - 60 * mm, height - 98 * mm, centre + 60 * mm, height - 98 * mm)

    page.setFont(font, 16)
    y = height - 120 * mm
    body = f"あなたは{text.kind_label}「{text.title}」を修了したことをここに証します。"
    for line in _wrap(body, font, 16, width - 60 * mm):
        page.drawString(30 * mm, y, line)
        y -= 10 * mm

    completed_on = timezone.localdate(text.completed_at)
    y -= 8 * mm
    page.setFont(font, 14)
    page.drawString(
        30 * mm, y, f"修了日　{japanese_date(completed_on)}（{western_date(completed_on)}）"
    )
    y -= 9 * mm
    page.drawString(
        30 * mm, y, f"発行日　{japanese_date(text.issued_on)}（{western_date(text.issued_on)}）"
    )

    page.setFont(font, 18)
    page.drawRightString(width - 45 * mm, 85 * mm, text.issuer)
    page.setFont(font, 12)
    page.drawRightString(width - 45 * mm, 95 * mm, text.town)
    # Where the seal is pressed (公印欄): a frame only, no facsimile of a seal.
    page.setStrokeColor(colors.HexColor("#b22222"))
    page.rect(width - 40 * mm, 78 * mm, 18 * mm, 18 * mm)
    page.setFillColor(colors.HexColor("#b22222"))
    page.setFont(font, 9)
    page.drawCentredString(width - 31 * mm, 86 * mm, "印")

    # The QR code of the verification page, and its address for those who type it.
    _draw_qr(page, text.verify_url, x=25 * mm, y=25 * mm, size=30 * mm)
    page.setFillColor(colors.black)
    page.setFont(font, 8)
    page.drawString(58 * mm, 45 * mm, "この修了証の確認（人事担当・本人）：")
    page.drawString(58 * mm, 40 * mm, text.verify_url)
    page.drawString(58 * mm, 35 * mm, f"証書番号 {display(text.number)} を入力しても確認できます。")

    page.showPage()
    page.save()
    return buffer.getvalue()
