from http import HTTPStatus

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from lms.roles import Role


@pytest.fixture
def author(client, make_staff, learning_home):
    from lms.authoring import authoring_setup

    authoring_setup(home=learning_home)  # image and document permissions for authors
    client.force_login(make_staff(roles=[Role.DX_LEADER]))
    return client


def test_a_text_file_renamed_to_png_is_refused(author):
    from wagtail.images.models import Image as WagtailImage

    response = author.post(
        reverse("wagtailimages:add"),
        {
            "title": "偽物",
            "file": SimpleUploadedFile("photo.png", b"<script>alert(1)</script>"),
            "collection": 1,
        },
    )

    assert response.status_code == HTTPStatus.OK  # the form again, with an error
    assert not WagtailImage.objects.exists()


def test_an_image_with_too_many_pixels_is_refused(author, tmp_path, settings):
    from wagtail.images.models import Image as WagtailImage

    settings.WAGTAILIMAGES_MAX_IMAGE_PIXELS = 1_000
    path = tmp_path / "big.png"
    Image.new("L", (100, 100)).save(path)

    response = author.post(
        reverse("wagtailimages:add"),
        {
            "title": "大きすぎる画像",
            "file": SimpleUploadedFile("big.png", path.read_bytes()),
            "collection": 1,
        },
    )

    assert response.status_code == HTTPStatus.OK
    assert not WagtailImage.objects.exists()
