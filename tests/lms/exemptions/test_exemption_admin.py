"""研修管理 → 免除: town A's HR exempts its people from its tracks; town B's rows, people
and tracks are never listed, offered or opened, and a tampered form naming one of them is
refused with a Japanese message in the field (lms/people/town_admin.py, lms/exemptions.py)."""

import datetime
from http import HTTPStatus

import pytest
from django.urls import reverse

from lms.audit import Actor
from lms.exemptions import exemption_create, exemption_end, exemption_update
from lms.models import AuditEvent, Exemption
from lms.people.permissions import can_manage_exemptions
from lms.people.roles import Role
from tests.conftest import TODAY

D = datetime.date


@pytest.fixture
def people(two_towns, make_staff):
    """A member of staff of each town, each exempt from their town's track."""
    a_staff = make_staff("mado", staff_number="EX1")
    a = exemption_create(
        by=Actor(),
        organization=two_towns.a,
        user=a_staff,
        track=two_towns.a_track,
        starts_on=D(2026, 4, 1),
        reason=Exemption.Reason.CHILDCARE_LEAVE,
    )
    b = exemption_create(
        by=Actor(),
        organization=two_towns.b,
        user=two_towns.b_staff,
        track=two_towns.b_track,
        starts_on=D(2026, 4, 1),
        reason=Exemption.Reason.SICK_LEAVE,
    )
    return {"a_staff": a_staff, "a": a, "b": b}


@pytest.fixture
def hr_a(client, two_towns):
    client.force_login(two_towns.a_hr)
    return client


def post_data(towns, person, **changes):
    data = {
        "organization": towns.a.pk,
        "user": person.pk,
        "track": towns.a_track.pk,
        "starts_on": "2026-10-01",
        "ends_on": "2027-03-31",
        "reason": Exemption.Reason.SECONDMENT,
        "note": "県へ派遣",
    }
    return {**data, **changes}


def test_only_the_towns_hr_may_manage_its_exemptions(two_towns, make_staff):
    head = make_staff("jumin", roles=[Role.DEPT_HEAD])
    admin = make_staff("jumin", roles=[Role.ADMIN])
    staff = make_staff("mado")

    def may(user, town):
        return can_manage_exemptions(user, organization_id=town.pk, day=TODAY)

    assert may(two_towns.a_hr, two_towns.a)
    assert not may(two_towns.a_hr, two_towns.b)  # another town's HR
    assert not may(two_towns.b_hr, two_towns.a)
    assert not any(may(user, two_towns.a) for user in (head, admin, staff))


def test_the_listing_shows_the_editors_town_only(hr_a, two_towns, people):
    response = hr_a.get(reverse("exemption:index"))

    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    assert reverse("exemption:edit", args=[people["a"].pk]) in html
    assert reverse("exemption:edit", args=[people["b"].pk]) not in html
    assert "となり町" not in html
    exported = b"".join(hr_a.get(reverse("exemption:index"), {"export": "csv"}).streaming_content)
    assert "育児休業" in exported.decode("utf-8-sig")
    assert "病気休暇" not in exported.decode("utf-8-sig")


@pytest.mark.parametrize("view", ["edit", "history", "usage"])
def test_another_towns_exemption_is_not_found(hr_a, two_towns, people, view):
    assert hr_a.get(reverse(f"exemption:{view}", args=[people["a"].pk])).status_code == 200
    response = hr_a.get(reverse(f"exemption:{view}", args=[people["b"].pk]))

    assert response.status_code == HTTPStatus.NOT_FOUND


def test_the_form_offers_only_the_editors_town_people_and_tracks(hr_a, two_towns, people):
    form = hr_a.get(reverse("exemption:add")).context["form"]

    assert list(form.fields["organization"].queryset) == [two_towns.a]
    assert list(form.fields["track"].queryset) == [two_towns.a_track]
    offered = set(form.fields["user"].queryset)
    assert people["a_staff"] in offered and two_towns.a_hr in offered
    assert two_towns.b_staff not in offered and two_towns.b_hr not in offered


def test_hr_exempts_a_person_of_the_town_audited(hr_a, two_towns, people):
    response = hr_a.post(reverse("exemption:add"), post_data(two_towns, people["a_staff"]))

    assert response.status_code == HTTPStatus.FOUND, response.context["form"].errors
    made = Exemption.objects.get(starts_on=D(2026, 10, 1))
    assert (made.user, made.track, made.ends_on, made.note) == (
        people["a_staff"],
        two_towns.a_track,
        D(2027, 3, 31),
        "県へ派遣",
    )
    event = AuditEvent.objects.get(action=AuditEvent.Action.EXEMPTION_CREATED, subject=made.user,
                                   detail__exemption=made.pk)  # fmt: skip
    assert event.actor == two_towns.a_hr
    assert event.detail["reason"] == Exemption.Reason.SECONDMENT


