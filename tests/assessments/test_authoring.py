from http import HTTPStatus

import pytest
from django.urls import reverse

from assessments.factories import QuestionBankFactory
from assessments.models import Question, QuestionBank, Quiz, SkillArea
from lms.people.roles import Role
from tests.assessments.conftest import question_edit_data


@pytest.fixture
def admin_client(client, make_staff):
    client.force_login(make_staff(roles=[Role.ADMIN], is_superuser=True))
    return client


def question_form(*, kind, correct):
    data = {
        "bank": QuestionBankFactory().pk,
        "area": SkillArea.objects.get(code="tech-ai").pk,
        "level": 2,
        "kind": kind,
        "text": "生成 AI に入力してよい情報はどれですか。",
        "explanation": "個人情報や非公開情報は入力しません。",
        "active": "on",
        "choices-TOTAL_FORMS": str(len(correct)),
        "choices-INITIAL_FORMS": "0",
        "choices-MIN_NUM_FORMS": "2",
        "choices-MAX_NUM_FORMS": "6",
    }
    for index, is_correct in enumerate(correct):
        data[f"choices-{index}-text"] = f"選択肢{index}"
        data[f"choices-{index}-ORDER"] = str(index + 1)
        if is_correct:
            data[f"choices-{index}-is_correct"] = "on"
    return data


def test_authors_create_questions_with_choices_and_a_revision(admin_client):
    response = admin_client.post(
        reverse("wagtailsnippets_assessments_question:add"),
        question_form(kind="single", correct=[False, True, False]),
    )

    assert response.status_code == HTTPStatus.FOUND
    question = Question.objects.get()
    assert [c.is_correct for c in question.choices.all()] == [False, True, False]
    assert question.revisions.count() == 1


def test_a_single_choice_question_with_two_keys_is_refused(admin_client):
    response = admin_client.post(
        reverse("wagtailsnippets_assessments_question:add"),
        question_form(kind="single", correct=[True, True, False]),
    )

    assert response.status_code == HTTPStatus.OK
    assert "正解" in response.content.decode()
    assert not Question.objects.exists()


@pytest.mark.parametrize(
    "url_name",
    [
        "wagtailsnippets_assessments_quiz:add",
        "wagtailsnippets_assessments_question:list",
        "wagtailsnippets_assessments_skillarea:list",
        "wagtailsnippets_assessments_questionbank:list",
    ],
)
def test_assessment_admin_screens_open(admin_client, url_name):
    assert admin_client.get(reverse(url_name)).status_code == HTTPStatus.OK


# --- Delegation: a DX promotion leader authors the banks of their own tracks only ---------


def snippet_url(obj, view, *args):
    return reverse(
        f"wagtailsnippets_assessments_{obj._meta.model_name}:{view}", args=[obj.pk, *args]
    )


@pytest.fixture
def leader_client(client, authoring):
    client.force_login(authoring.leader)
    return client


LISTED = {  # model → (what a leader of track A lists, what only others list)
    "questionbank": (["Aの問題集"], ["Bの問題集", "スキル診断問題集"]),
    "question": (["Aの問題"], ["Bの問題", "スキル診断の問題"]),
    "quiz": (["Aの確認テスト"], ["Bの確認テスト", "年度初めの診断テスト"]),
}


@pytest.mark.parametrize("model", LISTED)
def test_a_leader_lists_only_the_banks_questions_and_quizzes_of_their_tracks(
    client, authoring, model
):
    url = reverse(f"wagtailsnippets_assessments_{model}:list")
    mine, others = LISTED[model]
    client.force_login(authoring.reviewer)
    everything = client.get(url).content.decode()
    assert all(title in everything for title in mine + others)  # IT policy lists all

    client.force_login(authoring.leader)
    listed = client.get(url).content.decode()

    assert all(title in listed for title in mine)
    assert not any(title in listed for title in others)


@pytest.mark.parametrize("name", ["bank_b", "question_b", "quiz_b"])
def test_a_leader_of_track_a_cannot_open_or_change_track_bs_content(leader_client, authoring, name):
    obj = getattr(authoring, name)
    revisions = obj.revisions.count()

    assert leader_client.get(snippet_url(obj, "edit")).status_code == HTTPStatus.NOT_FOUND
    response = leader_client.post(
        snippet_url(obj, "edit"), {"title": "書き換え", "text": "書き換え"}
    )

    assert response.status_code == HTTPStatus.NOT_FOUND
    assert obj.revisions.count() == revisions
    assert (
        leader_client.get(
            snippet_url(getattr(authoring, name.replace("_b", "_a")), "edit")
        ).status_code
        == HTTPStatus.OK
    )


SKILL_CHECK_SCREENS = [
    ("edit",),
    ("history",),
    ("history_results",),
    ("usage",),
    ("inspect",),
    ("workflow_history",),
    ("revisions_compare", "earliest", "latest"),
    ("lock",),
    ("copy",),
]


