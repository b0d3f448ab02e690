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


def _audit_log(path=""):
    # The log has no edit or delete view to reverse: these are the addresses they would have.
    return reverse("audit_log:index") + path


def test_hr_reads_the_download_log_but_cannot_change_it(hr, make_staff):
    hr.get(reverse("roster_export") + "?format=csv")

    listing = hr.get(reverse("audit_log:index"))

    assert listing.status_code == HTTPStatus.OK
    assert "roster_exported" in listing.content.decode() or "名簿" in listing.content.decode()
    event = AuditEvent.objects.get(action="roster_exported")
    assert hr.get(_audit_log(f"edit/{event.pk}/")).status_code != HTTPStatus.OK
    assert hr.post(_audit_log(f"delete/{event.pk}/")).status_code != HTTPStatus.OK
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_staff_cannot_read_the_download_log(client, make_staff):
    client.force_login(make_staff())

    assert client.get(reverse("audit_log:index")).status_code == HTTPStatus.FOUND


@pytest.fixture
def events(make_staff):
    """A sign-in (the administrator's to read) and a download (HR's too)."""
    someone = make_staff(email="someone@example.jp")
    return {
        "sign_in": AuditEvent.objects.create(
            action=AuditEvent.Action.LOGIN_SUCCEEDED, actor=someone
        ),
        "download": AuditEvent.objects.create(
            action=AuditEvent.Action.ROSTER_EXPORTED, actor=someone
        ),
    }


def _listed(client) -> set[int]:
    response = client.get(reverse("audit_log:index"))
    assert response.status_code == HTTPStatus.OK
    return {event.pk for event in response.context["object_list"]}


def test_hr_reads_only_the_downloads_and_cannot_open_another_event(hr, events):
    assert _listed(hr) == {events["download"].pk}
    assert hr.get(reverse("audit_log:index")).context["page_title"] == "ダウンロード記録"
    inspect = "audit_log:inspect"
    assert hr.get(reverse(inspect, args=[events["download"].pk])).status_code == HTTPStatus.OK
    assert hr.get(reverse(inspect, args=[events["sign_in"].pk])).status_code == HTTPStatus.NOT_FOUND


@pytest.mark.parametrize("superuser", [False, True])
def test_the_site_administrator_reads_every_event(client, make_staff, events, superuser):
    client.force_login(make_staff("somu", roles=[Role.ADMIN], is_superuser=superuser))

    assert _listed(client) >= {events["download"].pk, events["sign_in"].pk}
    assert client.get(reverse("audit_log:index")).context["page_title"] == "監査ログ"
    for event in events.values():
        inspected = client.get(reverse("audit_log:inspect", args=[event.pk]))
        assert inspected.status_code == HTTPStatus.OK


@pytest.mark.parametrize(
    "role", [None, Role.DEPT_HEAD, Role.HR, Role.IT_POLICY, Role.DX_LEADER, Role.ADMIN, "superuser"]
)
def test_nobody_adds_edits_or_deletes_audit_events(client, make_staff, events, role):
    if role == "superuser":
        user = make_staff("somu", roles=[Role.ADMIN], is_superuser=True, is_staff=True)
    else:
        user = make_staff("jinji", roles=[role] if role else [])
    client.force_login(user)
    event = events["download"]
    before = list(AuditEvent.objects.order_by("pk").values())

    in_the_admin = role not in (None, Role.DEPT_HEAD)
    for path in ("new/", f"edit/{event.pk}/", f"delete/{event.pk}/", f"copy/{event.pk}/"):
        for response in (client.get(_audit_log(path)), client.post(_audit_log(path), {})):
            if in_the_admin:
                assert response.status_code in (HTTPStatus.NOT_FOUND, HTTPStatus.FORBIDDEN), path
            else:  # no access to the Wagtail admin: every address there sends to マイページ
                assert response.status_code == HTTPStatus.FOUND, path
                assert response["Location"].startswith(reverse("lms:mypage")), path

    assert list(AuditEvent.objects.order_by("pk").values()) == before
    # And the permission policy grants nothing but reading, to anyone.
    from wagtail.permissions import policy_registry

    policy = policy_registry.get_by_type(AuditEvent)
    for action in ("add", "change", "delete"):
        assert not policy.user_has_permission(user, action)
        assert not policy.user_has_permission_for_instance(user, action, event)


def test_the_group_editor_offers_only_reading_the_audit_log(client, make_staff):
    from django.contrib.auth.models import Permission
    from wagtail import hooks

    client.force_login(make_staff("somu", roles=[Role.ADMIN], is_superuser=True, is_staff=True))

    response = client.get(reverse("wagtailusers_groups:add"))  # the viewsets are registered

    assert response.status_code == HTTPStatus.OK
    offered = {
        permission.codename
        for hook in hooks.get_hooks("register_permissions")
        for permission in hook()
        if permission.content_type.model == "auditevent"
    }
    assert offered == {"view_auditevent"}
    html = response.content.decode()
    audit = {p.codename: p.pk for p in Permission.objects.filter(content_type__model="auditevent")}
    assert f'value="{audit["view_auditevent"]}"' in html
    assert f'value="{audit["delete_auditevent"]}"' not in html


@pytest.mark.parametrize(
    ("role", "label"),
    [(Role.HR, "ダウンロード記録"), (Role.ADMIN, "監査ログ"), (Role.IT_POLICY, None)],
)
def test_the_menu_names_the_log_for_what_its_reader_reads(client, make_staff, rf, role, label):
    from wagtail.admin.menu import admin_menu

    client.get(reverse("wagtailadmin_home"))  # the admin's URLs and menus are registered
    request = rf.get("/admin/")
    request.user = make_staff("somu", roles=[role])

    training = next(
        (
            item
            for item in admin_menu.menu_items_for_request(request)
            if item.name == "training-admin"
        ),
        None,
    )
    items = training.menu.menu_items_for_request(request) if training else []
    labels = [
        str(item.render_component(request).label)
        for item in items
        if item.url == reverse("audit_log:index")
    ]
    assert labels == ([label] if label else [])
