import re

import pytest

from assessments.models import Attempt, Choice, SkillResult
from assessments.scoring import explain
from courses.models import ModuleCompletion

expect = pytest.importorskip("playwright.sync_api").expect
pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_staff_member_finishes_a_module_by_passing_its_quiz_and_sees_the_new_level(journey):
    walk = journey("staff")
    page = walk.page
    # Sending the form empty: each field says what is missing, and says it to screen readers.
    walk.goto("/accounts/login/", "sign-in-empty")
    page.get_by_role("button", name="ログイン").press("Enter")
    login = page.get_by_label("職員番号またはメールアドレス")
    expect(login).to_have_accessible_description("この項目は必須です")
    expect(login).to_have_attribute("aria-invalid", "true")
    walk.check("sign-in-errors")

    walk.sign_in("1001", "demo-staff-1001")
    expect(page.get_by_role("heading", level=1)).to_have_text("マイページ")
    walk.check("mypage")

    # The first Tab reaches the skip link; it takes keyboard users past the menu.
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="本文へスキップ")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.get_by_role("main")).to_be_focused()

    # 続きから: the module where she left off, reached with the keyboard.
    resume = page.get_by_role("region", name="続きから学習する").get_by_role("link")
    module_title = resume.inner_text()
    resume.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(module_title)
    walk.check("module")

    start = page.get_by_role("button", name="確認テストを始める")
    start.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="回答を送信する")).to_be_visible()
    walk.check("quiz")

    # She knows the answers: tick the correct choices from the key copied into her attempt,
    # by their labels (the page carries no choice ids, only a token per attempt).
    token = re.search(r"/attempts/([0-9a-f-]{36})/", page.url).group(1)
    attempt = Attempt.objects.get(token=token)
    for question in attempt.questions.all():
        fieldset = page.locator("fieldset.question").nth(question.position - 1)
        texts = Choice.objects.in_bulk(question.correct_choice_ids)
        for choice_id in question.correct_choice_ids:
            choice = fieldset.get_by_label(texts[choice_id].text, exact=True)
            choice.focus()
            page.keyboard.press("Space")
            expect(choice).to_be_checked()
    page.get_by_role("button", name="回答を送信する").focus()
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", level=1)).to_contain_text("結果")
    expect(page.get_by_text("合格です")).to_be_visible()
    expect(page.locator(".explanation").first).to_contain_text("解説")
    walk.check("quiz-result")

    page.get_by_role("link", name="モジュールに戻る").click()
    expect(page.get_by_role("status").filter(has_text="完了しました")).to_be_visible()
    walk.check("module-complete")
    course = page.get_by_role("navigation", name="パンくずリスト").get_by_role("link").nth(2)
    course_title = course.inner_text()
    course.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(course_title)
    expect(page.get_by_role("listitem").filter(has_text=module_title)).to_contain_text("完了")
    walk.check("course")
    assert ModuleCompletion.objects.filter(
        user=attempt.user, module__title=module_title, via_attempt=attempt
    ).exists()

    page.get_by_role("navigation", name="メインメニュー").get_by_role(
        "link", name="マイスキル"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("マイスキル")
    walk.check("skills")
    results = SkillResult.objects.filter(attempt=attempt).select_related("area")
    assert results, "passing the quiz records levels with evidence"
    table = page.get_by_role("table", name="判定されたレベル、根拠と自己評価")
    for result in results:
        row = table.get_by_role("row").filter(
            has=page.get_by_role("rowheader", name=result.area.name, exact=True)
        )
        expect(row).to_contain_text(f"{result.level} {result.level_label}")
        expect(row).to_contain_text(explain(result.evidence))

    # Her own rating, with the keyboard: arrow keys move within a group of radio buttons.
    category = page.get_by_role("group").filter(has=page.get_by_role("radio")).first
    category.get_by_role("radio").first.focus()
    page.keyboard.press("Space")
    page.keyboard.press("ArrowRight")
    expect(category.get_by_role("radio").nth(1)).to_be_checked()
    page.get_by_role("button", name="自己評価を保存する").press("Enter")
    expect(page.get_by_role("status")).to_contain_text("自己評価を保存しました。")
    walk.check("self-assessment-saved")

    page.get_by_role("navigation", name="メインメニュー").get_by_role(
        "link", name="研修一覧"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("研修一覧")
    walk.check("catalogue")

    # Her profile: the roster's data to read, and a note on her DX interests to write.
    page.get_by_role("link", name=re.compile(r"（1001）")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("プロフィール")
    walk.check("profile")
    note = page.get_by_label("DXで関心のあること・得意なこと")
    expect(note).to_have_accessible_description(re.compile("所属長・人事担当課・情報政策担当課"))
    note.fill("あ" * 401)  # the browser holds her to the 400 characters the server allows
    assert len(note.input_value()) == 400
    note.fill("Excel の集計をマクロで自動化しました。")
    page.get_by_role("button", name="保存").press("Enter")
    expect(page.get_by_role("status")).to_contain_text("プロフィールを保存しました。")
    assert attempt.user.__class__.objects.get(pk=attempt.user.pk).interests.startswith("Excel")
