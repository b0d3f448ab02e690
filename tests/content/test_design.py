"""The layout every learner page shares: the current page marked, the favicon and icons
served by the app, the greeting after sign-in naming the person."""

import re
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.urls import reverse

TEMPLATE_DIRS = [
    Path(settings.BASE_DIR) / app / "templates"
    for app in ("lms", "courses", "assessments", "content")
]


def _current_links(page: str) -> list[str]:
    return re.findall(r'<a href="([^"]+)" aria-current="page"', page)


def test_the_menu_marks_the_page_the_person_is_on(client, make_staff, learning_home):
    client.force_login(make_staff())

    assert _current_links(client.get(reverse("lms:mypage")).content.decode()) == ["/mypage/"]
    assert _current_links(client.get(reverse("lms:skills")).content.decode()) == ["/mypage/skills/"]
    assert _current_links(client.get("/").content.decode()) == ["/"]


def test_favicons_stylesheet_script_and_icon_sprite_are_served_from_static(client, make_staff):
    client.force_login(make_staff())
    page = client.get(reverse("lms:mypage")).content.decode()

    for name in (
        "favicon.svg",
        "favicon.ico",
        "favicon-32.png",
        "apple-touch-icon.png",
        "css/site.css",
        "js/site.js",
        "icons/sprite.svg",
        "logo.svg",
    ):
        assert finders.find(f"content/{name}"), name
    assert 'rel="icon" href="/static/content/favicon.svg"' in page
    assert "/static/content/favicon.ico" in page
    assert "/static/content/icons/sprite.svg#home" in page
    assert "http://" not in page.split("<body>")[0] and "https://" not in page.split("<body>")[0]


def test_every_icon_a_template_names_is_in_the_sprite():
    sprite = Path(finders.find("content/icons/sprite.svg")).read_text()
    symbols = set(re.findall(r'<symbol id="([^"]+)"', sprite))
    named = set()
    for folder in TEMPLATE_DIRS:
        for template in folder.rglob("*.html"):
            named |= set(re.findall(r'icon\.html" with name="([^"]+)"', template.read_text()))
    assert named and named <= symbols, named - symbols


def test_the_sign_in_message_names_the_person(client, make_staff):

    person = make_staff()
    person.set_password("a-long-demo-password-1")
    person.save()

    response = client.post(
        reverse("account_login"),
        {"login": person.staff_number, "password": "a-long-demo-password-1"},
        follow=True,
    )

    page = response.content.decode()
    assert f"{person.get_full_name()}さんとしてログインしました。" in page
    assert f"ユーザー {person.staff_number}" not in page
