"""The Wagtail admin as しんか: its name and mark, no version or wagtail.org links, the way
back to マイページ, and a home page with each role's own panel (DX leader: 担当トラック
and their pages in review; HR: its reports). The Django admin speaks Japanese."""

import pytest
from django.urls import reverse

from lms.audit import Actor
from lms.people.authoring import authoring_setup, track_editor_assign
from lms.people.roles import Role
from lms.wagtail_hooks import leader_tracks_and_reviews


@pytest.fixture
def leader_site(make_course, make_staff, learning_home):
    workflow = authoring_setup(home=learning_home)
    leader = make_staff(roles=[Role.DX_LEADER])
    return {"workflow": workflow, "leader": leader, "make_course": make_course}


def _give_track(site, *, in_review: int):
    """One more track for the leader, with ``in_review`` of its modules submitted."""
    track, _course, modules = site["make_course"](modules=max(in_review, 1))
    track_editor_assign(track=track, user=site["leader"], actor=Actor())
    for module in modules[:in_review]:
        module.save_revision(user=site["leader"])
        site["workflow"].start(module, site["leader"])
    return track, modules[:in_review]


def test_the_admin_is_branded_without_version_or_outside_links(client, leader_site):
    client.force_login(leader_site["leader"])

    page = client.get(reverse("wagtailadmin_home")).content.decode()

    assert "しんか 管理画面" in page  # the <title> and the welcome heading
    assert "content/logo.svg" in page and "content/favicon.svg" in page
    assert "guide.wagtail.org" not in page and "wagtail.org" not in page
    assert "Wagtail 8" not in page and "editor guide" not in page.lower()
    assert 'href="/mypage/"' in page and "マイページへ" in page
    assert reverse("authoring_guide") in page and "執筆ガイド" in page


def test_the_help_menu_has_no_links_to_wagtail_org(rf, leader_site):
    from wagtail.admin.menu import help_menu

    request = rf.get("/admin/")
    request.user = leader_site["leader"]
    items = help_menu.menu_items_for_request(request)
    names = [item.name for item in items]
    urls = [getattr(item, "url", "") for item in items]

    assert "editor-guide" not in names
    assert not [name for name in names if name.startswith("whats-new")]
    assert reverse("authoring_guide") in urls
    assert not [url for url in urls if "wagtail.org" in url]


def test_a_leader_sees_their_tracks_and_the_pages_in_review(client, leader_site, make_course):
    track, (submitted, *_) = _give_track(leader_site, in_review=2)
    other_track, _course, (other_module, *_) = make_course()  # not the leader's
    other_module.save_revision()
    leader_site["workflow"].start(other_module, leader_site["leader"])
    client.force_login(leader_site["leader"])

    page = client.get(reverse("wagtailadmin_home")).content.decode()

    assert "担当トラック" in page and track.title in page
    assert "確認待ち：情報政策担当の承認" in page
    assert reverse("wagtailadmin_pages:edit", args=[submitted.pk]) in page
    panel = page.split('id="leader-tracks-section"')[1].split("</section>")[0]
    assert track.title in panel and other_track.title not in panel
    assert other_module.title not in panel


def test_a_leader_without_tracks_is_told_who_assigns_them(client, leader_site):
    client.force_login(leader_site["leader"])

    page = client.get(reverse("wagtailadmin_home")).content.decode()

    assert "担当トラックはまだありません" in page


def test_the_leaders_panel_asks_the_same_number_of_queries_for_one_track_or_four(leader_site):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _give_track(leader_site, in_review=1)
    with CaptureQueriesContext(connection) as small:
        tracks, states = leader_tracks_and_reviews(leader_site["leader"])
    assert (len(tracks), len(states)) == (1, 1)

    for _ in range(3):
        _give_track(leader_site, in_review=3)
    with CaptureQueriesContext(connection) as large:
        tracks, states = leader_tracks_and_reviews(leader_site["leader"])
    assert (len(tracks), len(states)) == (4, 10)
    # groups, tracks, workflow states, their pages (and at most the page content type once)
    assert len(large) == len(small) <= 5


def test_hr_sees_links_to_its_reports(client, make_staff, learning_home):
    client.force_login(make_staff(roles=[Role.HR]))

    page = client.get(reverse("wagtailadmin_home")).content.decode()

    assert "人事担当のレポート" in page
    for name in ("lms:hr_dashboard", "lms:report_request", "lms:year_end_index"):
        assert reverse(name) in page
    assert "担当トラック" not in page


def test_the_django_admin_sections_are_japanese(client, db):
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    from lms.factories import UserFactory

    operator = UserFactory(is_superuser=True, is_staff=True)
    TOTP.activate(operator, generate_totp_secret())  # operators must have two-factor set up
    client.force_login(operator)

    response = client.get("/django-admin/")
    assert response.status_code == 200
    page = response.content.decode()

    assert "しんか 運用管理" in page
    for japanese in ("タグ", "ドキュメント", "画像", "認証アプリ", "職員と組織"):
        assert japanese in page
    for english in ("Taggit", "TAGGIT", "Wagtail documents", "Authenticators", "Django"):
        assert english not in page
