import datetime
from http import HTTPStatus

import pytest
from django.db import connection
from django.urls import reverse

from lms.factories import MembershipFactory
from lms.models import AuditEvent, Membership, User
from lms.people.roles import Role


@pytest.fixture
def admin_client(client, make_staff, learning_home):
    client.force_login(make_staff("somu", roles=[Role.ADMIN], is_superuser=True, is_staff=True))
    return client


@pytest.mark.parametrize("role", [Role.DX_LEADER, Role.IT_POLICY])
def test_authoring_roles_reach_the_wagtail_admin(client, make_staff, role, learning_home):
    # The role groups and their admin permission come from migration lms/0003.
    client.force_login(make_staff(roles=[role]))

    assert client.get(reverse("wagtailadmin_home")).status_code == HTTPStatus.OK


def test_staff_have_no_admin_access(client, make_staff):
    client.force_login(make_staff())

    response = client.get(reverse("wagtailadmin_home"))

    assert response.status_code == HTTPStatus.FOUND
    assert client.get(reverse("admin:index")).status_code == HTTPStatus.FOUND


def test_module_editor_opens_with_every_block(admin_client, make_course):
    _, _, (module, *_) = make_course()

    response = admin_client.get(reverse("wagtailadmin_pages:edit", args=[module.id]))

    assert response.status_code == HTTPStatus.OK
    for block in ("markdown", "callout", "video", "glossary_term"):
        assert block in response.content.decode()


def test_wagtail_user_screens_use_japanese_name_fields(admin_client):
    response = admin_client.post(
        reverse("wagtailusers_users:add"),
        {
            "staff_number": "７７７７",
            "email": "new.staff@example.jp",
            "family_name": "新井",
            "given_name": "一郎",
            "family_name_kana": "アライ",
            "given_name_kana": "イチロウ",
            "password1": "a-long-enough-password-1",
            "password2": "a-long-enough-password-1",
        },
    )

    assert response.status_code == HTTPStatus.FOUND, response.content.decode()[:2000]
    user = User.objects.get(email="new.staff@example.jp")
    assert (user.family_name, user.given_name, user.family_name_kana) == ("新井", "一郎", "アライ")
    assert user.staff_number == "7777"  # full-width digits from Excel are normalised
    assert (
        admin_client.get(reverse("wagtailusers_users:edit", args=[user.pk])).status_code
        == HTTPStatus.OK
    )


@pytest.mark.parametrize("url_name", ["admin:lms_user_changelist"])
def test_django_admin_screens_open(admin_client, url_name):
    assert admin_client.get(reverse(url_name)).status_code == HTTPStatus.OK


# Departments, assignments and the audit log moved to their one screen, in the Wagtail admin.
@pytest.mark.parametrize("url_name", ["department:index", "trackassignment:add", "audit_log:index"])
def test_wagtail_admin_screens_open(admin_client, url_name):
    assert admin_client.get(reverse(url_name)).status_code == HTTPStatus.OK


def test_the_django_admin_has_no_second_screen_for_what_the_wagtail_admin_manages():
    from django.contrib import admin

    from lms.models import AuditEvent, Department, Position, TrackAssignment

    for model in (Department, Position, TrackAssignment, AuditEvent):
        assert not admin.site.is_registered(model)


def test_a_persons_posts_are_edited_on_the_django_admin_user_screen(
    admin_client, make_staff, departments, positions
):
    person = make_staff("mado", position="shuji")

    response = admin_client.get(reverse("admin:lms_user_change", args=[person.pk]))

    assert response.status_code == HTTPStatus.OK
    form = response.context["inline_admin_formsets"][0].formset.forms[0]
    assert form["department"].value() == departments["mado"].pk
    assert {d.pk for d in form.fields["department"].queryset} == {
        d.pk for d in departments.values()
    }
    assert list(form.fields["position"].queryset) == [positions["shuji"], positions["kacho"]]


def test_a_transfer_is_saved_from_the_django_admin_user_screen(
    admin_client, make_staff, departments, positions
):
    person = make_staff("mado", position="shuji", email="ido@example.jp")
    post = person.memberships.get()

    response = admin_client.post(
        reverse("admin:lms_user_change", args=[person.pk]),
        {
            "staff_number": person.staff_number,
            "family_name": person.family_name,
            "given_name": person.given_name,
            "email": person.email,
            "is_active": "on",
            "date_joined_0": person.date_joined.date().isoformat(),
            "date_joined_1": "09:00:00",
            "memberships-TOTAL_FORMS": "1",
            "memberships-INITIAL_FORMS": "1",
            "memberships-0-id": post.pk,
            "memberships-0-user": person.pk,
            "memberships-0-department": departments["jinji"].pk,
            "memberships-0-position": positions["kacho"].pk,
            "memberships-0-is_primary": "on",
            "memberships-0-valid_from": post.valid_from.isoformat(),
        },
    )

    assert response.status_code == HTTPStatus.FOUND, response.content.decode()[:3000]
    post.refresh_from_db()
    assert (post.department, post.position) == (departments["jinji"], positions["kacho"])


