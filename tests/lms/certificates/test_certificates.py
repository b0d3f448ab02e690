"""修了証: the PDF read back (text, embedded fonts), the number verifies and stays the same
on re-issue, a tampered number is refused, another town's HR does not find it, who may
download it, annual courses per fiscal year, tracks, audit events."""

import datetime
import io
import re
from http import HTTPStatus
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from pypdf import PdfReader

from courses.services import module_complete
from lms.certificates import numbers
from lms.models import AuditEvent, Certificate
from lms.people.roles import Role

TOKYO = ZoneInfo("Asia/Tokyo")
# 00:30 on 1 October 2026 in Tokyo is still 30 September in UTC: the certificate says 1 October.
COMPLETED = datetime.datetime(2026, 10, 1, 0, 30, tzinfo=TOKYO)


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(datetime.datetime(2026, 11, 28, 9, 0, tzinfo=TOKYO))


@pytest.fixture
def world(make_course, make_staff, other_town, organization):
    organization.certificate_issuer = "テスト町長 山本 一郎"
    organization.save()
    track, course, modules = make_course(modules=2)
    course.title = "情報セキュリティの基本"
    course.save_revision().publish()
    _, second, second_modules = make_course(modules=1, track=track)
    learner = make_staff("mado", family_name="山田", given_name="花子")
    for module in modules:
        module_complete(user=learner, module=module, at=COMPLETED)
    return {
        "track": track,
        "course": course,
        "second": second,
        "second_modules": second_modules,
        "learner": learner,
        "colleague": make_staff("mado"),
        "head": make_staff("jumin", "kacho", roles=[Role.DEPT_HEAD]),
        "other_head": make_staff("somu", "kacho", roles=[Role.DEPT_HEAD]),
        "hr": make_staff("jinji", roles=[Role.HR]),
        "other_hr": make_staff(other_town["somu"], roles=[Role.HR]),
    }


def _url(user, page, cycle=0):
    return reverse("lms:certificate_download", args=[user.pk, page.pk, cycle])


def _download(client, viewer, user, page, cycle=0):
    client.force_login(viewer)
    return client.get(_url(user, page, cycle))


def _pdf(response) -> PdfReader:
    assert response.status_code == HTTPStatus.OK
    assert response["Content-Type"] == "application/pdf"
    assert "no-store" in response["Cache-Control"]
    return PdfReader(io.BytesIO(response.content))


def _text(reader: PdfReader) -> str:
    return "".join(page.extract_text() for page in reader.pages)


def _printed_number(text: str) -> str:
    match = re.search(r"証書番号\s*([0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4})", text)
    assert match, text
    return match.group(1)


def _fonts(reader: PdfReader):
    """Every font the page uses, with its descendants (Type0 fonts)."""
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            yield font
            for descendant in font.get("/DescendantFonts", []):
                yield descendant.get_object()


def test_the_pdf_says_who_completed_what_and_when_with_the_font_embedded(client, world):
    reader = _pdf(_download(client, world["learner"], world["learner"], world["course"]))
    text = _text(reader)

    assert "修" in text and "了" in text and "証" in text
    assert "山田 花子" in text
    assert "情報セキュリティの基本" in text
    assert "令和8年10月1日" in text and "2026年10月1日" in text  # Japan's day, both calendars
    assert "テスト町" in text and "テスト町長 山本 一郎" in text
    number = _printed_number(text)
    stored = Certificate.objects.get(user=world["learner"])
    assert number == stored.number_display
    assert reverse("lms:certificate_verify_number", args=[number]) in text
    fonts = [f for f in _fonts(reader) if f.get("/Subtype") != "/Type0"]
    assert fonts
    for font in fonts:
        descriptor = font["/FontDescriptor"].get_object()
        assert "/FontFile2" in descriptor or "/FontFile3" in descriptor, font["/BaseFont"]
        assert "IPAex" in str(font["/BaseFont"])


