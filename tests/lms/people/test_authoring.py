"""DX leaders author their own tracks; IT policy reviews and publishes. Real permissions."""

from http import HTTPStatus

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from wagtail.models import Page

from courses.models import ModuleCompletion, ModulePage
from courses.services import module_complete
from lms.audit import Actor
from lms.factories import UserFactory
from lms.people.authoring import authoring_setup, track_editor_assign
from lms.people.roles import Role


@pytest.fixture
def site(make_course, make_staff, learning_home):
    track_a, course_a, (module_a, *_) = make_course()
    track_b, course_b, (module_b, *_) = make_course()
    authoring_setup(home=learning_home)
    leader = make_staff(roles=[Role.DX_LEADER])
    track_editor_assign(track=track_a, user=leader, actor=Actor())
    return {
        "home": learning_home,
        "a": module_a,
        "b": module_b,
        "course_a": course_a,
        "course_b": course_b,
        "leader": leader,
        "reviewer": make_staff("somu", roles=[Role.IT_POLICY]),
    }


def edit_data(page, title, action=None):
    data = {
        "title": title,
        "slug": page.slug,
        "summary": "",
        "estimated_minutes": "10",
        "body-count": "0",
    }
    if action:
        data[action] = "1"
    return data


def test_a_leader_edits_their_own_track(client, site):
    client.force_login(site["leader"])
    module = site["a"]

    assert client.get(reverse("wagtailadmin_pages:edit", args=[module.id])).status_code == 200
    response = client.post(
        reverse("wagtailadmin_pages:edit", args=[module.id]), edit_data(module, "改訂版")
    )

    assert response.status_code == HTTPStatus.FOUND
    module.refresh_from_db()
    assert module.get_latest_revision().as_object().title == "改訂版"
    assert module.title != "改訂版"  # a draft: learners still see the published version


@pytest.mark.parametrize("how", ["ui", "raw_post"])
def test_a_leader_cannot_touch_another_track(client, site, how):
    client.force_login(site["leader"])
    module = site["b"]
    url = reverse("wagtailadmin_pages:edit", args=[module.id])

    if how == "ui":
        response = client.get(url)
    else:
        response = client.post(url, edit_data(module, "書き換え", action="action-publish"))

    assert response.status_code in (HTTPStatus.FOUND, HTTPStatus.FORBIDDEN)
    module.refresh_from_db()
    assert module.title != "書き換え"
    assert module.revisions.filter(content__title="書き換え").count() == 0


def test_a_leader_cannot_move_or_delete_pages_of_another_track(client, site):
    client.force_login(site["leader"])
    module = site["b"]

    client.post(reverse("wagtailadmin_pages:move_confirm", args=[module.id, site["course_a"].id]))
    client.post(reverse("wagtailadmin_pages:delete", args=[module.id]))

    assert Page.objects.get(pk=module.id).get_parent().id == site["course_b"].id


def test_a_leader_cannot_publish_directly(client, site):
    client.force_login(site["leader"])
    module = site["a"]

    client.post(
        reverse("wagtailadmin_pages:edit", args=[module.id]),
        edit_data(module, "直接公開", action="action-publish"),
    )

    module.refresh_from_db()
    assert module.title != "直接公開"


def test_review_then_publish(client, site):
    module = site["a"]
    client.force_login(site["leader"])
    client.post(
        reverse("wagtailadmin_pages:edit", args=[module.id]),
        edit_data(module, "レビュー版", action="action-submit"),
    )
    module.refresh_from_db()
    assert module.title != "レビュー版"
    workflow_state = module.current_workflow_state
    assert workflow_state is not None

    client.force_login(site["reviewer"])
    task_state = workflow_state.current_task_state
    response = client.post(
        reverse(
            "wagtailadmin_pages:workflow_action",
            args=[module.id, "approve", task_state.id],
        ),
        {"comment": ""},
    )

    assert response.status_code in (HTTPStatus.OK, HTTPStatus.FOUND)
    module.refresh_from_db()
    assert module.title == "レビュー版" and module.live


def test_progress_survives_renaming_and_moving_a_module(site):
    learner = UserFactory()
    module = site["a"]
    module_complete(user=learner, module=module)

    module.title = "新しい名前"
    module.slug = "renamed"
    module.save_revision().publish()
    ModulePage.objects.get(pk=module.pk).move(site["course_b"], pos="last-child")

    assert ModuleCompletion.objects.filter(user=learner, module_id=module.pk).exists()


def test_quiz_content_goes_through_the_same_workflow_and_only_it_policy_publishes_it(site):
    from assessments.models import Question, QuestionBank, Quiz

    workflow = authoring_setup(home=site["home"])  # again: nothing doubles

    for model in (QuestionBank, Question, Quiz):
        assert model.get_default_workflow() == workflow
        name = model._meta.model_name
        assert site["reviewer"].has_perm(f"assessments.publish_{name}")
        assert not site["leader"].has_perm(f"assessments.publish_{name}")
    assert site["reviewer"].has_perm("assessments.manage_all_banks")
    assert not site["leader"].has_perm("assessments.manage_all_banks")
    assert (
        Group.objects.get(name=Role.IT_POLICY)
        .permissions.filter(codename="publish_question")
        .count()
        == 1
    )