@pytest.mark.parametrize("screen", SKILL_CHECK_SCREENS, ids=lambda screen: screen[0])
@pytest.mark.parametrize("name", ["secret", "skill_bank", "skill_check"])
def test_skill_check_content_is_not_found_for_a_leader(client, authoring, screen, name):
    obj = getattr(authoring, name)
    obj.save_revision()  # so that history and compare have something to show
    view, *args = screen
    url = snippet_url(obj, view, *args)
    if view != "lock":  # (locking is a POST, tried below)
        client.force_login(authoring.reviewer)
        assert client.get(url).status_code == HTTPStatus.OK  # IT policy opens it

    client.force_login(authoring.leader)
    response = client.get(url) if view != "lock" else client.post(url)

    assert response.status_code in (HTTPStatus.NOT_FOUND, HTTPStatus.FORBIDDEN)
    obj.refresh_from_db()
    assert not getattr(obj, "locked", False)


def test_the_skill_check_key_is_in_no_listing_export_or_chooser_a_leader_opens(client, authoring):
    secret = authoring.secret
    question_list = reverse("wagtailsnippets_assessments_question:list")
    question_chooser = reverse("wagtailsnippetchoosers_assessments_question:choose")
    screens = [  # (url, what IT policy sees there and a DX promotion leader must not)
        (question_list, secret.text),
        (question_list + "?export=csv", secret.text),
        (
            reverse("wagtailsnippets_assessments_question:list_results") + "?q=スキル診断",
            secret.text,
        ),
        (question_chooser, secret.text),
        (
            reverse("wagtailsnippetchoosers_assessments_question:choose_results") + "?q=スキル診断",
            secret.text,
        ),
        (reverse("wagtailsnippetchoosers_assessments_quiz:choose"), "年度初めの診断テスト"),
        (reverse("wagtailsnippetchoosers_assessments_questionbank:choose"), "スキル診断問題集"),
        (reverse("question_statistics"), secret.text),
    ]
    for url, hidden in screens:
        client.force_login(authoring.reviewer)
        assert hidden in _body(client.get(url)), url  # the screen does show it to IT policy

        client.force_login(authoring.leader)
        response = client.get(url)

        assert response.status_code == HTTPStatus.OK, url
        assert hidden not in _body(response) and secret.explanation not in _body(response), url
    for url in (question_list, question_chooser):
        assert "Aの問題" in _body(client.get(url))  # while their own questions are there
    chosen = reverse("wagtailsnippetchoosers_assessments_question:chosen", args=[secret.pk])
    assert client.get(chosen).status_code == HTTPStatus.NOT_FOUND


def _body(response) -> str:
    """The text a screen shows: a page, a file (export) or a chooser's modal (JSON)."""
    if hasattr(response, "streaming_content"):
        return b"".join(response.streaming_content).decode("utf-8-sig")
    if response["Content-Type"].startswith("application/json"):
        return response.json().get("html", "")
    return response.content.decode()


def test_the_permission_policy_allows_a_leader_only_their_tracks_content(authoring):
    from wagtail.permissions import policy_registry

    leader = authoring.leader
    for model, mine, theirs in (
        (Question, authoring.question_a, [authoring.question_b, authoring.secret]),
        (QuestionBank, authoring.bank_a, [authoring.bank_b, authoring.skill_bank]),
        (Quiz, authoring.quiz_a, [authoring.quiz_b, authoring.skill_check]),
    ):
        policy = policy_registry.get_by_type(model)
        assert policy.user_has_permission_for_instance(leader, "change", mine)
        assert not any(policy.user_has_permission_for_instance(leader, "change", o) for o in theirs)
        assert not policy.user_has_permission_for_instance(leader, "publish", mine)
        assert list(policy.instances_user_has_permission_for(leader, "change")) == [mine]
        assert policy.user_has_permission_for_instance(authoring.reviewer, "publish", theirs[1])


def test_only_it_policy_creates_banks_and_gives_them_to_tracks(leader_client, authoring):
    add = reverse("wagtailsnippets_assessments_questionbank:add")

    leader_client.post(add, {"title": "勝手な問題集", "slug": "mine", "description": ""})
    form = leader_client.get(snippet_url(authoring.bank_a, "edit")).content.decode()

    assert not QuestionBank.objects.filter(slug="mine").exists()
    assert 'name="title"' in form
    assert 'name="track"' not in form and 'name="kind"' not in form


def test_a_leader_cannot_move_a_question_into_a_bank_that_is_not_theirs(leader_client, authoring):
    question = authoring.question_a
    revisions = question.revisions.count()
    for bank in (authoring.bank_b, authoring.skill_bank):
        data = question_edit_data(question, action="action-submit")
        data["bank"] = bank.pk

        response = leader_client.post(snippet_url(question, "edit"), data)

        assert response.status_code == HTTPStatus.OK  # the form again, with the error
        assert "正しく選択してください" in response.content.decode()
    question.refresh_from_db()
    assert not question.has_unpublished_changes and question.revisions.count() == revisions


