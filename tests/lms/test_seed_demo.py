import html
import re
from io import StringIO

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db.models import Q
from django.test import Client
from django.urls import reverse

from assessments.models import Question, QuestionBank, Quiz, SkillArea, SkillResult
from assessments.services import attempt_start, attempt_submit
from courses.blocks import quiz_ids_in
from courses.models import ModuleCompletion, ModulePage, TrackPage
from lms.demo.seed import DEMO_ACCOUNTS
from lms.factories import UserFactory
from lms.learner.selectors import mypage_for_user, skills_page_for_user
from lms.models import Membership, TrackAssignment, User
from lms.people.roles import Role


@pytest.fixture
def seeded(db):
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def counts():
    return {
        model.__name__: model.objects.count()
        for model in (User, Membership, TrackAssignment, TrackPage, ModulePage, ModuleCompletion)
    }


def test_seed_demo_is_idempotent(seeded):
    before = counts()

    call_command("seed_demo", stdout=StringIO())

    assert counts() == before


def test_demo_town_has_the_plans_curriculum_and_staff(seeded):
    assert ModulePage.objects.live().count() >= 20
    assert set(TrackPage.objects.values_list("title", flat=True)) >= {
        "全職員向け DX 基礎",
        "管理職向け DX マネジメント",
        "DX推進リーダー育成",
        "窓口担当向け",
    }
    assert User.objects.count() >= 40
    assert set(Group.objects.values_list("name", flat=True)) >= set(Role.values)
    assert ModuleCompletion.objects.exists()


def test_every_demo_account_can_sign_in_with_the_printed_password(seeded):
    for account in DEMO_ACCOUNTS:
        assert account.password in seeded
        client = Client()
        response = client.post(
            reverse("account_login"),
            {"login": account.staff_number, "password": account.password},
        )
        assert response.status_code == 302, account.staff_number
        assert (
            User.objects.get(staff_number=account.staff_number)
            .groups.filter(name=account.role)
            .exists()
        )


def test_demo_pages_render_for_the_staff_account(seeded):
    client = Client()
    client.force_login(User.objects.get(staff_number="1001"))

    assert client.get(reverse("lms:mypage")).status_code == 200
    for module in ModulePage.objects.live()[:5]:
        assert client.get(module.url).status_code == 200


def test_every_demo_module_reads_as_one_outline_under_its_title(seeded):
    """The page's h1 is the module's title: the body neither repeats it as its first h2
    nor skips a level (h1 → h3)."""
    import lxml.html

    client = Client()
    client.force_login(User.objects.get(staff_number="1001"))
    for module in ModulePage.objects.live():
        tree = lxml.html.fromstring(client.get(module.url).content)
        main = tree.xpath("//main")[0]
        headings = main.xpath(".//h1|.//h2|.//h3|.//h4|.//h5|.//h6")
        levels = [int(h.tag[1]) for h in headings]
        texts = [" ".join(h.text_content().split()) for h in headings]
        assert levels[0] == 1 and levels.count(1) == 1, (module.title, levels)
        assert texts[0] not in texts[1:], (module.title, texts)
        steps = zip(levels, levels[1:], strict=False)
        assert all(b - a <= 1 for a, b in steps), (module.title, levels)


# --- Quiz content: published, and the skill checks measure every area they ask about ----


def test_the_demos_banks_questions_and_quizzes_are_published_revisions(seeded):
    for model in (QuestionBank, Question, Quiz):
        objects = list(model.objects.all())
        assert objects, model
        for obj in objects:
            assert obj.live and not obj.has_unpublished_changes, obj
            assert obj.live_revision_id is not None, obj
            assert obj.live_revision_id == obj.latest_revision_id, obj


def test_every_draw_of_the_demo_skill_checks_finds_enough_skill_check_questions(seeded):
    """Skill checks ask only questions of skill-check banks: the demo's must hold enough
    of each area and level the checks draw, or an area goes unmeasured."""
    checks = list(Quiz.objects.filter(kind=Quiz.Kind.SKILL_CHECK))
    assert len(checks) == 2
    for check in checks:
        rules = list(check.draw_rules.select_related("area"))
        assert {rule.area.code for rule in rules} == set(
            SkillArea.objects.filter(parent__isnull=True).values_list("code", flat=True)
        )
        for rule in rules:
            available = (
                Question.objects.usable_in(check)
                .filter(active=True, level=rule.level)
                .filter(Q(area=rule.area) | Q(area__parent=rule.area))
                .count()
            )
            assert available >= rule.count, (check.title, rule.area.code, rule.level)


def _shown_areas(client) -> set[str]:
    """The area names マイスキル's levels table has a row for (the table with the evidence;
    the chart's data table before it has rows only for the chart's areas)."""
    page = client.get(reverse("lms:skills")).content.decode()
    tables = re.findall(r"<table.*?</table>", page, re.S)
    table = next(t for t in tables if "問正解" in t or "未評価" in t)
    return {html.unescape(name) for name in re.findall(r'<th scope="row"[^>]*>([^<]+)</th>', table)}


def test_a_perfect_demo_skill_check_measures_every_area_it_asks_about_on_my_skills(seeded):
    user = UserFactory()
    check = Quiz.objects.get(title="DX リテラシー スキル診断（基礎・中級）")

    attempt = attempt_start(user=user, quiz=check)
    asked = list(attempt.questions.all())
    attempt_submit(
        user=user,
        token=attempt.token,
        answers={aq.question_id: aq.tokens_for(aq.correct_choice_ids) for aq in asked},
    )

    drawn = {rule.area for rule in check.draw_rules.select_related("area")}
    assert len(asked) == sum(rule.count for rule in check.draw_rules.all())
    profile = skills_page_for_user(user=user).profile
    levels = {skill.area.code: (skill.level, skill.evidence) for skill in profile.categories}
    for area in drawn:  # three right answers at level 1 and at level 2: 中級 everywhere
        assert levels[area.code] == (2, [[1, 3, 3], [2, 3, 3]]), area.code
    client = Client()
    client.force_login(user)
    shown = _shown_areas(client)
    results = SkillResult.objects.filter(attempt__user=user).select_related("area")
    assert {result.area.name for result in results} <= shown


def test_the_staff_accounts_next_module_quiz_shows_every_level_it_records_on_my_skills(seeded):
    """The staff journey without the browser: 1001 passes the quiz where she left off;
    every level that attempt records has its row on マイスキル."""
    user = User.objects.get(staff_number="1001")
    module = mypage_for_user(user=user).resume.module.page
    (quiz_id,) = quiz_ids_in(module.body)
    attempt = attempt_start(
        user=user, quiz=Quiz.objects.get(pk=quiz_id), context=f"module:{module.id}"
    )
    attempt_submit(
        user=user,
        token=attempt.token,
        answers={
            aq.question_id: aq.tokens_for(aq.correct_choice_ids) for aq in attempt.questions.all()
        },
    )

    results = list(SkillResult.objects.filter(attempt=attempt).select_related("area"))
    assert results
    client = Client()
    client.force_login(user)
    shown = _shown_areas(client)
    assert {result.area.name for result in results} <= shown
