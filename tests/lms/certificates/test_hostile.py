"""修了証 against a hostile colleague (lesser role, another town, tampered URL, past
year): another person's or another town's certificate is not found, another town's number
is not verified, a tampered cycle issues nothing, a track not completed in a past fiscal
year has no certificate for it, and an issue and its audit row stand or fall together."""

import datetime
from http import HTTPStatus
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from courses.services import module_complete
from lms.models import AuditEvent, Certificate

TOKYO = ZoneInfo("Asia/Tokyo")


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(datetime.datetime(2026, 11, 28, 9, 0, tzinfo=TOKYO))


def _download(client, viewer, user, page, cycle=0):
    client.force_login(viewer)
    return client.get(reverse("lms:certificate_download", args=[user.pk, page.pk, cycle]))


def _issued_nothing():
    return (
        not Certificate.objects.exists()
        and not AuditEvent.objects.filter(action=AuditEvent.Action.CERTIFICATE_ISSUED).exists()
    )


@pytest.fixture
def b_learner(two_towns):
    """Town B's member of staff who completed town B's course (and so its track)."""
    module_complete(user=two_towns.b_staff, module=two_towns.b_module)
    return two_towns.b_staff


def test_town_as_hr_does_not_get_town_bs_certificate(client, two_towns, b_learner):
    course = two_towns.b_module.get_parent()

    for page in (course, two_towns.b_track):
        response = _download(client, two_towns.a_hr, b_learner, page)
        assert response.status_code == HTTPStatus.NOT_FOUND
    assert _issued_nothing()


def test_town_bs_hr_gets_it(client, two_towns, b_learner):
    response = _download(client, two_towns.b_hr, b_learner, two_towns.b_module.get_parent())

    assert response.status_code == HTTPStatus.OK


@pytest.mark.parametrize("cycle", [2026, 2025, 1, 999999999999999999])
def test_a_tampered_cycle_issues_nothing(client, two_towns, b_learner, cycle):
    response = _download(client, b_learner, b_learner, two_towns.b_module.get_parent(), cycle)

    assert response.status_code == HTTPStatus.NOT_FOUND
    assert _issued_nothing()


def test_my_id_with_a_page_only_a_colleague_completed_issues_nothing(
    client, two_towns, b_learner, make_staff
):
    colleague = make_staff(two_towns.b_department)

    response = _download(client, colleague, colleague, two_towns.b_module.get_parent())

    assert response.status_code == HTTPStatus.NOT_FOUND
    assert _issued_nothing()


def test_town_as_hr_does_not_verify_town_bs_number(client, two_towns, b_learner):
    _download(client, b_learner, b_learner, two_towns.b_module.get_parent())
    certificate = Certificate.objects.get()

    client.force_login(two_towns.a_hr)
    response = client.get(
        reverse("lms:certificate_verify_number", args=[certificate.number_display])
    )

    body = response.content.decode()
    assert response.status_code == HTTPStatus.NOT_FOUND
    for leaked in (
        b_learner.get_full_name(),
        b_learner.staff_number,
        certificate.title,
        "となり町",
    ):
        assert leaked not in body


def test_a_track_not_completed_in_a_past_fiscal_year_has_no_certificate_for_it(
    client, make_course, make_staff
):
    """The annual course done in fiscal 2025, the one-off course only in fiscal 2026: the
    track was completed in 2026, not in 2025, whatever the URL says."""
    track, _annual, (annual_module,) = make_course(modules=1, annual=True)
    _, _once, (once_module,) = make_course(modules=1, track=track)
    learner = make_staff("mado")
    module_complete(
        user=learner, module=annual_module, at=datetime.datetime(2025, 6, 1, tzinfo=TOKYO)
    )
    module_complete(
        user=learner, module=once_module, at=datetime.datetime(2026, 5, 1, tzinfo=TOKYO)
    )
    module_complete(
        user=learner, module=annual_module, at=datetime.datetime(2026, 6, 1, tzinfo=TOKYO)
    )

    past = _download(client, learner, learner, track, 2025)
    this_year = _download(client, learner, learner, track, 2026)

    assert past.status_code == HTTPStatus.NOT_FOUND
    assert this_year.status_code == HTTPStatus.OK
    assert list(Certificate.objects.filter(kind="track").values_list("cycle", flat=True)) == [2026]


def test_an_issue_whose_audit_row_fails_leaves_no_certificate(
    client, two_towns, b_learner, monkeypatch
):
    from lms.certificates import services

    def failing_audit(**kwargs):
        raise RuntimeError("audit store down")

    monkeypatch.setattr(services, "audit_record", failing_audit)
    client.raise_request_exception = True

    with pytest.raises(RuntimeError):
        _download(client, b_learner, b_learner, two_towns.b_module.get_parent())

    assert not Certificate.objects.exists()


def test_a_pdf_that_fails_to_draw_issues_nothing(client, two_towns, b_learner, monkeypatch):
    from lms.certificates import views

    def failing_pdf(text):
        raise RuntimeError("renderer crashed")

    monkeypatch.setattr(views, "render_pdf", failing_pdf)
    client.raise_request_exception = False

    response = _download(client, b_learner, b_learner, two_towns.b_module.get_parent())

    assert response.status_code == HTTPStatus.INTERNAL_SERVER_ERROR
    assert _issued_nothing()