def quiz_form(authoring, *, track, question=None, kind=None):
    data = {
        "title": "新しい確認テスト",
        "track": track.pk,
        "introduction": "",
        "pass_mark_percent": "70",
        "attempt_limit": "0",
        "time_limit_minutes": "",
        "fixed_questions-TOTAL_FORMS": "1" if question else "0",
        "fixed_questions-INITIAL_FORMS": "0",
        "draw_rules-TOTAL_FORMS": "0",
        "draw_rules-INITIAL_FORMS": "0",
    }
    if question:
        data.update({"fixed_questions-0-question": question.pk, "fixed_questions-0-ORDER": "1"})
    if kind:
        data["kind"] = kind
    return data


def test_a_leader_makes_module_quizzes_for_their_own_tracks_only(leader_client, authoring):
    add = reverse("wagtailsnippets_assessments_quiz:add")

    refused = [
        leader_client.post(add, quiz_form(authoring, track=authoring.track_b)),
        leader_client.post(
            add, quiz_form(authoring, track=authoring.track_a, question=authoring.secret)
        ),
    ]
    leader_client.post(
        add,
        quiz_form(
            authoring, track=authoring.track_a, question=authoring.question_a, kind="skill_check"
        ),
    )

    assert all(response.status_code == HTTPStatus.OK for response in refused)
    assert "編集しているトラック" in refused[0].content.decode()
    assert "正しく選択してください" in refused[1].content.decode()  # not a question of theirs
    made = Quiz.objects.get(title="新しい確認テスト")
    assert made.kind == Quiz.Kind.QUIZ and made.track_id == authoring.track_a.pk
    assert not made.live  # a draft, waiting for review


def test_even_it_policy_cannot_fix_a_skill_check_question_in_a_module_quiz(client, authoring):
    client.force_login(authoring.reviewer)

    response = client.post(
        reverse("wagtailsnippets_assessments_quiz:add"),
        quiz_form(authoring, track=authoring.track_a, question=authoring.secret),
    )

    assert response.status_code == HTTPStatus.OK
    assert "固定の問題 1" in response.content.decode()
    assert not Quiz.objects.filter(title="新しい確認テスト").exists()


def test_a_skill_check_bank_or_skill_check_never_belongs_to_a_track(client, authoring):
    client.force_login(authoring.reviewer)
    bank = authoring.skill_bank

    response = client.post(
        snippet_url(bank, "edit"),
        {
            "title": bank.title,
            "slug": bank.slug,
            "description": "",
            "kind": "skill_check",
            "track": authoring.track_a.pk,
            "action-publish": "1",
        },
    )

    assert response.status_code == HTTPStatus.OK
    assert "トラック" in response.content.decode()
    bank.refresh_from_db()
    assert bank.track is None


# --- A hostile DX promotion leader: ids typed into a POST, the site history ---------------


@pytest.mark.parametrize("name", ["secret", "question_b"])
def test_a_typed_in_question_id_is_refused_without_naming_the_question(
    leader_client, authoring, name
):
    """Wagtail's chooser names whatever id it is given when a form comes back with an
    error; here it names only questions the leader authors."""
    other = getattr(authoring, name)

    response = leader_client.post(
        reverse("wagtailsnippets_assessments_quiz:add"),
        quiz_form(authoring, track=authoring.track_a, question=other),
    )

    page = response.content.decode()
    assert response.status_code == HTTPStatus.OK
    assert "正しく選択してください" in page
    assert other.text not in page
    assert not Quiz.objects.filter(title="新しい確認テスト").exists()


def test_a_typed_in_bank_id_is_refused_without_naming_the_bank(leader_client, authoring):
    data = question_edit_data(authoring.question_a)
    data["bank"] = authoring.skill_bank.pk

    response = leader_client.post(snippet_url(authoring.question_a, "edit"), data)

    assert response.status_code == HTTPStatus.OK
    assert "正しく選択してください" in response.content.decode()
    assert authoring.skill_bank.title not in response.content.decode()


def test_the_site_history_shows_a_leader_only_the_quiz_content_they_author(client, authoring):
    from wagtail.log_actions import log

    for obj in (authoring.question_a, authoring.question_b, authoring.secret):
        log(instance=obj, action="wagtail.edit", user=authoring.reviewer)
    urls = [
        reverse("wagtailadmin_reports:site_history"),
        reverse("wagtailadmin_reports:site_history_results"),
        reverse("wagtailadmin_reports:site_history") + "?export=csv",
    ]
    for url in urls:
        client.force_login(authoring.reviewer)
        everything = _body(client.get(url))
        assert all(text in everything for text in ("Aの問題", "Bの問題", "スキル診断の問題")), url

        client.force_login(authoring.leader)
        response = client.get(url)

        assert response.status_code == HTTPStatus.OK, url
        listed = _body(response)
        assert "Aの問題" in listed, url
        assert "Bの問題" not in listed and "スキル診断の問題" not in listed, url
