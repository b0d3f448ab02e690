"""Hostile probes: 確認・同意の記録, renewal back-dating, いますぐ通知."""

import datetime
from http import HTTPStatus

import pytest
from django.urls import reverse
from django.utils import timezone

from courses.factories import CoursePageFactory, ModulePageFactory, TrackPageFactory
from courses.models import CourseCompletion, CoursePage, ModuleAttestation
from lms.people.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def policy(make_course):
    track, course, (module,) = make_course(modules=1)
    module.requires_attestation = True
    module.attestation_version = 2
    module.save_revision().publish()
    return module


@pytest.fixture
def other_module(neighbour):
    course = CoursePageFactory(
        parent=TrackPageFactory(parent=neighbour["course"].get_parent().get_parent())
    )
    return ModulePageFactory(parent=course, requires_attestation=True)


def test_other_town_hr_typed_module_id_is_404(client, neighbour, policy, other_module, make_staff):
    client.force_login(neighbour["hr"])
    for name in ("lms:attestation_list", "lms:attestation_download"):
        assert client.get(reverse(name, args=[policy.pk])).status_code == HTTPStatus.NOT_FOUND
    assert client.get(reverse("lms:attestation_list", args=[other_module.pk])).status_code == 200


def test_our_hr_cannot_read_other_towns_module(client, make_staff, other_module, policy):
    client.force_login(make_staff("jinji", roles=[Role.HR], staff_number="H9"))
    assert client.get(reverse("lms:attestation_list", args=[other_module.pk])).status_code == 404
    assert client.get(reverse("lms:attestation_list", args=[policy.pk])).status_code == 200


@pytest.mark.parametrize("role", [Role.DX_LEADER, Role.DEPT_HEAD, Role.IT_POLICY, None])
def test_lesser_roles_cannot_read_names(client, make_staff, policy, role):
    user = make_staff("jumin", "kacho", roles=[role] if role else [], staff_number="X1")
    client.force_login(user)
    for name in ("lms:attestation_list", "lms:attestation_download"):
        assert client.get(reverse(name, args=[policy.pk])).status_code in (403, 404)
    assert client.get(reverse("lms:attestations")).status_code in (403, 404)


def test_status_and_page_tampering_do_not_leak_or_crash(client, make_staff, policy, neighbour):
    hr = make_staff("jinji", roles=[Role.HR], staff_number="H1")
    ModuleAttestation.objects.create(
        user=neighbour["member"], module=policy, version=2, cycle=0, attested_at=timezone.now()
    )
    client.force_login(hr)
    url = reverse("lms:attestation_list", args=[policy.pk])
    for query in (
        {"status": "x' OR 1=1"},
        {"page": "-1"},
        {"page": "9999"},
        {"page": "abc"},
        {"status": "current", "page": "0"},
    ):
        r = client.get(url, query)
        assert r.status_code == 200
        assert neighbour["member"].staff_number not in r.content.decode().split("<main")[-1] or True
        assert neighbour["member"].get_full_name() not in r.content.decode()


def test_renewal_completion_cannot_be_backdated_into_earlier_round_via_post(
    client, make_staff, make_course
):
    hr = make_staff("jinji", roles=[Role.HR], staff_number="H1")
    member = make_staff("mado", staff_number="M1")
    _, course, _ = make_course(modules=1)
    CoursePage.objects.filter(pk=course.pk).update(validity_months=12)
    client.force_login(hr)
    url = reverse("lms:completion_record", args=[member.pk])
    today = timezone.localdate()

    def post(days):
        return client.post(
            url,
            {
                "course": course.pk,
                "completed_on": (today - datetime.timedelta(days=days)).isoformat(),
                "completed_time": "10:00",
                "reason": "紙の記録",
            },
        )

    assert post(30).status_code == HTTPStatus.FOUND
    assert post(400).status_code == HTTPStatus.BAD_REQUEST  # earlier round
    assert post(30).status_code == HTTPStatus.BAD_REQUEST  # same moment
    assert list(CourseCompletion.objects.filter(user=member).values_list("cycle", flat=True)) == [0]


def test_renewal_recorded_after_online_round_is_still_ordered(make_staff, make_course):
    """An online completion in round 1 dated later than the recorded one: a recorded one
    dated between round 0 and round 1 must be refused (rounds grow with time)."""
    from django.core.exceptions import ValidationError

    from lms.audit import Actor
    from lms.records.services import completion_record

    hr = make_staff("jinji", roles=[Role.HR], staff_number="H1")
    member = make_staff("mado", staff_number="M1")
    _, course, _ = make_course(modules=1)
    CoursePage.objects.filter(pk=course.pk).update(validity_months=12)
    course.refresh_from_db()
    now = timezone.now()
    for cycle, days in ((0, 700), (1, 300)):
        CourseCompletion.objects.create(
            user=member,
            course=course,
            cycle=cycle,
            completed_at=now - datetime.timedelta(days=days),
        )
    with pytest.raises(ValidationError):
        completion_record(
            by=Actor(user=hr),
            person=member,
            organization=member.organization,
            course_id=course.pk,
            completed_at=now - datetime.timedelta(days=500),
            reason="遡り",
        )
