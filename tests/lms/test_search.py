"""The learners' search (/search/, courses/search.py): Japanese words found inside words,
through Wagtail's search framework, of the searcher's own town's published pages only.

Runs on the database of the run: SQLite (FTS5) by default, PostgreSQL with DATABASE_URL;
the expectations are the same sets of pages on both."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from wagtail.models import Page

from content.models import GlossaryTerm
from courses.factories import CoursePageFactory, ModulePageFactory
from courses.models import ModulePage


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(datetime.datetime(2026, 11, 28, 9, 0, tzinfo=ZoneInfo("Asia/Tokyo")))


def markdown(text):
    return [("markdown", text)]


@pytest.fixture
def content(two_towns):
    """Town A's track with a course of modules whose words sit inside longer Japanese text,
    a draft module, a module under a withdrawn course; town B's module with the same words."""
    track = two_towns.a_track
    course = CoursePageFactory(
        parent=track, title="情報セキュリティの基本", summary="毎年受講します。"
    )
    pages = {
        "security_course": course,
        "apply": ModulePageFactory(
            parent=course,
            title="電子申請の進め方",
            summary="窓口の手続を減らします。",
            body=markdown("## 流れ\n\n住民からの**申請書**を受け付けます。"),
        ),
        "genai": ModulePageFactory(
            parent=course,
            title="業務での活用",
            summary="",
            body=[
                ("rich_text", "<p>庁内での生成ＡＩ利用ガイドラインを確認します。</p>"),
                ("callout", {"kind": "caution", "text": "<p>個人情報を入力しないこと。</p>"}),
            ],
        ),
        "password": ModulePageFactory(
            parent=course,
            title="パスワードの管理",
            body=markdown("パスワードは使い回さず、ｾｷｭﾘﾃｨ対策として長くします。"),
        ),
    }
    draft = ModulePageFactory(parent=course, title="下書きのセキュリティ単元")
    draft.unpublish()
    pages["draft"] = draft
    withdrawn_course = CoursePageFactory(parent=track, title="取り下げたコース")
    pages["under_withdrawn"] = ModulePageFactory(
        parent=withdrawn_course, title="取り下げたセキュリティ講座"
    )
    withdrawn_course.unpublish()
    b_course = CoursePageFactory(parent=two_towns.b_track, title="となり町のセキュリティ研修")
    pages["b_module"] = ModulePageFactory(
        parent=b_course,
        title="となり町の電子申請とセキュリティ",
        body=markdown("生成AIの申請"),
    )
    return pages


@pytest.fixture
def a_person(make_staff):
    return make_staff("mado")


def found(client, person, query, page=1):
    client.force_login(person)
    response = client.get(reverse("search"), {"q": query, "page": page})
    assert response.status_code == 200
    return response, {hit.page.pk for hit in response.context["search"].hits}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("セキュリティ", {"security_course", "password"}),
        ("ｾｷｭﾘﾃｨ", {"security_course", "password"}),
        ("せきゅりてぃ", {"security_course", "password"}),
        ("申請", {"apply"}),
        ("生成AI", {"genai"}),
        ("生成ai", {"genai"}),
        ("個人情報", {"genai"}),
        ("申請 流れ", {"apply"}),
        ("請", {"apply"}),
        ("存在しない言葉", set()),
    ],
)
def test_words_inside_japanese_text_are_found(client, content, a_person, query, expected):
    _, pages = found(client, a_person, query)

    assert pages == {content[name].pk for name in expected}


def test_a_draft_another_towns_page_and_a_page_of_a_withdrawn_course_never_appear(
    client, content, a_person, two_towns
):
    _, pages = found(client, a_person, "セキュリティ")
    _, b_pages = found(client, two_towns.b_hr, "セキュリティ")

    hidden = {content["draft"].pk, content["under_withdrawn"].pk, content["b_module"].pk}
    assert not pages & hidden
    # Town B's searcher finds B's pages, and A's never.
    assert content["b_module"].pk in b_pages
    assert not b_pages & {content["security_course"].pk, content["password"].pk}


def test_the_passage_is_highlighted_and_escaped(client, content, a_person):
    response, _ = found(client, a_person, "セキュリティ")
    hits = {hit.page.pk: hit for hit in response.context["search"].hits}

    assert str(hits[content["security_course"].pk].title) == "情報<mark>セキュリティ</mark>の基本"
    assert "<mark>ｾｷｭﾘﾃｨ</mark>対策" in str(hits[content["password"].pk].passage)


