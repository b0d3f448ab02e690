"""A member of staff completes a course, downloads the 修了証 and HR verifies it by its
number (typed in, and from the QR code's address); the new pages pass axe-core at
desktop and phone width."""

import io
import re

import pytest
from allauth.mfa.totp.internal.auth import generate_totp_secret
from django.contrib.auth import get_user_model
from django.utils import timezone
from pypdf import PdfReader

from assessments.models import Quiz
from courses.blocks import quiz_ids_in
from courses.models import CourseCompletion, CoursePage, ModulePage
from courses.services import module_complete
from lms.demo.seed import _passed_attempt
from lms.models import AuditEvent, Certificate

from .conftest import give_authenticator

expect = pytest.importorskip("playwright.sync_api").expect
pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PHONE = {"width": 390, "height": 844}
NUMBER = re.compile(r"証書番号\s*([0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4})")


def _one_module_left(user) -> tuple[CoursePage, ModulePage]:
    """A course of the demo she has not started, all but its first module done (quizzes
    passed the real way, as the seed does): the first is hers to finish in the browser."""
    for course in CoursePage.objects.live().order_by("path"):
        modules = list(ModulePage.objects.live().child_of(course).order_by("path"))
        if len(modules) < 2 or quiz_ids_in(modules[0].body):
            continue
        if user.module_completions.filter(module__in=modules).exists():
            continue
        for module in modules[1:]:
            attempt = None
            for quiz_id in quiz_ids_in(module.body):
                attempt = _passed_attempt(
                    user, Quiz.objects.get(pk=quiz_id), module, timezone.now()
                )
            module_complete(user=user, module=module, via_attempt=attempt)
        return course, modules[0]
    raise AssertionError("the demo has no course left to finish")


def test_staff_completes_a_course_downloads_the_certificate_and_hr_verifies_it(journey):
    staff = get_user_model().objects.get(staff_number="1001")
    course, first_module = _one_module_left(staff)

    walk = journey("certificate-staff")
    page = walk.page
    walk.sign_in("1001", "demo-staff-1001")
    walk.goto(first_module.url, "module")
    page.get_by_role("button", name="学習を完了する").click()
    expect(page.get_by_role("status").filter(has_text="完了しました")).to_be_visible()
    assert CourseCompletion.objects.filter(user=staff, course=course).exists()

    page.get_by_role("navigation", name="メインメニュー").get_by_role(
        "link", name="マイページ"
    ).click()
    page.get_by_role("link", name="受講履歴・修了証").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("受講履歴")
    walk.check("transcript")
    row = page.get_by_role("row").filter(
        has=page.get_by_role("rowheader", name=re.compile(re.escape(course.title)))
    )
    expect(row).to_contain_text("修了証（PDF）")
    with page.expect_download() as download:
        row.get_by_role("link", name=re.compile("修了証（PDF）")).click()
    pdf = PdfReader(io.BytesIO(download.value.path().read_bytes()))
    text = "".join(p.extract_text() for p in pdf.pages)
    assert course.title in text and "山田 花子" in text and "令和" in text
    number = NUMBER.search(text).group(1)
    assert Certificate.objects.get(user=staff, course=course).number_display == number
    page.reload()
    expect(row).to_contain_text(number)  # the record now shows the number it was given
    page.set_viewport_size(PHONE)
    walk.check("transcript-phone")

    # HR (鈴木 恵子, who has set up her authenticator) checks the number.
    secret = generate_totp_secret()
    give_authenticator("3001", secret)
    hr = journey("certificate-hr")
    hr_page = hr.page
    hr.sign_in("3001", "demo-hr-3001", totp_secret=secret)
    hr.goto("/mypage/certificates/verify/", "verify-form")
    hr_page.get_by_label("証書番号").fill(number.lower().replace("-", " "))
    hr_page.get_by_role("button", name="確認する").press("Enter")
    result = hr_page.get_by_role("status")
    expect(result).to_contain_text("この修了証は有効です。")
    expect(result).to_contain_text("山田 花子")
    expect(result).to_contain_text(course.title)
    hr.check("verify-valid")

    # The QR code's address, as printed on the certificate.
    address = re.search(r"(http://\S+/certificates/verify/\S+/)", text).group(1)
    hr.goto(address, "verify-from-qr")
    expect(hr_page.get_by_role("status")).to_contain_text("この修了証は有効です。")

    # One character changed: refused as altered, in Japanese.
    altered = number[:-1] + ("0" if number[-1] != "0" else "1")
    hr_page.get_by_label("証書番号").fill(altered)
    hr_page.get_by_role("button", name="確認する").press("Enter")
    expect(hr_page.get_by_role("status")).to_contain_text("修了証の番号として正しくありません")
    hr_page.set_viewport_size(PHONE)
    hr.check("verify-refused-phone")

    assert (
        AuditEvent.objects.filter(
            action=AuditEvent.Action.CERTIFICATE_VERIFIED, actor__staff_number="3001"
        ).count()
        == 3
    )
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.CERTIFICATE_ISSUED, subject=staff
    ).exists()
