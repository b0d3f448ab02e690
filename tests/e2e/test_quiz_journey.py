"""A quiz a person can trust, in a real browser (issue 16): answers saved as they are given
and kept over a reload, the countdown, unanswered questions confirmed, the warning before
the idle sign-out with 「ログインを続ける」, the answers kept when the session ends, and the
result page's retake and next."""

import re

import pytest
from django.contrib.sessions.models import Session

from assessments.models import Attempt, AttemptQuestion, Choice, Quiz

expect = pytest.importorskip("playwright.sync_api").expect
pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

SAVED = re.compile(r"解答を保存しました")


def _open_the_quiz(walk):
    """Sign in as 1001 and start the quiz of the module where she left off (60 minutes)."""
    Quiz.objects.filter(kind=Quiz.Kind.QUIZ).update(time_limit_minutes=60)
    page = walk.page
    walk.sign_in("1001", "demo-staff-1001")
    page.get_by_role("region", name="続きから学習する").get_by_role("link").click()
    page.get_by_role("button", name="確認テストを始める").click()
    expect(page.get_by_role("button", name="回答を送信する")).to_be_visible()
    token = re.search(r"/attempts/([0-9a-f-]{36})/", page.url).group(1)
    return Attempt.objects.get(token=token)


def _tick(page, question, choice_ids):
    fieldset = page.locator("fieldset.question").nth(question.position - 1)
    texts = Choice.objects.in_bulk(choice_ids)
    for choice_id in choice_ids:
        fieldset.get_by_label(texts[choice_id].text, exact=True).check()
    expect(fieldset.locator("[data-save-status]")).to_have_text(SAVED)


def test_answers_are_kept_over_a_reload_and_unanswered_ones_are_confirmed(journey):
    walk = journey("quiz-safe")
    page = walk.page
    attempt = _open_the_quiz(walk)
    questions = list(attempt.questions.order_by("position"))
    assert len(questions) >= 2
    first = questions[0]

    # The countdown, from the server's deadline.
    timer = page.locator("#quiz-timer")
    expect(timer).to_be_visible()
    expect(timer).to_contain_text(re.compile(r"残り時間：(59|60)分\d\d秒"))
    _tick(page, first, first.correct_choice_ids)
    walk.check("quiz-answered-one")
    assert AttemptQuestion.objects.get(pk=first.pk).saved_choice_ids == sorted(
        first.correct_choice_ids
    )

    page.reload()
    fieldset = page.locator("fieldset.question").first
    for choice in Choice.objects.filter(pk__in=first.correct_choice_ids):
        expect(fieldset.get_by_label(choice.text, exact=True)).to_be_checked()

    # Submitting with questions unanswered asks first, naming how many.
    page.get_by_role("button", name="回答を送信する").click()
    dialog = page.get_by_role("dialog", name="未解答の問題があります")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text(f"未解答の問題が {len(questions) - 1} 問あります")
    walk.check("quiz-unanswered-dialog")
    dialog.get_by_role("button", name="戻って解答する").click()
    expect(dialog).to_be_hidden()
    assert Attempt.objects.get(pk=attempt.pk).status == Attempt.Status.IN_PROGRESS

    page.get_by_role("button", name="回答を送信する").click()
    dialog.get_by_role("button", name="このまま提出する").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("結果")
    walk.check("quiz-result")
    scored = Attempt.objects.get(pk=attempt.pk)
    assert scored.status == Attempt.Status.SUBMITTED and scored.correct_count == 1
    # Not 「戻る」 alone: a retake (attempts remain) and the way on.
    expect(page.get_by_role("button", name="再受験")).to_be_visible()
    expect(page.get_by_role("link", name="次へ")).to_be_visible()
    page.get_by_role("button", name="再受験").click()
    expect(page.get_by_role("button", name="回答を送信する")).to_be_visible()
    assert Attempt.objects.filter(user=attempt.user, quiz=attempt.quiz).count() == 2


def test_the_warning_before_the_sign_out_keeps_the_session_and_every_answer(journey, settings):
    # Two idle minutes and a 50-second warning instead of 30 minutes and 5: the same page.
    settings.SHINKA_SESSION_IDLE_MINUTES = 2
    settings.SHINKA_SESSION_WARNING_SECONDS = 50
    walk = journey("quiz-session")
    page = walk.page
    attempt = _open_the_quiz(walk)
    questions = list(attempt.questions.order_by("position"))
    for question in questions:
        _tick(page, question, question.correct_choice_ids)

    dialog = page.get_by_role("dialog", name="まもなくログアウトします")
    expect(dialog).to_be_visible(timeout=40_000)
    walk.check("session-warning")
    dialog.get_by_role("button", name="ログインを続ける").click()
    expect(dialog).to_be_hidden()
    expect(page.locator("#quiz-save-status")).to_contain_text("ログインを続けました。")

    page.get_by_role("button", name="回答を送信する").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("結果")
    scored = Attempt.objects.get(pk=attempt.pk)
    assert scored.status == Attempt.Status.SUBMITTED
    assert scored.correct_count == scored.question_count == len(questions)


def test_when_the_session_ends_the_answers_wait_for_her_return(journey):
    walk = journey("quiz-session-ended")
    page = walk.page
    attempt = _open_the_quiz(walk)
    first = attempt.questions.order_by("position").first()
    _tick(page, first, first.correct_choice_ids)

    Session.objects.all().delete()  # the server ended her session (idle, or signed out)
    page.get_by_role("button", name="回答を送信する").click()
    page.get_by_role("dialog", name="未解答の問題があります").get_by_role(
        "button", name="このまま提出する"
    ).click()
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next="))
    page.get_by_label("職員番号またはメールアドレス").fill("1001")
    page.get_by_label("パスワード").fill("demo-staff-1001")
    page.get_by_role("button", name="ログイン").click()

    expect(page.get_by_role("button", name="回答を送信する")).to_be_visible()
    assert f"/attempts/{attempt.token}/" in page.url
    walk.check("quiz-back-after-sign-in")
    fieldset = page.locator("fieldset.question").first
    for choice in Choice.objects.filter(pk__in=first.correct_choice_ids):
        expect(fieldset.get_by_label(choice.text, exact=True)).to_be_checked()
    assert Attempt.objects.get(pk=attempt.pk).status == Attempt.Status.IN_PROGRESS