def test_re_issue_gives_the_same_number_and_every_issue_is_audited(client, world):
    first = _printed_number(
        _text(_pdf(_download(client, world["learner"], world["learner"], world["course"])))
    )
    again = _printed_number(
        _text(_pdf(_download(client, world["hr"], world["learner"], world["course"])))
    )

    assert first == again
    assert Certificate.objects.filter(user=world["learner"]).count() == 1
    events = list(
        AuditEvent.objects.filter(action=AuditEvent.Action.CERTIFICATE_ISSUED).order_by("pk")
    )
    assert [(e.actor, e.subject, e.detail["first_issue"]) for e in events] == [
        (world["learner"], world["learner"], True),
        (world["hr"], world["learner"], False),
    ]
    assert {e.detail["number"] for e in events} == {first.replace("-", "")}


def test_no_certificate_for_what_is_not_completed(client, world):
    response = _download(client, world["learner"], world["learner"], world["second"])
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert not Certificate.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.CERTIFICATE_ISSUED).exists()


@pytest.mark.parametrize(
    ("viewer", "status"),
    [
        ("learner", HTTPStatus.OK),  # their own
        ("colleague", HTTPStatus.NOT_FOUND),  # staff: own only
        ("head", HTTPStatus.OK),  # 住民課長: 窓口係 is in their department
        ("other_head", HTTPStatus.NOT_FOUND),  # 総務課長: not theirs
        ("hr", HTTPStatus.OK),  # HR of the town
        ("other_hr", HTTPStatus.NOT_FOUND),  # HR of another town
    ],
)
def test_who_may_download_a_certificate(client, world, viewer, status):
    response = _download(client, world[viewer], world["learner"], world["course"])
    assert response.status_code == status


def test_the_track_certificate_follows_its_last_course(client, world):
    response = _download(client, world["learner"], world["learner"], world["track"])
    assert response.status_code == HTTPStatus.NOT_FOUND  # one course of two

    later = datetime.datetime(2026, 11, 2, 10, 0, tzinfo=TOKYO)
    module_complete(user=world["learner"], module=world["second_modules"][0], at=later)
    text = _text(_pdf(_download(client, world["learner"], world["learner"], world["track"])))

    assert world["track"].title in text
    assert "令和8年11月2日" in text  # the day of the last course
    assert Certificate.objects.get(kind="track").page_id == world["track"].pk


def test_a_certified_track_keeps_its_certificate_when_a_course_is_added(client, world, make_course):
    module_complete(user=world["learner"], module=world["second_modules"][0])
    first = _printed_number(
        _text(_pdf(_download(client, world["learner"], world["learner"], world["track"])))
    )
    make_course(modules=1, track=world["track"])  # the track is no longer all done

    again = _printed_number(
        _text(_pdf(_download(client, world["hr"], world["learner"], world["track"])))
    )

    assert again == first
    assert Certificate.objects.filter(kind="track").count() == 1


def test_an_annual_course_has_a_certificate_per_fiscal_year(client, make_course, make_staff):
    _, course, modules = make_course(modules=1, annual=True)
    learner = make_staff("mado")
    module_complete(user=learner, module=modules[0], at=datetime.datetime(2025, 6, 1, tzinfo=TOKYO))
    module_complete(user=learner, module=modules[0], at=datetime.datetime(2026, 6, 1, tzinfo=TOKYO))

    texts = {
        year: _text(_pdf(_download(client, learner, learner, course, year)))
        for year in (2025, 2026)
    }

    assert "令和7年6月1日" in texts[2025] and "令和8年6月1日" in texts[2026]
    assert _printed_number(texts[2025]) != _printed_number(texts[2026])
    assert _download(client, learner, learner, course, 0).status_code == HTTPStatus.NOT_FOUND
    assert _download(client, learner, learner, course, 2024).status_code == HTTPStatus.NOT_FOUND


def test_a_missing_font_is_a_clear_error_and_issues_nothing(client, world, settings):
    settings.SHINKA_CERTIFICATE_FONT = "/nonexistent/font.ttf"
    response = _download(client, world["learner"], world["learner"], world["course"])
    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert "フォント" in response.content.decode()
    assert not Certificate.objects.exists()


def test_a_cff_font_cannot_be_embedded_and_says_so(settings):
    from lms.certificates.pdf import CertificateFontMissing, certificate_font

    settings.SHINKA_CERTIFICATE_FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
    with pytest.raises(CertificateFontMissing, match="SHINKA_CERTIFICATE_FONT"):
        certificate_font()


