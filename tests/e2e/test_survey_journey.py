"""受講後アンケート in a real browser (issue 19): a learner completes a course's last module,
is offered the survey at once, answers it and sees their own answers; HR reads the results,
where one answer is below the threshold and shows nothing."""

import pytest
from allauth.mfa.totp.internal.auth import generate_totp_secret
from django.contrib.auth import get_user_model

from courses.blocks import quiz_ids_in
from courses.models import CoursePage, ModulePage, SurveyQuestion, SurveyResponse
from courses.services import module_complete

from .conftest import give_authenticator

expect = pytest.importorskip("playwright.sync_api").expect
pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _course_without_quizzes_for(learner):
    """A live course of the demo with no quiz in its modules that 1001 has not completed."""
    for course in CoursePage.objects.live().order_by("path"):
        modules = list(ModulePage.objects.live().child_of(course).order_by("path"))
        if modules and not any(quiz_ids_in(m.body) for m in modules):
            if not course.completions.filter(user=learner).exists():
                return course, modules
    pytest.fail("the demo has no course without quizzes left for 1001")


def test_a_learner_answers_the_survey_after_the_course_and_hr_sees_totals_only(journey):
    learner = get_user_model().objects.get(staff_number="1001")
    course, modules = _course_without_quizzes_for(learner)
    SurveyQuestion.objects.create(
        page=course, kind="rating", text="満足度", low_label="不満", high_label="満足", sort_order=0
    )
    SurveyQuestion.objects.create(page=course, kind="text", text="ご意見・ご感想", sort_order=1)
    for module in modules[:-1]:
        module_complete(user=learner, module=module)

    walk = journey("survey")
    page = walk.page
    walk.sign_in("1001", "demo-staff-1001")
    walk.goto(modules[-1].url, "last-module")
    page.get_by_role("button", name="学習を完了する").click()

    # The completion moment: the survey, with a way to skip it.
    expect(page.get_by_role("heading", level=1)).to_contain_text("アンケート")
    expect(page.get_by_role("button", name="アンケートに回答しない")).to_be_visible()
    walk.check("survey")
    page.get_by_role("group", name="満足度").get_by_label("4").check()
    page.get_by_label("ご意見・ご感想").fill("演習が業務に近く、分かりやすかったです。")
    page.get_by_role("button", name="回答を送信する").click()

    expect(page.get_by_role("heading", name="あなたの回答")).to_be_visible()
    expect(page.locator(".survey-mine")).to_contain_text("演習が業務に近く")
    walk.check("survey-answered")
    assert SurveyResponse.objects.filter(course=course).count() == 1

    walk.goto(course.url, "course-after-survey")
    expect(page.get_by_text("アンケートに回答済みです。")).to_be_visible()

    # HR reads the results: one answer is fewer than five, so nothing of it is shown.
    secret = generate_totp_secret()
    give_authenticator("3001", secret)
    hr = journey("survey-hr")
    hr.sign_in("3001", "demo-hr-3001", totp_secret=secret)
    hr.page.get_by_role("navigation", name="メインメニュー").get_by_role(
        "link", name="アンケート結果"
    ).click()
    hr.check("survey-results-list")
    hr.page.get_by_role("link", name=course.title).click()
    expect(hr.page.get_by_text("回答が5件未満のため表示しません").first).to_be_visible()
    expect(hr.page.locator("main")).not_to_contain_text("演習が業務に近く")
    hr.check("survey-results")
