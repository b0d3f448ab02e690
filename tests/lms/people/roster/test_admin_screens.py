from http import HTTPStatus

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from lms.models import AuditEvent, User
from lms.people.roles import Role
from tests.lms.people.roster.test_import import ROWS, csv_bytes


@pytest.fixture
def hr(client, make_staff):
    client.force_login(make_staff("jinji", roles=[Role.HR]))
    return client


def upload(client, data, name="roster.csv"):
    return client.post(
        reverse("roster_import"),
        {"file": SimpleUploadedFile(name, data), "as_of": "2027-04-01"},
    )


def test_upload_shows_a_preview_then_applies(hr):
    preview = upload(hr, csv_bytes(*ROWS))

    assert preview.status_code == HTTPStatus.OK
    assert not User.objects.filter(staff_number="2001").exists()  # nothing before confirming
    token = preview.context["token"]
    applied = hr.post(reverse("roster_import"), {"token": token})

    assert applied.status_code == HTTPStatus.FOUND
    assert User.objects.filter(staff_number__in=["2001", "2002"]).count() == 2
    assert AuditEvent.objects.filter(action="roster_imported").exists()


def test_upload_with_errors_lists_them_and_imports_nothing(hr):
    response = upload(hr, csv_bytes(*ROWS, "9,x,,ない課,主事,z@example.jp,"))

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "4 行目" in response.content.decode()
    assert not User.objects.filter(staff_number="2001").exists()


def test_a_forged_token_is_refused(hr):
    response = hr.post(reverse("roster_import"), {"token": "forged"}, follow=True)

    assert "もう一度" in response.content.decode()


@pytest.mark.parametrize("role", [None, Role.DX_LEADER, Role.IT_POLICY, Role.DEPT_HEAD])
def test_only_hr_imports_or_exports(client, make_staff, role):
    client.force_login(make_staff(roles=[role] if role else []))

    for url in (reverse("roster_import"), reverse("roster_export")):
        assert client.get(url).status_code in (HTTPStatus.FOUND, HTTPStatus.FORBIDDEN)


def test_roster_export_is_excel_friendly_and_audited(hr):
    response = hr.get(reverse("roster_export") + "?format=csv")

    body = b"".join(response.streaming_content)
    assert body.startswith(b"\xef\xbb\xbf") and "職員番号".encode() in body
    assert AuditEvent.objects.filter(action="roster_exported").exists()


@pytest.mark.parametrize("name", ["department", "position", "trackassignment"])
def test_hr_manages_departments_positions_and_assignments(hr, name):
    assert hr.get(reverse(f"{name}:index")).status_code == HTTPStatus.OK
    assert hr.get(reverse(f"{name}:add")).status_code == HTTPStatus.OK
    export = hr.get(reverse(f"{name}:index") + "?export=xlsx")
    assert export.status_code == HTTPStatus.OK
    csv_export = hr.get(reverse(f"{name}:index") + "?export=csv")
    assert b"".join(csv_export.streaming_content).startswith(b"\xef\xbb\xbf")


def test_staff_cannot_manage_departments(client, make_staff):
    client.force_login(make_staff())

    assert client.get(reverse("department:index")).status_code == HTTPStatus.FOUND


def test_hr_reads_the_download_log_but_cannot_change_it(hr, make_staff):
    hr.get(reverse("roster_export") + "?format=csv")

    listing = hr.get(reverse("download_log:index"))

    assert listing.status_code == HTTPStatus.OK
    assert "roster_exported" in listing.content.decode() or "名簿" in listing.content.decode()
    event = AuditEvent.objects.get(action="roster_exported")
    assert hr.get(reverse("download_log:edit", args=[event.pk])).status_code != HTTPStatus.OK
    assert hr.post(reverse("download_log:delete", args=[event.pk])).status_code != HTTPStatus.OK
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_staff_cannot_read_the_download_log(client, make_staff):
    client.force_login(make_staff())

    assert client.get(reverse("download_log:index")).status_code == HTTPStatus.FOUND
