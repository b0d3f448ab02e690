import datetime
from http import HTTPStatus

import pytest
import wagtail_factories
from django.contrib.auth.models import Permission
from django.urls import reverse

from content.markdown import render_markdown
from courses.models import ModulePage
from lms.people.authoring import track_editors_group
from lms.people.roles import Role


@pytest.fixture
def author(client, make_staff):
    client.force_login(make_staff(roles=[Role.DX_LEADER]))
    return client


def test_markdown_preview_is_sanitised_and_for_authors(author):
    response = author.post(
        reverse("markdown_preview"),
        {"source": "## 見出し\n\n<script>x()</script>[a](javascript:x)"},
    )

    html = response.json()["html"]
    assert "<h2>見出し</h2>" in html
    assert "<script" not in html and "javascript:" not in html


def test_staff_cannot_use_the_markdown_preview(client, make_staff):
    client.force_login(make_staff())

    response = client.post(reverse("markdown_preview"), {"source": "# x"})

    assert response.status_code == HTTPStatus.FOUND  # to マイページ: no admin access


def test_hr_in_the_admin_cannot_use_the_markdown_preview(client, make_staff):
    client.force_login(make_staff(roles=[Role.HR]))  # HR works in the admin, but writes no pages

    response = client.post(reverse("markdown_preview"), {"source": "# x"})

    assert response.status_code == HTTPStatus.FORBIDDEN
    assert "作成者だけ" in response.json()["error"]


@pytest.mark.parametrize("roles", [[Role.IT_POLICY], [Role.ADMIN]])
def test_it_policy_and_administrators_use_the_markdown_preview(client, make_staff, roles):
    client.force_login(make_staff(roles=roles, is_superuser=Role.ADMIN in roles))

    response = client.post(reverse("markdown_preview"), {"source": "**太字**"})

    assert response.status_code == HTTPStatus.OK
    assert "<strong>太字</strong>" in response.json()["html"]


def test_an_editor_of_a_track_uses_the_markdown_preview(client, make_staff, make_course):
    track, _, _ = make_course(modules=1)
    editors = track_editors_group(track)
    editors.permissions.add(Permission.objects.get(codename="access_admin"))
    editor = make_staff()
    editor.groups.add(editors)  # page rights only: no role, no glossary permission
    client.force_login(editor)

    response = client.post(reverse("markdown_preview"), {"source": "- 項目"})

    assert not editor.has_perm("content.change_glossaryterm")
    assert response.status_code == HTTPStatus.OK


def test_markdown_images_come_from_the_image_library(db):
    image = wagtail_factories.ImageFactory()

    html = render_markdown(f"![地図](image:{image.pk})")

    assert 'alt="地図"' in html
    assert (
        f"/images/{image.file.name.split('/')[-1].rsplit('.', 1)[0]}" in html
        or "/media/images/" in html
    )
    assert "image:" not in html


def test_editor_loads_the_markdown_preview(author, make_course):
    _, _, (module, *_) = make_course()
    author_html = author.get(reverse("wagtailadmin_pages:edit", args=[module.id]))
    # The leader may not edit this track, but the editor script is registered for all editors.
    assert author_html.status_code in (HTTPStatus.OK, HTTPStatus.FOUND)


def test_stale_modules_report_lists_unchecked_modules(author, make_course):
    _, _, (fresh, stale) = make_course(modules=2)
    ModulePage.objects.filter(pk=fresh.pk).update(last_reviewed_on=datetime.date.today())

    html = author.get(reverse("stale_modules")).content.decode()

    assert stale.title in html and fresh.title not in html


def test_authoring_guide_is_linked_from_the_dashboard(author):
    dashboard = author.get(reverse("wagtailadmin_home")).content.decode()
    guide = author.get(reverse("authoring_guide"))

    assert reverse("authoring_guide") in dashboard
    assert guide.status_code == HTTPStatus.OK and "アクセシビリティ" in guide.content.decode()
