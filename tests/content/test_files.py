"""Uploaded files: documents only through Wagtail's checked view, streamed or handed to nginx;
of /media/ only the renditions of library images are public."""

import importlib
from http import HTTPStatus

import pytest
import wagtail_factories
from django.contrib import admin
from django.core.files.base import ContentFile
from django.urls import clear_url_caches, reverse
from wagtail.admin.templatetags.wagtailadmin_tags import avatar_url
from wagtail.documents.models import Document
from wagtail.models import Collection, CollectionViewRestriction
from wagtail.users.models import UserProfile

import config.urls

PDF = "%PDF-1.4\n% 手順書\n".encode()


@pytest.fixture
def document(db):
    return Document.objects.create(title="手順書", file=ContentFile(PDF, name="manual.pdf"))


def _reload_urls():
    # config.urls wraps the Django admin's login once on import: unwrap it before importing
    # again, so the admin keeps exactly one wrapper.
    admin.site.login = admin.site.login.__wrapped__
    importlib.reload(config.urls)
    clear_url_caches()


@pytest.fixture
def debug(settings):
    """As under `make run`: DEBUG, with the URLs imported again as `make run` imports them."""
    normal = settings.DEBUG
    settings.DEBUG = True
    _reload_urls()
    yield
    settings.DEBUG = normal
    _reload_urls()


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_an_anonymous_request_for_a_document_is_sent_to_sign_in(client, document):
    response = client.get(document.url)

    assert document.url == reverse("wagtaildocs_serve", args=[document.id, "manual.pdf"])
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"].startswith(reverse("account_login"))
    assert PDF not in _body(response)


def test_a_signed_in_member_of_staff_gets_the_document_never_cached(client, make_staff, document):
    client.force_login(make_staff())

    response = client.get(document.url)

    assert response.status_code == HTTPStatus.OK
    assert _body(response) == PDF
    cache_control = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"private", "no-store"} <= cache_control
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "manual.pdf" in response["Content-Disposition"]


def test_documents_need_sign_in_even_when_the_collection_restriction_is_removed(client, document):
    CollectionViewRestriction.objects.filter(collection=Collection.get_first_root_node()).delete()

    response = client.get(document.url)

    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.usefixtures("debug")
def test_the_raw_media_path_of_a_document_serves_nobody(client, make_staff, document):
    raw = f"/media/{document.file.name}"
    assert raw == "/media/documents/manual.pdf"

    climbing = [
        "/media/images/../documents/manual.pdf",
        "/media/images/%2E%2E/documents/manual.pdf",
    ]

    anonymous = [client.get(path) for path in [raw, *climbing]]
    client.force_login(make_staff())
    signed_in = [client.get(path) for path in [raw, *climbing]]

    for response in anonymous + signed_in:
        assert response.status_code in (HTTPStatus.NOT_FOUND, HTTPStatus.BAD_REQUEST)
        assert PDF not in _body(response)


def test_with_an_accel_prefix_nginx_sends_the_file_after_the_check(
    client, make_staff, document, settings
):
    settings.SHINKA_X_ACCEL_REDIRECT_PREFIX = "/protected-media/"

    anonymous = client.get(document.url)
    client.force_login(make_staff())
    response = client.get(document.url)

    assert "X-Accel-Redirect" not in anonymous
    assert response.status_code == HTTPStatus.OK
    assert response["X-Accel-Redirect"] == "/protected-media/documents/manual.pdf"
    assert _body(response) == b""
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


def test_an_accel_redirect_names_a_japanese_file_name_percent_encoded(
    client, make_staff, settings, db
):
    settings.SHINKA_X_ACCEL_REDIRECT_PREFIX = "/protected-media"
    document = Document.objects.create(title="様式", file=ContentFile(PDF, name="申請 様式.pdf"))
    client.force_login(make_staff())

    response = client.get(document.url)

    assert response["X-Accel-Redirect"] == (
        "/protected-media/documents/%E7%94%B3%E8%AB%8B_%E6%A7%98%E5%BC%8F.pdf"
    )


@pytest.mark.usefixtures("debug")
def test_renditions_of_library_images_are_public_nothing_else_under_media(client, db):
    image = wagtail_factories.ImageFactory()
    rendition = image.get_rendition("width-100")

    served = client.get(rendition.url)
    original = client.get(f"/media/{image.file.name}")

    assert rendition.url.startswith("/media/images/")
    assert served.status_code == HTTPStatus.OK
    assert original.status_code != HTTPStatus.OK


def test_without_debug_the_application_serves_no_media(client, db):
    rendition = wagtail_factories.ImageFactory().get_rendition("width-100")

    assert client.get(rendition.url).status_code == HTTPStatus.NOT_FOUND


@pytest.mark.usefixtures("debug")
def test_profile_pictures_are_neither_shown_nor_served(client, make_staff):
    person = make_staff()
    profile = UserProfile.get_for_user(person)
    profile.avatar.save("face.png", ContentFile(b"\x89PNG\r\n\x1a\n"), save=True)

    shown = avatar_url(person)

    assert "avatar_images" not in shown and shown.startswith("/static/")
    assert client.get(profile.avatar.url).status_code != HTTPStatus.OK
