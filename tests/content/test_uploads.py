from http import HTTPStatus

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from lms.people.roles import Role


@pytest.fixture
def author(client, make_staff, learning_home):
    from lms.people.authoring import authoring_setup

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


def _zip(members: dict[str, bytes]) -> bytes:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


DOCX = _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"})


@pytest.mark.parametrize(
    "name, content",
    [
        ("手順書.pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n%%EOF\n"),
        ("申請様式.docx", DOCX),
        ("名簿例.csv", "職員番号,氏名\n1001,山田 太郎\n".encode("cp932")),
        ("説明.txt", "マイナンバーカードの説明です。\n".encode()),
        ("名簿.txt", "職員番号\t氏名\r\n1001\t山田 太郎\r\n".encode("utf-16")),  # Excel "Unicode"
        ("動画.mp4", b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 32),
    ],
)
def test_documents_whose_content_matches_their_extension_are_accepted(author, name, content):
    from wagtail.documents.models import Document

    response = author.post(
        reverse("wagtaildocs:add"),
        {"title": name, "file": SimpleUploadedFile(name, content), "collection": 1},
    )

    assert response.status_code == HTTPStatus.FOUND, response.context["form"].errors
    assert Document.objects.get().title == name


@pytest.mark.parametrize(
    "name, content",
    [
        (
            "手順書.pdf",
            b"MZ\x90\x00\x03\x00\x00\x00\x04\x00 This program cannot be run in DOS mode",
        ),
        ("申請様式.docx", _zip({"readme.txt": b"not a word document"})),
        ("集計.xlsx", b"<html><script>alert(1)</script></html>"),
        ("説明.txt", b"\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00"),
        ("説明.csv", b"\xff\xfe" + b"\x00" * 64),  # a byte-order mark in front of zeros
        ("動画.mp4", b"%PDF-1.7 not a video"),
        ("資料.zip", b"PK but not really a zip"),
    ],
)
def test_a_file_renamed_to_an_allowed_extension_is_refused_before_storage(
    author, name, content, settings
):
    from pathlib import Path

    from wagtail.documents.models import Document

    response = author.post(
        reverse("wagtaildocs:add"),
        {"title": name, "file": SimpleUploadedFile(name, content), "collection": 1},
    )

    assert response.status_code == HTTPStatus.OK  # the form again
    errors = response.context["form"].errors["file"]
    assert any("拡張子" in error and "一致しません" in error for error in errors), errors
    assert not Document.objects.exists()
    assert not list(Path(settings.MEDIA_ROOT).rglob("*.*"))  # nothing stored


def test_the_multiple_uploader_checks_content_too(author):
    from wagtail.documents.models import Document

    response = author.post(
        reverse("wagtaildocs:add_multiple"),
        {"files[]": SimpleUploadedFile("手順書.pdf", b"MZ\x90\x00 not a pdf")},
    )

    assert response.status_code == HTTPStatus.OK
    assert response.json()["success"] is False
    assert "一致しません" in response.json()["error_message"]
    assert not Document.objects.exists()


def test_a_zip_that_would_unpack_past_the_limit_is_refused(author, monkeypatch):
    from wagtail.documents.models import Document

    monkeypatch.setattr("content.documents.UNPACKED_LIMIT", 100_000)
    bomb = _zip({"zeros.bin": b"\x00" * 1_000_000})  # a few kB that unpack to 1 MB
    assert len(bomb) < 10_000

    response = author.post(
        reverse("wagtaildocs:add"),
        {"title": "教材一式", "file": SimpleUploadedFile("教材.zip", bomb), "collection": 1},
    )

    assert response.status_code == HTTPStatus.OK
    assert not Document.objects.exists()


def test_a_document_over_the_size_limit_is_refused(author, settings):
    from wagtail.documents.models import Document

    settings.WAGTAILDOCS_MAX_UPLOAD_SIZE = 1_000
    content = b"%PDF-1.7\n" + b"0" * 2_000

    response = author.post(
        reverse("wagtaildocs:add"),
        {"title": "大きな資料", "file": SimpleUploadedFile("資料.pdf", content), "collection": 1},
    )

    assert response.status_code == HTTPStatus.OK
    assert not Document.objects.exists()
