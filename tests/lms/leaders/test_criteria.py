"""IT policy's criteria changes are one audited action, with before → after."""

from http import HTTPStatus

import pytest
from django.urls import reverse

from lms import audit
from lms.audit import Actor
from lms.leaders import criteria as criteria_module
from lms.leaders.criteria import leader_criteria_save
from lms.models import AuditEvent, LeaderCriteria
from lms.people.roles import Role

DEFAULTS = {
    "minimum_levels": {"caution": 2, "data": 2},
    "required_track": None,
    "weight_level": 2,
    "weight_self_nomination": 3,
    "weight_endorsement": 5,
    "weight_authored": 1,
}


@pytest.fixture
def it_policy(make_staff):
    return make_staff("somu", roles=[Role.IT_POLICY])


def criteria_events():
    return AuditEvent.objects.filter(action=AuditEvent.Action.CRITERIA_CHANGED)


def test_a_change_is_one_event_with_every_changed_field_before_and_after(
    organization, it_policy, make_course
):
    track, _, _ = make_course()

    event = leader_criteria_save(
        organization=organization,
        values={
            **DEFAULTS,
            "minimum_levels": {"caution": 3},
            "required_track": track,
            "weight_endorsement": 8,
        },
        actor=Actor(user=it_policy, ip_address="192.0.2.5"),
    )

    assert list(criteria_events()) == [event]
    assert (event.actor, event.ip_address, event.subject) == (it_policy, "192.0.2.5", None)
    assert event.detail == {
        "organization": "TEST",
        "changes": {
            "minimum_levels": {"before": {"caution": 2, "data": 2}, "after": {"caution": 3}},
            "required_track": {"before": None, "after": {"id": track.pk, "title": track.title}},
            "weight_endorsement": {"before": 5, "after": 8},
        },
    }
    saved = LeaderCriteria.objects.get(organization=organization)
    assert (saved.minimum_levels, saved.required_track, saved.weight_endorsement) == (
        {"caution": 3},
        track,
        8,
    )


def test_saving_the_criteria_unchanged_writes_nothing(organization, it_policy):
    assert leader_criteria_save(organization=organization, values=DEFAULTS, actor=Actor()) is None
    leader_criteria_save(
        organization=organization, values={**DEFAULTS, "weight_level": 4}, actor=Actor()
    )

    assert (
        leader_criteria_save(
            organization=organization,
            values={**DEFAULTS, "weight_level": 4},
            actor=Actor(it_policy),
        )
        is None
    )

    assert criteria_events().count() == 1  # only the real change
    assert LeaderCriteria.objects.get(organization=organization).weight_level == 4


def test_a_failure_after_the_event_leaves_neither_criteria_nor_event(
    organization, it_policy, monkeypatch
):
    def record_then_fail(**kwargs):
        audit.audit_record(**kwargs)
        raise RuntimeError("the database went away")

    monkeypatch.setattr(criteria_module, "audit_record", record_then_fail)

    with pytest.raises(RuntimeError):
        leader_criteria_save(
            organization=organization,
            values={**DEFAULTS, "weight_level": 9},
            actor=Actor(it_policy),
        )

    assert not LeaderCriteria.objects.exists()
    assert not criteria_events().exists()


def test_only_criteria_fields_are_taken(organization):
    with pytest.raises(TypeError):
        leader_criteria_save(
            organization=organization, values={"organization": None}, actor=Actor()
        )


def test_the_criteria_screen_audits_the_change_with_the_actor(client, organization, it_policy):
    client.force_login(it_policy)
    form = {
        "minimum_caution": "2",
        "minimum_data": "2",
        "weight_level": "2",
        "weight_self_nomination": "3",
        "weight_endorsement": "5",
        "weight_authored": "1",
    }

    unchanged = client.post(reverse("lms:leader_criteria"), form, follow=True)
    changed = client.post(
        reverse("lms:leader_criteria"), {**form, "minimum_data": "", "weight_authored": "4"}
    )

    assert changed.status_code == HTTPStatus.FOUND
    assert "変更はありません" in unchanged.content.decode()
    event = criteria_events().get()
    assert (event.actor, event.ip_address) == (it_policy, "127.0.0.1")
    assert event.detail["changes"] == {
        "minimum_levels": {"before": {"caution": 2, "data": 2}, "after": {"caution": 2}},
        "weight_authored": {"before": 1, "after": 4},
    }