def test_hr_corrects_an_exemption_audited_with_what_it_was(hr_a, two_towns, people):
    exemption = people["a"]
    data = post_data(two_towns, people["a_staff"], starts_on="2026-04-01", ends_on="2026-12-31")

    response = hr_a.post(reverse("exemption:edit", args=[exemption.pk]), data)

    assert response.status_code == HTTPStatus.FOUND, response.context["form"].errors
    exemption.refresh_from_db()
    assert exemption.ends_on == D(2026, 12, 31)
    event = AuditEvent.objects.get(action=AuditEvent.Action.EXEMPTION_CHANGED)
    assert event.detail["before"]["ends_on"] is None
    assert event.detail["ends_on"] == "2026-12-31"


@pytest.mark.parametrize(
    ("field", "theirs"),
    [
        ("organization", lambda t, p: t.b.pk),
        ("track", lambda t, p: t.b_track.pk),
        ("user", lambda t, p: t.b_staff.pk),
    ],
)
@pytest.mark.parametrize("view", ["add", "edit"])
def test_a_tampered_exemption_naming_another_towns_row_is_refused(
    hr_a, two_towns, people, field, theirs, view
):
    before = set(Exemption.objects.values_list("pk", "organization", "user", "track", "ends_on"))
    url = (
        reverse("exemption:add")
        if view == "add"
        else reverse("exemption:edit", args=[people["a"].pk])
    )

    response = hr_a.post(
        url, post_data(two_towns, people["a_staff"], **{field: theirs(two_towns, people)})
    )

    assert response.status_code == HTTPStatus.OK
    errors = response.context["form"].errors
    assert field in errors
    assert "町" in " ".join(errors[field])  # in Japanese, saying why
    assert set(Exemption.objects.values_list("pk", "organization", "user", "track", "ends_on")) == (
        before
    )


def test_an_end_before_the_start_is_refused_in_japanese(hr_a, two_towns, people):
    response = hr_a.post(
        reverse("exemption:add"),
        post_data(two_towns, people["a_staff"], starts_on="2026-10-01", ends_on="2026-09-30"),
    )

    assert response.status_code == HTTPStatus.OK
    assert "終了日" in " ".join(response.context["form"].errors["ends_on"])
    assert not Exemption.objects.filter(starts_on=D(2026, 10, 1)).exists()


@pytest.mark.parametrize("role", [Role.DEPT_HEAD, Role.ADMIN, Role.STAFF])
def test_other_roles_of_the_town_have_no_exemption_screens(client, two_towns, make_staff, role,
                                                           people):  # fmt: skip
    client.force_login(make_staff("jumin", roles=[role]))

    for url in (reverse("exemption:index"), reverse("exemption:add"),
                reverse("exemption:edit", args=[people["a"].pk])):  # fmt: skip
        assert client.get(url).status_code in (HTTPStatus.FOUND, HTTPStatus.FORBIDDEN,
                                               HTTPStatus.NOT_FOUND), url  # fmt: skip
    response = client.post(reverse("exemption:add"), post_data(two_towns, people["a_staff"]))
    assert response.status_code != HTTPStatus.OK or "form" not in (response.context or {})
    assert not Exemption.objects.filter(starts_on=D(2026, 10, 1)).exists()


def test_an_exemption_is_never_deleted_in_the_admin(hr_a, people):
    response = hr_a.post(reverse("exemption:delete", args=[people["a"].pk]))

    assert response.status_code in (HTTPStatus.FOUND, HTTPStatus.FORBIDDEN, HTTPStatus.NOT_FOUND)
    assert Exemption.objects.filter(pk=people["a"].pk).exists()


def test_ending_an_exemption_is_audited_once(two_towns, people):
    exemption = people["a"]

    exemption_end(by=Actor(user=two_towns.a_hr), exemption=exemption, ends_on=D(2026, 11, 30))
    exemption_end(by=Actor(user=two_towns.a_hr), exemption=exemption, ends_on=D(2026, 11, 30))

    exemption.refresh_from_db()
    assert exemption.ends_on == D(2026, 11, 30)
    assert AuditEvent.objects.filter(action=AuditEvent.Action.EXEMPTION_ENDED).count() == 1


def test_the_services_refuse_another_towns_person_or_track(two_towns, people):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as refused:
        exemption_update(by=Actor(), exemption=people["a"], track=two_towns.b_track)
    assert "track" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        exemption_create(
            by=Actor(), organization=two_towns.a, user=two_towns.b_staff,
            track=two_towns.a_track, starts_on=D(2026, 4, 1), reason=Exemption.Reason.OTHER,
        )  # fmt: skip
    assert "user" in refused.value.message_dict
