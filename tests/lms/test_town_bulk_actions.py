"""Wagtail's bulk actions (/admin/bulk/<app>/<model>/<action>/?id=…) against a hostile
editor of town A who puts town B's ids in the address: the confirmation page must not name
town B's pages, documents, images or people (it lists the items it will not act on by
title). Refused, or a page naming none of them, is what town A's editor gets."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from wagtail.documents import get_document_model
from wagtail_factories import ImageFactory

from courses.models import LearningHomePage
from lms.models import Organization
from lms.people.authoring import authoring_setup
from lms.people.roles import Role

B_TITLE = "となり町だけの機密"


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(datetime.datetime(2026, 11, 28, 9, 0, tzinfo=ZoneInfo("Asia/Tokyo")))


@pytest.fixture
def towns(two_towns, make_staff):
    for home in LearningHomePage.objects.all():
        authoring_setup(home=home)
    two_towns.it_policy = make_staff("somu", roles=[Role.IT_POLICY])
    two_towns.admin = make_staff("somu", roles=[Role.ADMIN])
    two_towns.b_module.title = B_TITLE
    two_towns.b_module.save_revision().publish()
    return two_towns


def _bulk(client, app, model, action, ids):
    url = reverse("wagtail_bulk_action", args=[app, model, action])
    return client.get(url, {"id": [str(i) for i in ids]})


def _names_nothing_of_b(response, *names):
    body = response.content.decode()
    return response.status_code in (302, 403, 404) or not any(name in body for name in names)


@pytest.mark.parametrize("action", ["delete", "move", "publish", "unpublish"])
def test_a_page_bulk_action_does_not_name_another_towns_page(client, towns, action):
    client.force_login(towns.it_policy)

    response = _bulk(client, "wagtailcore", "page", action, [towns.b_module.id])

    assert _names_nothing_of_b(response, B_TITLE)


def _b_collection(towns):
    return Organization.objects.get(pk=towns.b.pk).collection


@pytest.mark.parametrize("action", ["delete", "add_to_collection", "add_tags"])
def test_a_document_bulk_action_does_not_name_another_towns_document(client, towns, action):
    document = get_document_model()(title=B_TITLE, collection=_b_collection(towns))
    document.file.save("b.txt", ContentFile(b"x"))
    client.force_login(towns.it_policy)

    response = _bulk(client, "wagtaildocs", "document", action, [document.id])

    assert _names_nothing_of_b(response, B_TITLE)


@pytest.mark.parametrize("action", ["delete", "add_to_collection", "add_tags"])
def test_an_image_bulk_action_does_not_name_another_towns_image(client, towns, action):
    image = ImageFactory(title=B_TITLE, collection=_b_collection(towns))
    client.force_login(towns.it_policy)

    response = _bulk(client, "wagtailimages", "image", action, [image.id])

    assert _names_nothing_of_b(response, B_TITLE)


@pytest.mark.parametrize("action", ["assign_role", "set_active_state", "delete"])
def test_a_user_bulk_action_does_not_name_another_towns_person(client, towns, action):
    person = towns.b_staff
    client.force_login(towns.admin)

    response = _bulk(client, "lms", "user", action, [person.id])

    assert _names_nothing_of_b(response, person.get_full_name(), person.email)


def test_a_page_bulk_unpublish_leaves_another_towns_page_live(client, towns):
    client.force_login(towns.it_policy)
    url = reverse("wagtail_bulk_action", args=["wagtailcore", "page", "unpublish"])

    client.post(f"{url}?id={towns.b_module.id}", {"include_descendants": ""})

    towns.b_module.refresh_from_db()
    assert towns.b_module.live


def test_a_document_bulk_delete_leaves_another_towns_document(client, towns):
    document = get_document_model()(title=B_TITLE, collection=_b_collection(towns))
    document.file.save("b.txt", ContentFile(b"x"))
    client.force_login(towns.it_policy)
    url = reverse("wagtail_bulk_action", args=["wagtaildocs", "document", "delete"])

    client.post(f"{url}?id={document.id}")

    assert get_document_model().objects.filter(pk=document.pk).exists()
