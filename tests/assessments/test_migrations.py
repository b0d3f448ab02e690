"""The content-review migrations: what learners saw before them is live and published after."""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("assessments", "0003_open_attempt_per_context")]
AFTER = [("assessments", "0005_content_review_data")]
NOW = datetime.datetime(2026, 11, 2, 9, 0, tzinfo=datetime.UTC)


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture(autouse=True)
def _back_to_the_latest_schema():
    yield
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def _before_the_upgrade(apps):
    """A course bank used by a module quiz, a common bank only the skill check drew from,
    and an attempt of each: one submitted, one still open."""
    get = apps.get_model
    area = get("assessments", "SkillArea").objects.get(code="caution-security")
    user = get("lms", "User").objects.create(staff_number="1", family_name="山田")
    course = get("assessments", "QuestionBank").objects.create(title="情報セキュリティ", slug="sec")
    common = get("assessments", "QuestionBank").objects.create(title="共通問題", slug="common")
    question = get("assessments", "Question").objects.create(
        bank=course, area=area, level=1, kind="single", text="パスワードは？", explanation="解説"
    )
    choices = [
        get("assessments", "Choice").objects.create(
            question=question, text=text, is_correct=text == "使い回さない", sort_order=i
        )
        for i, text in enumerate(["使い回さない", "付箋に書く"])
    ]
    drawn = get("assessments", "Question").objects.create(
        bank=common, area=area, level=1, kind="true_false", text="共通の問題", explanation="解説"
    )
    quiz = get("assessments", "Quiz").objects.create(title="確認テスト", kind="quiz")
    get("assessments", "QuizQuestion").objects.create(quiz=quiz, question=question, sort_order=0)
    check = get("assessments", "Quiz").objects.create(title="スキル診断", kind="skill_check")
    get("assessments", "QuizDrawRule").objects.create(quiz=check, area=area.parent, level=1)

    def attempt(of, asked, status):
        made = get("assessments", "Attempt").objects.create(
            user=user, quiz=of, number=1, status=status, started_at=NOW
        )
        get("assessments", "AttemptQuestion").objects.create(
            attempt=made, question=asked, position=1, area=area, level=1, kind=asked.kind,
            choice_order=[c.id for c in choices] if asked == question else [],
            correct_choice_ids=[choices[0].id] if asked == question else [],
        )  # fmt: skip
        return made

    attempt(check, drawn, "submitted")
    return attempt(quiz, question, "in_progress"), question, choices


# serialized_rollback: the framework's data migrations (skill areas) are there whatever ran
# before, and the tests after this one find the database as they expect.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_existing_content_becomes_published_and_open_attempts_can_still_be_submitted():
    open_attempt, question, choices = _before_the_upgrade(_migrate(BEFORE))

    apps = _migrate(AFTER)

    banks = {b.slug: b for b in apps.get_model("assessments", "QuestionBank").objects.all()}
    assert (banks["sec"].kind, banks["common"].kind) == ("quiz", "skill_check")
    assert banks["sec"].track_id is None and banks["common"].track_id is None
    for model_name in ("questionbank", "question", "quiz"):
        for obj in apps.get_model("assessments", model_name).objects.all():
            assert obj.live and not obj.has_unpublished_changes, obj
            assert obj.live_revision_id == obj.latest_revision_id is not None, obj
            assert obj.first_published_at is not None

    # Today's code runs on today's schema: the later migrations too (0007 adds the saved
    # answers; an attempt open before it has none and is submitted as before).
    executor = MigrationExecutor(connection)
    _migrate(executor.loader.graph.leaf_nodes())
    from assessments.models import AttemptQuestion, Question, Quiz
    from assessments.services import attempt_submit
    from lms.models import User

    published = Question.objects.get(pk=question.pk).live_revision.as_object()
    assert published.text == "パスワードは？"
    assert [(c.id, c.text, c.is_correct) for c in published.choices.all()] == [
        (c.id, c.text, c.is_correct) for c in choices
    ]
    quiz = Quiz.objects.get(title="確認テスト").live_revision.as_object()
    assert [q.question_id for q in quiz.fixed_questions.all()] == [question.pk]
    asked = AttemptQuestion.objects.get(attempt_id=open_attempt.pk)
    assert sorted(asked.choice_tokens.values()) == sorted(c.id for c in choices)
    result = attempt_submit(
        user=User.objects.get(pk=open_attempt.user_id),
        token=open_attempt.token,
        answers={question.pk: asked.tokens_for([choices[0].id])},
        now=NOW + datetime.timedelta(minutes=5),
    )
    assert result.scored_now and result.attempt.correct_count == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_upgraded_site_keeps_it_policy_publishing_quiz_content_under_review():
    """Quiz content is reviewed from 0004 on; 0006 gives IT policy what ``setup_authoring``
    gives a new site, so nobody has to run it after upgrading."""
    apps = _migrate(AFTER)
    Group = apps.get_model("auth", "Group")
    Workflow = apps.get_model("wagtailcore", "Workflow")
    it_policy, _ = Group.objects.get_or_create(name="it_policy")
    it_policy.permissions.filter(content_type__app_label="assessments").delete()
    apps.get_model("wagtailcore", "WorkflowContentType").objects.all().delete()
    workflow = Workflow.objects.create(name="DX推進リーダー作成 → 情報政策担当承認")

    _migrate([("assessments", "0006_review_permissions")])

    from django.contrib.contenttypes.models import ContentType
    from wagtail.models import WorkflowContentType

    from assessments.authoring import manages_all_banks
    from assessments.models import Question, QuestionBank, Quiz
    from lms.factories import UserFactory
    from lms.people.roles import Role

    officer = UserFactory()
    officer.groups.add(Group.objects.get(name=Role.IT_POLICY).pk)
    officer = type(officer).objects.get(pk=officer.pk)  # no cached permissions
    assert manages_all_banks(officer)
    for model in (QuestionBank, Question, Quiz):
        name = model._meta.model_name
        for action in ("publish", "lock", "unlock"):
            assert officer.has_perm(f"assessments.{action}_{name}"), (action, name)
        assigned = WorkflowContentType.objects.get(
            content_type=ContentType.objects.get_for_model(model)
        )
        assert assigned.workflow_id == workflow.pk