def test_a_stale_post_without_the_existing_rows_cannot_add_a_second_primary_post(
    admin_client, make_staff, departments, positions
):
    """The formset excludes *every* post of the person from ``Membership.clean``'s check
    (``validated_with`` is the whole queryset), but compares only the rows actually
    posted: a form posted without the existing rows (INITIAL_FORMS=0 — a tampered or
    stale form, or a post added by someone else since the page was opened) saves a
    second 本務 overlapping the first."""
    person = make_staff("mado", position="shuji", email="ido@example.jp")
    existing = person.memberships.get()
    assert existing.is_primary and existing.valid_to is None

    response = admin_client.post(
        reverse("admin:lms_user_change", args=[person.pk]),
        {
            "staff_number": person.staff_number,
            "family_name": person.family_name,
            "given_name": person.given_name,
            "email": person.email,
            "is_active": "on",
            "date_joined_0": person.date_joined.date().isoformat(),
            "date_joined_1": "09:00:00",
            "memberships-TOTAL_FORMS": "1",
            "memberships-INITIAL_FORMS": "0",
            "memberships-0-user": person.pk,
            "memberships-0-department": departments["jinji"].pk,
            "memberships-0-position": positions["kacho"].pk,
            "memberships-0-is_primary": "on",
            "memberships-0-valid_from": "2026-12-01",
        },
    )

    primaries = Membership.objects.filter(user=person, is_primary=True).active_on(
        datetime.date(2026, 12, 1)
    )
    assert primaries.count() == 1, (response.status_code, list(primaries))
    assert response.status_code == HTTPStatus.OK  # the form shows the error


def test_making_someone_a_superuser_on_the_user_screen_is_audited(admin_client, make_staff):
    """Ticking "superuser" on the Django admin's user screen goes through
    ``person_access_set``, which audits the flag's change (ACCOUNT_CHANGED)."""
    person = make_staff("mado", email="promoted@example.jp")
    post = person.memberships.get()
    before = set(AuditEvent.objects.values_list("pk", flat=True))

    response = admin_client.post(
        reverse("admin:lms_user_change", args=[person.pk]),
        {
            "staff_number": person.staff_number,
            "family_name": person.family_name,
            "given_name": person.given_name,
            "email": person.email,
            "is_active": "on",
            "is_superuser": "on",
            "groups": [g.pk for g in person.groups.all()],
            "date_joined_0": person.date_joined.date().isoformat(),
            "date_joined_1": "09:00:00",
            "memberships-TOTAL_FORMS": "1",
            "memberships-INITIAL_FORMS": "1",
            "memberships-0-id": post.pk,
            "memberships-0-user": person.pk,
            "memberships-0-department": post.department_id,
            "memberships-0-position": post.position_id,
            "memberships-0-is_primary": "on",
            "memberships-0-valid_from": post.valid_from.isoformat(),
        },
    )

    assert response.status_code == HTTPStatus.FOUND
    assert "/change/" not in response["Location"]
    person.refresh_from_db()
    assert person.is_superuser
    assert AuditEvent.objects.exclude(pk__in=before).filter(subject=person).exists()


@pytest.fixture
def postgres(db):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (DATABASE_URL=postgres://…)")


def test_a_transfer_to_a_concurrent_post_saves_on_the_django_admin_user_screen(
    postgres, admin_client, make_staff, departments, positions
):
    """End the 本務 and make the 兼務 (starting the next day) the 本務, in one save.

    The formset accepts it (no two 本務 share a day after the save), but the inline saves
    rows in the model's order (-valid_from): the later post becomes 本務 while the earlier
    one is still open, and the exclusion constraint refuses the intermediate state.
    """
    person = make_staff("mado", position="shuji", email="ido@example.jp")
    home = person.memberships.get()
    home.valid_from = datetime.date(2020, 4, 1)
    home.save()
    second = MembershipFactory(
        user=person,
        department=departments["jinji"],
        position=positions["kacho"],
        is_primary=False,
        valid_from=datetime.date(2027, 4, 1),
    )
    rows = [  # the inline lists the newest post first
        (second, {"is_primary": "on", "valid_from": "2027-04-01", "valid_to": ""}),
        (home, {"valid_from": "2020-04-01", "valid_to": "2027-03-31", "is_primary": "on"}),
    ]
    data = {
        "staff_number": person.staff_number,
        "family_name": person.family_name,
        "given_name": person.given_name,
        "email": person.email,
        "is_active": "on",
        "date_joined_0": person.date_joined.date().isoformat(),
        "date_joined_1": "09:00:00",
        "memberships-TOTAL_FORMS": "2",
        "memberships-INITIAL_FORMS": "2",
    }
    for i, (post, fields) in enumerate(rows):
        data.update(
            {
                f"memberships-{i}-id": post.pk,
                f"memberships-{i}-user": person.pk,
                f"memberships-{i}-department": post.department_id,
                f"memberships-{i}-position": post.position_id,
                **{f"memberships-{i}-{k}": v for k, v in fields.items()},
            }
        )
    admin_client.raise_request_exception = False

    response = admin_client.post(reverse("admin:lms_user_change", args=[person.pk]), data)

    assert response.status_code == HTTPStatus.FOUND, response.status_code
    assert "/change/" not in response["Location"], response["Location"]
    second.refresh_from_db()
    home.refresh_from_db()
    assert second.is_primary and home.valid_to == datetime.date(2027, 3, 31)
