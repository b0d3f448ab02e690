"""A hostile colleague of town A against town B's learning pages: a module of another town
is not found for completing it or taking its quiz (so it never reaches the 受講履歴 or a
修了証 of town A), and a module under a page privacy setting is not completed by POST."""

import datetime
from http import HTTPStatus
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from wagtail.models import PageViewRestriction

from assessments.factories import QuestionFactory, QuizFactory
from courses.factories import ModulePageFactory
from courses.models import CourseCompletion, ModuleCompletion


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(datetime.datetime(2026, 11, 28, 9, 0, tzinfo=ZoneInfo("Asia/Tokyo")))


@pytest.fixture
def a_staff(make_staff):
    return make_staff("mado")


def test_another_towns_module_is_not_completed_by_post(client, two_towns, a_staff):
    client.force_login(a_staff)

    response = client.post(reverse("courses:module_complete", args=[two_towns.b_module.id]))

    assert response.status_code == HTTPStatus.NOT_FOUND
    assert not ModuleCompletion.objects.filter(user=a_staff).exists()
    assert not CourseCompletion.objects.filter(user=a_staff).exists()


def test_another_towns_module_is_not_attested_by_post(client, two_towns, a_staff):
    from courses.models import ModuleAttestation

    module = two_towns.b_module
    module.requires_attestation = True
    module.save_revision().publish()
    client.force_login(a_staff)

    response = client.post(reverse("courses:module_attest", args=[module.id]), {"agree": "on"})

    assert response.status_code == HTTPStatus.NOT_FOUND
    assert not ModuleAttestation.objects.filter(user=a_staff).exists()
    assert not ModuleCompletion.objects.filter(user=a_staff).exists()


def test_another_towns_module_completed_by_its_own_staff(client, two_towns):
    client.force_login(two_towns.b_staff)

    response = client.post(reverse("courses:module_complete", args=[two_towns.b_module.id]))

    assert response.status_code == HTTPStatus.FOUND
    assert CourseCompletion.objects.filter(user=two_towns.b_staff).exists()


def test_another_towns_module_quiz_is_not_started(client, two_towns, a_staff):
    quiz = QuizFactory(questions=[QuestionFactory(choices__correct=[0])])
    module = two_towns.b_module
    module.body = [("quiz", {"quiz": quiz})]
    module.save_revision().publish()
    client.force_login(a_staff)

    response = client.post(reverse("courses:module_quiz_start", args=[module.id, quiz.id]))

    assert response.status_code == HTTPStatus.NOT_FOUND
    assert not quiz.attempts.filter(user=a_staff).exists()


@pytest.mark.parametrize("restriction", ["password", "groups"])
def test_a_module_under_a_privacy_setting_is_not_completed_by_post(
    client, two_towns, a_staff, restriction
):
    module = ModulePageFactory(parent=two_towns.a_module.get_parent(), title="限定の単元")
    view = PageViewRestriction.objects.create(
        page=module, restriction_type=restriction, password="secret-pass"
    )
    if restriction == "groups":
        view.groups.add(Group.objects.create(name="限定グループ"))
    client.force_login(a_staff)

    response = client.post(reverse("courses:module_complete", args=[module.id]))

    assert response.status_code == HTTPStatus.NOT_FOUND
    assert not ModuleCompletion.objects.filter(user=a_staff, module=module).exists()


def test_another_towns_page_is_not_served_on_its_host_to_town_a(
    client, two_towns, a_staff, settings
):
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "tonari.example.jp"]
    home = two_towns.b.site.root_page
    relative = "/" + two_towns.b_module.url_path[len(home.url_path) :]
    client.force_login(two_towns.b_staff)
    theirs = client.get(relative, HTTP_HOST="tonari.example.jp")
    client.force_login(a_staff)

    response = client.get(relative, HTTP_HOST="tonari.example.jp")

    assert theirs.status_code == HTTPStatus.OK
    assert response.status_code == HTTPStatus.NOT_FOUND
