"""Role changes: one audited action (lms.people.roles), reached from every user screen."""

from http import HTTPStatus

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from lms import audit
from lms.audit import Actor
from lms.factories import UserFactory
from lms.models import AuditEvent, User
from lms.people import roles
from lms.people.authoring import track_editor_assign
from lms.people.roles import Role, person_roles_add, person_roles_set


def group(name):
    return Group.objects.get_or_create(name=name)[0]


def role_events(**filters):
    return AuditEvent.objects.filter(action=AuditEvent.Action.ROLES_CHANGED, **filters)


@pytest.fixture
def admin(make_staff, learning_home):
    return make_staff("somu", roles=[Role.ADMIN], is_superuser=True, is_staff=True)


@pytest.fixture
def admin_client(client, admin):
    client.force_login(admin)
    return client


@pytest.fixture
def person(db):
    user = UserFactory(staff_number="7001")
    with roles.roles_audited_here():  # set-up, not a change under test: no event
        user.groups.add(group(Role.STAFF))
    return user


def test_a_role_change_is_one_event_with_actor_subject_before_and_after(admin, person):
    event = person_roles_set(
        user=person,
        groups=[group(Role.STAFF), group(Role.HR)],
        actor=Actor(user=admin, ip_address="192.0.2.7"),
    )

    assert list(role_events()) == [event]  # the signal's catch-all stayed silent
    assert (event.actor, event.subject, event.ip_address) == (admin, person, "192.0.2.7")
    assert event.detail == {"before": ["staff"], "after": ["hr", "staff"]}
    assert set(person.groups.values_list("name", flat=True)) == {"staff", "hr"}


def test_giving_the_same_roles_again_writes_nothing(admin, person):
    assert person_roles_set(user=person, groups=[group(Role.STAFF)], actor=Actor(admin)) is None

    assert not AuditEvent.objects.exists()


def test_adding_roles_keeps_the_others(admin, person):
    event = person_roles_add(user=person, groups=[group(Role.DX_LEADER)], actor=Actor(admin))

    assert event.detail == {"before": ["staff"], "after": ["dx_leader", "staff"]}


def test_the_change_and_its_event_are_one_transaction(admin, person, monkeypatch):
    def record_then_fail(**kwargs):
        audit.audit_record(**kwargs)
        raise RuntimeError("the database went away")

    monkeypatch.setattr(roles, "audit_record", record_then_fail)

    with pytest.raises(RuntimeError):
        person_roles_set(user=person, groups=[group(Role.HR)], actor=Actor(admin))

    assert list(person.groups.values_list("name", flat=True)) == ["staff"]
    assert not AuditEvent.objects.exists()


def test_changes_outside_the_services_are_still_traced_without_an_actor(person):
    hr = group(Role.HR)

    hr.user_set.add(person)  # from the group's side, as a shell or a script might
    hr.user_set.clear()

    changes = list(role_events(subject=person).order_by("id").values_list("actor", "detail"))
    assert changes == [
        (None, {"change": "add", "groups": ["hr"]}),
        (None, {"change": "clear", "groups": ["hr"]}),
    ]


def test_assigning_a_track_editor_is_audited_with_the_actor(admin, person, make_course):
    track, _, _ = make_course()

    track_editor_assign(track=track, user=person, actor=Actor(admin))

    event = role_events().get()
    assert event.actor == admin
    assert event.detail["after"] == ["dx_leader", "staff", f"track-editors-{track.pk}"]


def _wagtail_user_data(user, groups):
    return {
        "staff_number": user.staff_number,
        "email": user.email,
        "family_name": user.family_name,
        "given_name": user.given_name,
        "family_name_kana": "",
        "given_name_kana": "",
        "is_active": "on",
        "groups": [g.pk for g in groups],
        "password1": "",
        "password2": "",
    }


def test_the_wagtail_user_editor_audits_role_changes_with_the_actor(admin_client, admin, person):
    response = admin_client.post(
        reverse("wagtailusers_users:edit", args=[person.pk]),
        _wagtail_user_data(person, [group(Role.STAFF), group(Role.DEPT_HEAD)]),
    )

    assert response.status_code == HTTPStatus.FOUND, response.content.decode()[:2000]
    event = role_events().get()
    assert (event.actor, event.subject, event.ip_address) == (admin, person, "127.0.0.1")
    assert event.detail == {"before": ["staff"], "after": ["dept_head", "staff"]}


def test_the_wagtail_user_editor_writes_no_event_when_the_roles_stay(admin_client, person):
    response = admin_client.post(
        reverse("wagtailusers_users:edit", args=[person.pk]),
        {**_wagtail_user_data(person, [group(Role.STAFF)]), "given_name": "改名"},
    )

    assert response.status_code == HTTPStatus.FOUND
    assert not role_events().exists()


def test_creating_a_user_in_wagtail_with_roles_is_audited(admin_client, admin):
    response = admin_client.post(
        reverse("wagtailusers_users:add"),
        {
            "staff_number": "7777",
            "email": "new.staff@example.jp",
            "family_name": "新井",
            "groups": [group(Role.HR).pk],
            "password1": "a-long-enough-password-1",
            "password2": "a-long-enough-password-1",
        },
    )

    assert response.status_code == HTTPStatus.FOUND, response.content.decode()[:2000]
    created = User.objects.get(staff_number="7777")
    event = role_events(subject=created).get()
    assert event.actor == admin and event.detail == {"before": [], "after": ["hr"]}


def test_the_bulk_assign_role_action_is_audited_per_user(admin_client, admin, person):
    other = UserFactory()
    url = reverse("wagtail_bulk_action", args=["lms", "user", "assign_role"])

    response = admin_client.post(
        f"{url}?id={person.pk}&id={other.pk}", {"role": group(Role.IT_POLICY).pk}
    )

    assert response.status_code == HTTPStatus.FOUND, response.content.decode()[:2000]
    events = role_events(actor=admin)
    assert {e.subject for e in events} == {person, other}
    assert role_events().count() == 2  # no unattributed copy from the signal
    added = events.get(subject=person).detail
    assert added == {"before": ["staff"], "after": ["it_policy", "staff"]}


def test_the_django_admin_audits_role_changes_with_the_actor(admin_client, admin, person):
    data = {
        "staff_number": person.staff_number,
        "family_name": person.family_name,
        "given_name": person.given_name,
        "family_name_kana": "",
        "given_name_kana": "",
        "email": person.email,
        "is_active": "on",
        "groups": [group(Role.STAFF).pk, group(Role.HR).pk],
        "date_joined_0": person.date_joined.date().isoformat(),
        "date_joined_1": "09:00:00",
        "memberships-TOTAL_FORMS": "0",
        "memberships-INITIAL_FORMS": "0",
        "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000",
    }

    response = admin_client.post(reverse("admin:lms_user_change", args=[person.pk]), data)

    assert response.status_code == HTTPStatus.FOUND, response.content.decode()[:3000]
    event = role_events().get()
    assert (event.actor, event.subject) == (admin, person)
    assert event.detail == {"before": ["staff"], "after": ["hr", "staff"]}
