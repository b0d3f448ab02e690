import json

from django.urls import reverse


def test_pages_are_japanese_even_for_an_english_browser(client, db):
    response = client.get(reverse("account_login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")

    assert response["Content-Language"] == "ja"
    assert "ログイン" in response.content.decode()


def test_staff_can_switch_to_english_and_back(client, db):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    english = client.get(reverse("account_login")).content.decode()
    client.post(reverse("set_language"), {"language": "ja", "next": "/"})
    japanese = client.get(reverse("account_login")).content.decode()

    assert '<html lang="en">' in english and "Sign in" in english
    assert '<html lang="ja">' in japanese and "ログイン" in japanese


def test_an_unknown_language_cookie_falls_back_to_japanese(client, db, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "xx"

    assert client.get(reverse("account_login"))["Content-Language"] == "ja"


def test_wagtail_admin_strings_that_wagtail_lacks_are_japanese():
    from django.utils import translation

    with translation.override("ja"):
        assert translation.gettext("Bulk actions") == "一括操作"
        assert translation.gettext("Sign in") == "ログイン"  # the project's own still wins


def test_wagtail_admin_script_strings_that_wagtail_lacks_are_japanese(client, make_staff):
    from lms.people.roles import Role

    client.force_login(make_staff(roles=[Role.DX_LEADER]))

    catalogue = client.get("/admin/jsi18n/").content.decode()  # JSON, non-ASCII escaped

    assert json.dumps("すべて折りたたむ") in catalogue  # "Collapse all": Wagtail's ja lacks it
    assert json.dumps("ブロックを挿入") in catalogue