def test_html_in_the_text_is_shown_as_text(client, two_towns, a_person):
    course = CoursePageFactory(parent=two_towns.a_track, title="講座", summary="<b>申請</b> & 審査")
    response, pages = found(client, a_person, "申請")

    assert course.pk in pages
    body = response.content.decode()
    assert "&lt;b&gt;<mark>申請</mark>&lt;/b&gt; &amp; 審査" in body


def test_unpublishing_removes_a_page_and_publishing_brings_it_back(client, content, a_person):
    module = content["apply"]
    module.unpublish()
    assert content["apply"].pk not in found(client, a_person, "申請")[1]

    module.refresh_from_db()
    module.save_revision().publish()
    assert content["apply"].pk in found(client, a_person, "申請")[1]


def test_an_edit_once_published_is_found_by_its_new_words(client, content, a_person):
    module = ModulePage.objects.get(pk=content["genai"].pk)
    module.body = markdown("ＲＰＡで定型業務を自動化します。")
    module.save_revision().publish()

    assert content["genai"].pk in found(client, a_person, "rpa")[1]
    assert content["genai"].pk not in found(client, a_person, "生成AI")[1]


def test_a_title_match_ranks_above_a_match_in_the_text(client, two_towns, a_person):
    course = CoursePageFactory(parent=two_towns.a_track, title="研修")
    in_text = ModulePageFactory(parent=course, title="手順", body=markdown("文書管理の手順です。"))
    in_title = ModulePageFactory(parent=course, title="文書管理", body=markdown("概要です。"))

    response, _ = found(client, a_person, "文書管理")
    order = [hit.page.pk for hit in response.context["search"].hits]

    assert order.index(in_title.pk) < order.index(in_text.pk)


def test_the_glossary_is_searched_too(client, content, a_person):
    GlossaryTerm.objects.create(
        term="情報セキュリティポリシー",
        reading="じょうほうせきゅりてぃぽりしー",
        definition="組織の方針",
    )
    response, _ = found(client, a_person, "ｾｷｭﾘﾃｨ")

    terms = [hit.term.term for hit in response.context["search"].glossary]
    assert terms == ["情報セキュリティポリシー"]


def test_a_query_without_letters_gets_a_message_not_an_error(client, content, a_person):
    response, pages = found(client, a_person, "！？・")

    assert pages == set()
    assert response.context["search"].too_short


def test_someone_without_a_post_finds_nothing(client, content, operator_without_post):
    assert found(client, operator_without_post, "セキュリティ")[1] == set()


def _add_modules(course, count):
    for number in range(count):
        ModulePageFactory(
            parent=course, title=f"申請の単元{number}", body=markdown(f"申請の手順{number}")
        )


def _many_modules(two_towns, count):
    _add_modules(CoursePageFactory(parent=two_towns.a_track, title="大量のコース"), count)


def test_queries_do_not_grow_with_the_number_of_modules(client, two_towns, a_person):
    course = CoursePageFactory(parent=two_towns.a_track, title="大量のコース")
    client.force_login(a_person)

    def queries_for(count):
        client.get(reverse("search"), {"q": "申請"})  # sessions and caches warm
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("search"), {"q": "申請"})
        assert len(response.context["search"].hits) == count
        return len(queries)

    _add_modules(course, 3)
    small = queries_for(3)
    _add_modules(course, 14)
    assert queries_for(17) == small


def test_results_are_paged(client, two_towns, a_person):
    _many_modules(two_towns, 25)
    first, first_pages = found(client, a_person, "申請")
    second, second_pages = found(client, a_person, "申請", page=2)

    assert first.context["search"].count == 25
    assert len(first_pages) == 20 and len(second_pages) == 5
    assert not first_pages & second_pages
    assert 'href="?q=%E7%94%B3%E8%AB%8B&amp;page=2"' in first.content.decode()


def test_the_search_box_is_in_the_header_for_signed_in_staff(client, a_person):
    client.force_login(a_person)
    body = client.get(reverse("lms:mypage")).content.decode()

    assert 'role="search"' in body and f'action="{reverse("search")}"' in body


def test_the_search_page_needs_sign_in(client):
    response = client.get(reverse("search"), {"q": "申請"})

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_the_admin_page_search_finds_words_inside_japanese_titles(content, two_towns):
    from wagtail.search.backends import get_search_backend

    backend = get_search_backend()
    titles = {page.title for page in backend.autocomplete("セキュリティ", Page.objects.all())}

    assert "情報セキュリティの基本" in titles
    assert {page.title for page in backend.autocomplete("情報", Page.objects.all())} >= {
        "情報セキュリティの基本"
    }
