"""The search (/search/) against a hostile colleague: pages behind a Wagtail privacy setting
(password, groups) are neither listed nor quoted, on the page or below it; a login-only
setting is no secret to signed-in staff; a group's own members find its pages; a draft's
words are not found before they are published."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from wagtail.models import PageViewRestriction

from courses.factories import CoursePageFactory, ModulePageFactory
from courses.models import ModulePage

SECRET = "機密の人事異動案"


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(datetime.datetime(2026, 11, 28, 9, 0, tzinfo=ZoneInfo("Asia/Tokyo")))


def _markdown(text):
    return [("markdown", text)]


@pytest.fixture
def a_person(make_staff):
    return make_staff("mado")


def _search(client, person, query):
    client.force_login(person)
    response = client.get(reverse("search"), {"q": query})
    assert response.status_code == 200
    return response, {hit.page.pk for hit in response.context["search"].hits}


def _restrict(page, kind, group=None):
    restriction = PageViewRestriction.objects.create(
        page=page, restriction_type=kind, password="pass-1234" if kind == "password" else ""
    )
    if group is not None:
        restriction.groups.add(group)
    return restriction


@pytest.mark.parametrize("kind", [PageViewRestriction.PASSWORD, PageViewRestriction.GROUPS])
def test_a_page_behind_a_privacy_setting_is_neither_listed_nor_quoted(
    client, two_towns, a_person, kind
):
    course = CoursePageFactory(parent=two_towns.a_track, title="人事の講座")
    module = ModulePageFactory(parent=course, title="異動の単元", body=_markdown(SECRET))
    _restrict(module, kind, Group.objects.create(name="人事だけ"))

    response, pages = _search(client, a_person, "人事異動")

    assert module.pk not in pages
    assert SECRET not in response.content.decode()


@pytest.mark.parametrize("kind", [PageViewRestriction.PASSWORD, PageViewRestriction.GROUPS])
def test_the_pages_under_a_restricted_course_are_hidden_too(client, two_towns, a_person, kind):
    course = CoursePageFactory(parent=two_towns.a_track, title="限定の講座", summary=SECRET)
    module = ModulePageFactory(parent=course, title="単元", body=_markdown(SECRET))
    _restrict(course, kind, Group.objects.create(name="人事だけ"))

    response, pages = _search(client, a_person, "人事異動")

    assert not pages & {course.pk, module.pk}
    assert SECRET not in response.content.decode()


def test_a_login_only_setting_and_the_groups_own_members_still_find_the_page(
    client, two_towns, a_person
):
    group = Group.objects.create(name="人事だけ")
    course = CoursePageFactory(parent=two_towns.a_track, title="人事の講座")
    for_members = ModulePageFactory(parent=course, title="グループ向け", body=_markdown(SECRET))
    for_login = ModulePageFactory(parent=course, title="ログイン向け", body=_markdown(SECRET))
    _restrict(for_members, PageViewRestriction.GROUPS, group)
    _restrict(for_login, PageViewRestriction.LOGIN)
    a_person.groups.add(group)

    _, pages = _search(client, a_person, "人事異動")

    assert {for_members.pk, for_login.pk} <= pages


def test_a_drafts_words_are_not_found_before_it_is_published(client, two_towns, a_person):
    module = ModulePage.objects.get(pk=two_towns.a_module.pk)
    module.body = _markdown(SECRET)
    module.save_revision()  # a draft, not published

    response, pages = _search(client, a_person, "人事異動")

    assert module.pk not in pages
    assert SECRET not in response.content.decode()


def test_another_towns_page_is_not_quoted(client, two_towns, a_person):
    ModulePageFactory(
        parent=two_towns.b_module.get_parent(), title="となり町の単元2", body=_markdown(SECRET)
    )

    response, pages = _search(client, a_person, "人事異動")

    assert not pages
    assert SECRET not in response.content.decode()
