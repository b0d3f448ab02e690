from http import HTTPStatus

import pytest
from django.urls import reverse

from lms.models import AuditEvent
from lms.people.roles import Role


def progress_url(user):
    return reverse("lms:person_progress", args=[user.pk])


@pytest.fixture
def people(make_staff, learning_home):
    return {
        "staff": make_staff("mado"),
        "colleague": make_staff("mado"),
        "somu_staff": make_staff("jinji"),
        "jumin_head": make_staff("jumin", "kacho", roles=[Role.DEPT_HEAD]),
        "hr": make_staff("jinji", roles=[Role.HR]),
        "it_policy": make_staff("somu", roles=[Role.IT_POLICY]),
    }


def test_staff_cannot_see_another_persons_progress(client, people):
    client.force_login(people["staff"])

    response = client.get(progress_url(people["colleague"]))

    assert response.status_code == HTTPStatus.NOT_FOUND
    assert people["colleague"].get_full_name() not in response.content.decode()


def test_own_progress_url_leads_to_mypage(client, people):
    client.force_login(people["staff"])

    response = client.get(progress_url(people["staff"]))

    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == reverse("lms:mypage")


def test_department_head_sees_members_of_own_department_and_its_units(client, people):
    client.force_login(people["jumin_head"])

    assert client.get(progress_url(people["staff"])).status_code == HTTPStatus.OK
    assert client.get(progress_url(people["somu_staff"])).status_code == HTTPStatus.NOT_FOUND


def test_hr_sees_everyone_and_each_view_is_audited(client, people):
    client.force_login(people["hr"])

    response = client.get(progress_url(people["staff"]))

    assert response.status_code == HTTPStatus.OK
    assert people["staff"].get_full_name() in response.content.decode()
    event = AuditEvent.objects.get(action=AuditEvent.Action.PERSON_PROGRESS_VIEWED)
    assert event.actor == people["hr"]
    assert event.subject == people["staff"]
    assert event.action == AuditEvent.Action.PERSON_PROGRESS_VIEWED
    assert "no-store" in response["Cache-Control"]


def test_it_policy_does_not_see_individual_completion(client, people):
    client.force_login(people["it_policy"])

    assert client.get(progress_url(people["staff"])).status_code == HTTPStatus.NOT_FOUND


def test_anonymous_visitors_are_sent_to_sign_in(client, people):
    response = client.get(progress_url(people["staff"]))

    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"].startswith(reverse("account_login"))


def test_unknown_person_is_not_found(client, people):
    client.force_login(people["hr"])

    assert client.get(reverse("lms:person_progress", args=[999999])).status_code == 404
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.PERSON_PROGRESS_VIEWED).exists()


def test_a_department_heads_concurrent_post_does_not_widen_what_they_see(
    client, people, departments, positions
):
    from lms.factories import MembershipFactory

    head = people["jumin_head"]
    MembershipFactory(
        user=head, department=departments["jinji"], position=positions["shuji"], is_primary=False
    )
    client.force_login(head)

    assert client.get(progress_url(people["somu_staff"])).status_code == HTTPStatus.NOT_FOUND
    assert client.get(progress_url(people["staff"])).status_code == HTTPStatus.OK


def skills_url(user):
    return reverse("lms:person_skills", args=[user.pk])


@pytest.mark.parametrize(
    ("viewer", "allowed"),
    [("staff", False), ("jumin_head", False), ("hr", False), ("it_policy", True)],
)
def test_skill_levels_are_for_it_policy_only(client, people, viewer, allowed):
    client.force_login(people[viewer])

    response = client.get(skills_url(people["colleague"]))

    assert response.status_code == (HTTPStatus.OK if allowed else HTTPStatus.NOT_FOUND)
    assert (
        AuditEvent.objects.filter(action=AuditEvent.Action.PERSON_SKILLS_VIEWED).exists() is allowed
    )


def test_a_huge_id_in_a_url_is_not_found_not_a_server_error(client, people):
    client.force_login(people["hr"])

    assert client.get("/mypage/people/99999999999999999999999/").status_code == 404
    assert client.get("/learn/modules/99999999999999999999999/complete/").status_code == 404