# --- Verification ---------------------------------------------------------------------------


@pytest.fixture
def issued(client, world):
    _download(client, world["learner"], world["learner"], world["course"])
    client.logout()
    return Certificate.objects.get(user=world["learner"])


def _verify(client, viewer, text, *, in_path=False):
    client.force_login(viewer)
    if in_path:
        return client.get(reverse("lms:certificate_verify_number", args=[text]))
    return client.get(reverse("lms:certificate_verify"), {"number": text})


def test_hr_of_the_town_verifies_a_number(client, world, issued):
    response = _verify(client, world["hr"], issued.number_display, in_path=True)

    body = response.content.decode()
    assert response.status_code == HTTPStatus.OK
    assert "有効" in body
    assert world["learner"].get_full_name() in body
    assert "情報セキュリティの基本" in body
    assert "令和8年10月1日" in body
    event = AuditEvent.objects.get(action=AuditEvent.Action.CERTIFICATE_VERIFIED)
    assert (event.actor, event.subject, event.detail["result"]) == (
        world["hr"],
        world["learner"],
        "valid",
    )


def test_the_person_verifies_their_own_typed_in_lower_case(client, world, issued):
    response = _verify(client, world["learner"], issued.number_display.lower())
    assert response.status_code == HTTPStatus.OK
    assert world["learner"].get_full_name() in response.content.decode()


@pytest.mark.parametrize("viewer", ["other_hr", "colleague", "head"])
def test_others_are_told_it_was_not_found(client, world, issued, viewer):
    response = _verify(client, world[viewer], issued.number_display)

    body = response.content.decode()
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert "見つかりません" in body
    assert world["learner"].get_full_name() not in body
    assert "情報セキュリティの基本" not in body
    event = AuditEvent.objects.get(action=AuditEvent.Action.CERTIFICATE_VERIFIED)
    assert (event.actor, event.subject, event.detail["result"]) == (
        world[viewer],
        None,
        "not_found",
    )


def test_a_tampered_number_is_refused_in_japanese(client, world, issued):
    number = issued.number
    index = 5
    replacement = "2" if number[index] != "2" else "3"
    tampered = number[:index] + replacement + number[index + 1 :]

    response = _verify(client, world["hr"], tampered)

    body = response.content.decode()
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "修了証の番号として正しくありません" in body
    assert world["learner"].get_full_name() not in body
    event = AuditEvent.objects.get(action=AuditEvent.Action.CERTIFICATE_VERIFIED)
    assert event.detail["result"] == "invalid"


def test_a_well_formed_number_never_issued_is_not_found(client, world, issued):
    while (other := numbers.new_number()) == issued.number:
        pass
    response = _verify(client, world["hr"], other)
    assert response.status_code == HTTPStatus.NOT_FOUND


def test_the_form_alone_and_rubbish_input_never_fail(client, world):
    client.force_login(world["hr"])
    assert client.get(reverse("lms:certificate_verify")).status_code == HTTPStatus.OK
    for text in ["x" * 5000, "'; DROP TABLE x; --", "\x00", "証書番号"]:
        response = client.get(reverse("lms:certificate_verify"), {"number": text})
        assert response.status_code == HTTPStatus.BAD_REQUEST


def test_verification_needs_sign_in(client, issued):
    response = client.get(reverse("lms:certificate_verify_number", args=[issued.number_display]))
    assert response.status_code == HTTPStatus.FOUND
    assert "/accounts/login/" in response["Location"]


@hypothesis_settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    text=st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=120)
    | st.sampled_from(["１２３", "\x00", "0" * 5000, "ｱｲｳ", "7KQ4-M2XD-9HTW-R3NB"])
)
def test_whatever_is_typed_the_page_answers_without_an_error(client, world, text):
    client.force_login(world["hr"])
    response = client.get(reverse("lms:certificate_verify"), {"number": text})
    expected = {HTTPStatus.OK} if not text else {HTTPStatus.BAD_REQUEST, HTTPStatus.NOT_FOUND}
    assert response.status_code in expected
