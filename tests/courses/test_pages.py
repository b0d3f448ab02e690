from http import HTTPStatus

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from courses.factories import ModulePageFactory
from courses.models import ModuleCompletion, ModulePage, TrackPage
from courses.services import module_complete
from lms.factories import UserFactory


@pytest.fixture
def learner(db):
    return UserFactory()


@pytest.fixture
def learner_client(client, learner):
    client.force_login(learner)
    return client


def test_learning_pages_require_sign_in(client, make_course):
    track, course, (module, *_) = make_course()

    for page in (track.get_parent(), track, course, module):
        response = client.get(page.url)
        assert response.status_code == HTTPStatus.FOUND
        assert response["Location"].startswith(reverse("account_login"))


def test_module_page_shows_body_navigation_and_complete_button(learner_client, make_course):
    _, course, (first, second, third) = make_course()
    second.body = [
        ("markdown", "## 見出し\n\n<script>alert(1)</script>本文"),
        ("callout", {"kind": "caution", "text": "<p>個人情報は入力しません。</p>"}),
    ]
    second.save_revision().publish()

    response = learner_client.get(second.url)

    html = response.content.decode()
    assert response.status_code == HTTPStatus.OK
    assert "<h2>見出し</h2>" in html
    assert "<script>alert" not in html
    assert "個人情報は入力しません。" in html
    assert f'href="{first.url}" rel="prev"' in html
    assert f'href="{third.url}" rel="next"' in html
    assert reverse("courses:module_complete", args=[second.id]) in html


def test_marking_a_module_complete_moves_on_to_the_next(learner_client, learner, make_course):
    _, _, (first, second, _) = make_course()
    url = reverse("courses:module_complete", args=[first.id])

    response = learner_client.post(url)
    again = learner_client.post(url)

    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == second.url
    assert again.status_code == HTTPStatus.FOUND
    assert ModuleCompletion.objects.filter(user=learner, module=first).count() == 1


def test_completing_needs_post(learner_client, make_course):
    _, _, (module, *_) = make_course()

    response = learner_client.get(reverse("courses:module_complete", args=[module.id]))

    assert response.status_code == HTTPStatus.METHOD_NOT_ALLOWED
    assert not ModuleCompletion.objects.exists()


def test_completing_a_missing_or_draft_module_is_not_found(learner_client, make_course):
    _, _, (module, *_) = make_course()
    module.unpublish()

    assert (
        learner_client.post(reverse("courses:module_complete", args=[module.id])).status_code
        == HTTPStatus.NOT_FOUND
    )
    assert (
        learner_client.post(reverse("courses:module_complete", args=[999999])).status_code
        == HTTPStatus.NOT_FOUND
    )


def test_anonymous_completion_is_sent_to_sign_in(client, make_course):
    _, _, (module, *_) = make_course()

    response = client.post(reverse("courses:module_complete", args=[module.id]))

    assert response.status_code == HTTPStatus.FOUND
    assert not ModuleCompletion.objects.exists()


def _grow(course, learner, *, modules, other_learners):
    """Add modules to the course, and completions by the learner and by others."""
    new_modules = [ModulePageFactory(parent=course) for _ in range(modules)]
    for module in new_modules:
        module_complete(user=learner, module=module)
    for _ in range(other_learners):
        other = UserFactory()
        for module in new_modules:
            module_complete(user=other, module=module)


def _count_queries(client, url):
    client.get(url)  # warm per-process caches (site root paths, content types)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == HTTPStatus.OK
    return len(queries)


@pytest.mark.parametrize("page_name", ["home", "track", "course", "module"])
def test_learning_pages_run_a_fixed_number_of_queries(
    learner_client, learner, make_course, page_name, django_assert_max_num_queries
):
    track, course, modules = make_course(modules=2)
    module_complete(user=learner, module=modules[0])
    page = {"home": track.get_parent(), "track": track, "course": course, "module": modules[0]}[
        page_name
    ]
    small = _count_queries(learner_client, page.url)

    _grow(course, learner, modules=12, other_learners=5)
    make_course(modules=6, track=track)
    large = _count_queries(learner_client, page.url)

    assert large == small
    # Wagtail's routing reads the site and one or two queries per tree level; the page's
    # ancestors, course and track are those it read (courses.models.routed_parent), not
    # read again. The bound covers that, the session, the user with their town, their
    # groups (with whether one opens the admin: the header's link, no permission queries),
    # Wagtail's privacy settings (two), whether the page is of the learner's town (one
    # query, LEARNER_PAGE_READERS_HOOK), the course's prerequisites (one query,
    # courses/prerequisites.py) and the learner's exemptions (one query,
    # lms.learner.selectors.learner_status_fill). (Until issue 20: 16 / 20 / 23 / 23.)
    bound = {"home": 13, "track": 17, "course": 19, "module": 17}[page_name]
    with django_assert_max_num_queries(bound):
        learner_client.get(page.url)


def test_preview_of_a_new_module_renders(make_course, rf, learner):
    _, course, _ = make_course(modules=1)
    page = ModulePage(title="新しいモジュール", slug="new", body=[("markdown", "## 下書き")])
    # What Wagtail's "preview on create" does before rendering an unsaved page.
    page.depth = course.depth + 1
    page.path = ModulePage._get_children_path_interval(course.path)[1]
    page.set_url_path(course)

    response = page.make_preview_request()

    assert response.status_code == HTTPStatus.OK
    assert "下書き" in response.content.decode()


def test_modules_of_an_unpublished_course_are_neither_shown_nor_completable(
    learner_client, learner, make_course
):
    _, course, (module, *_) = make_course()
    course.unpublish()

    assert learner_client.get(module.url).status_code == HTTPStatus.NOT_FOUND
    response = learner_client.post(reverse("courses:module_complete", args=[module.id]))
    assert not ModuleCompletion.objects.filter(user=learner).exists()
    assert response.status_code == HTTPStatus.FOUND


def test_pages_below_an_unpublished_track_are_not_found_and_the_rest_are_served(
    learner_client, make_course
):
    """The live flags of a page's ancestors come from Wagtail's routing of the same request
    (courses.models.has_unpublished_ancestor): a track unpublished after the objects were
    made hides its courses and modules, and its sibling track's stay served."""
    track, course, (module, *_) = make_course()
    _, other_course, (other_module, *_) = make_course()
    TrackPage.objects.get(pk=track.pk).unpublish()  # another object than the factory's

    for page in (course, module):
        assert learner_client.get(page.url).status_code == HTTPStatus.NOT_FOUND
    for page in (other_course, other_module):
        assert learner_client.get(page.url).status_code == HTTPStatus.OK


def test_documents_need_sign_in(client, db):
    from django.core.files.base import ContentFile
    from wagtail.documents.models import Document

    document = Document.objects.create(
        title="手順書", file=ContentFile(b"%PDF-1.4", name="manual.pdf")
    )

    assert client.get(document.url).status_code == HTTPStatus.FOUND


def test_a_module_takes_module_quizzes_only_never_a_skill_check(db):
    from django.core.exceptions import ValidationError

    from assessments.factories import QuizFactory
    from assessments.models import Quiz
    from courses.blocks import QuizBlock

    block = QuizBlock()
    assert block.clean({"quiz": QuizFactory()})["quiz"].kind == Quiz.Kind.QUIZ

    with pytest.raises(ValidationError) as refused:
        block.clean({"quiz": QuizFactory(kind=Quiz.Kind.SKILL_CHECK)})
    assert "スキル診断はモジュールに置けません" in str(refused.value.block_errors["quiz"])
