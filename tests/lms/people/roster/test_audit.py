"""Roster import and export are audited actions: the change (or the read) and its event,
one transaction, whether run from the screen or the command line."""

from http import HTTPStatus
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from lms import audit
from lms.audit import Actor
from lms.models import AuditEvent, User
from lms.people import roster, roster_export
from lms.people.roles import Role
from lms.people.roster import RunFrom, roster_apply, roster_plan
from lms.people.roster_export import roster_export_file
from tests.lms.people.roster.test_import import AS_OF, ROWS, _file, csv_bytes


def imported():
    return AuditEvent.objects.filter(action=AuditEvent.Action.ROSTER_IMPORTED)


@pytest.fixture
def hr(make_staff):
    return make_staff("jinji", roles=[Role.HR], staff_number="0042")


def record_then_fail(**kwargs):
    audit.audit_record(**kwargs)
    raise RuntimeError("the database went away")


def apply(organization, actor, data=None):
    plan = roster_plan(
        organization=organization, data=data or csv_bytes(*ROWS), filename="r.csv", as_of=AS_OF
    )
    return roster_apply(
        organization=organization,
        plan=plan,
        as_of=AS_OF,
        actor=actor,
        filename="4月異動.csv",
        via=RunFrom.SCREEN,
    )


def test_an_import_writes_one_event_with_who_what_and_how(organization, departments, hr):
    apply(organization, Actor(user=hr, ip_address="192.0.2.9"))

    event = imported().get()
    assert (event.actor, event.ip_address, event.subject) == (hr, "192.0.2.9", None)
    assert event.detail == {
        "file": "4月異動.csv",
        "via": "screen",
        "as_of": "2027-04-01",
        "created": 2,
        "updated": 0,
        "transferred": 0,
        "unchanged": 0,
        "deactivated": 0,
    }


def test_importing_the_same_file_again_writes_no_event(organization, departments, hr):
    apply(organization, Actor(hr))
    apply(organization, Actor(hr))

    assert imported().count() == 1


def test_a_failure_after_the_event_leaves_neither_staff_nor_event(
    organization, departments, hr, monkeypatch
):
    monkeypatch.setattr(roster, "audit_record", record_then_fail)

    with pytest.raises(RuntimeError):
        apply(organization, Actor(hr))

    assert not User.objects.filter(staff_number__in=["2001", "2002"]).exists()
    assert not imported().exists()


def test_the_command_line_import_is_audited_with_the_actor(organization, departments, hr):
    call_command(
        "import_roster",
        _file(csv_bytes(*ROWS)),
        "--as-of",
        "2027-04-01",
        "--actor",
        "００４２",  # typed full-width, as staff numbers often are
        stdout=StringIO(),
    )

    event = imported().get()
    assert (event.actor, event.ip_address) == (hr, None)
    assert (event.detail["via"], event.detail["file"], event.detail["created"]) == (
        "command",
        "roster.csv",
        2,
    )


def test_a_command_line_import_without_actor_is_audited_as_by_nobody_known(
    organization, departments, positions
):
    call_command("import_roster", _file(csv_bytes(*ROWS)), stdout=StringIO())

    event = imported().get()
    assert event.actor is None and event.detail["via"] == "command"


def test_a_dry_run_writes_no_event(organization, departments, positions):
    call_command("import_roster", _file(csv_bytes(*ROWS)), "--dry-run", stdout=StringIO())

    assert not imported().exists()


def test_an_unknown_actor_stops_the_command_before_anything_is_written(
    organization, departments, positions
):
    with pytest.raises(CommandError):
        call_command("import_roster", _file(csv_bytes(*ROWS)), "--actor", "9999", stdout=StringIO())

    assert not User.objects.filter(staff_number="2001").exists()
    assert not imported().exists()


def test_the_screen_import_records_who_and_from_where(client, organization, departments, hr):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(hr)
    preview = client.post(
        reverse("roster_import"),
        {"file": SimpleUploadedFile("名簿.csv", csv_bytes(*ROWS)), "as_of": "2027-04-01"},
    )
    client.post(reverse("roster_import"), {"token": preview.context["token"]})

    event = imported().get()
    assert (event.actor, event.ip_address) == (hr, "127.0.0.1")
    assert (event.detail["via"], event.detail["file"]) == ("screen", "名簿.csv")


def exported():
    return AuditEvent.objects.filter(action=AuditEvent.Action.ROSTER_EXPORTED)


def test_an_export_writes_one_event(organization, hr):
    content = roster_export_file(
        organization=organization, day=AS_OF, file_format="csv", actor=Actor(hr, "192.0.2.3")
    )

    event = exported().get()
    assert (event.actor, event.ip_address) == (hr, "192.0.2.3")
    assert event.detail == {"format": "csv", "rows": 1}
    assert "0042" in content.decode("utf-8-sig")


def test_an_export_that_fails_leaves_no_event(organization, hr, monkeypatch):
    def fail(rows, file_format, **where):
        raise RuntimeError("the file could not be made")

    monkeypatch.setattr(roster_export, "_spreadsheet", fail)

    with pytest.raises(RuntimeError):
        roster_export_file(organization=organization, day=AS_OF, file_format="xlsx", actor=Actor())

    assert not exported().exists()


def test_the_screen_export_records_who_once(client, hr):
    client.force_login(hr)

    response = client.get(reverse("roster_export") + "?format=xlsx")

    assert response.status_code == HTTPStatus.OK
    event = exported().get()
    assert (event.actor, event.ip_address, event.detail["format"]) == (hr, "127.0.0.1", "xlsx")
