"""Data for 0004_content_review: what learners saw before the upgrade stays exactly what
they are asked and scored on after it.

- Every existing bank, question and quiz becomes a live, published version with one
  revision holding what it is now (a question with its choices, a quiz with its fixed
  questions and draw rules), so the first change under review is compared with it.
- A bank whose questions only skill checks have used (fixed in one, or drawn into a
  skill-check attempt) becomes a skill-check bank, so skill checks keep their questions;
  every other bank stays a module-quiz bank, so module quizzes keep theirs. No bank or
  quiz gets a track: until IT policy gives them one, only IT policy authors them.
- Attempts in progress get a token per choice, so they can still be submitted.

Models come from ``apps.get_model`` (the schema as of this migration), never from
``assessments.models``, and the rules are copied here, not imported, so the migration does
not change when the code does. Revision content is written with modelcluster's
``get_serializable_data_for_fields``, the function Wagtail itself serialises revisions
with, so Wagtail reads these revisions like its own.

Reversed as a no-op (each step is explicit below): unapplying 0004 drops the columns these
steps fill; the revisions written stay in Wagtail's history.
"""

import secrets

from django.db import migrations
from django.utils import timezone
from modelcluster.models import get_serializable_data_for_fields

# model → (its child relations, how it reads in the history)
PUBLISHED = {
    "questionbank": ((), lambda bank: bank.title),
    "question": (("choices",), lambda question: question.text[:60]),
    "quiz": (("fixed_questions", "draw_rules"), lambda quiz: quiz.title),
}


def classify_banks(apps, schema_editor):
    QuestionBank = apps.get_model("assessments", "QuestionBank")
    QuizQuestion = apps.get_model("assessments", "QuizQuestion")
    AttemptQuestion = apps.get_model("assessments", "AttemptQuestion")

    def banks_used_in(kind):
        fixed = QuizQuestion.objects.filter(quiz__kind=kind).values_list(
            "question__bank_id", flat=True
        )
        drawn = AttemptQuestion.objects.filter(attempt__quiz__kind=kind).values_list(
            "question__bank_id", flat=True
        )
        return set(fixed.distinct()) | set(drawn.distinct())

    only_skill_checks = banks_used_in("skill_check") - banks_used_in("quiz")
    QuestionBank.objects.filter(pk__in=only_skill_checks).update(kind="skill_check")


def _revision_content(obj, children):
    content = get_serializable_data_for_fields(obj)
    for relation in children:
        content[relation] = [
            get_serializable_data_for_fields(child) for child in getattr(obj, relation).all()
        ]
    return content


def publish_existing(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Revision = apps.get_model("wagtailcore", "Revision")
    now = timezone.now()
    for model_name, (children, label) in PUBLISHED.items():
        Model = apps.get_model("assessments", model_name)
        objects = list(Model.objects.prefetch_related(*children).order_by("pk"))
        if not objects:
            continue
        content_type, _ = ContentType.objects.get_or_create(
            app_label="assessments", model=model_name
        )
        for obj in objects:
            obj.live, obj.has_unpublished_changes = True, False
            obj.first_published_at = obj.last_published_at = now
        revisions = Revision.objects.bulk_create(
            Revision(
                content_type=content_type,
                base_content_type=content_type,
                object_id=str(obj.pk),
                created_at=now,
                object_str=label(obj),
                content=_revision_content(obj, children),
            )
            for obj in objects
        )
        for obj, revision in zip(objects, revisions, strict=True):
            obj.latest_revision = obj.live_revision = revision
        Model.objects.bulk_update(
            objects,
            [
                "live",
                "has_unpublished_changes",
                "first_published_at",
                "last_published_at",
                "latest_revision",
                "live_revision",
            ],
            batch_size=500,
        )


def give_open_attempts_tokens(apps, schema_editor):
    AttemptQuestion = apps.get_model("assessments", "AttemptQuestion")
    rows = list(AttemptQuestion.objects.filter(attempt__status="in_progress"))
    for row in rows:
        tokens = {}
        while len(tokens) < len(row.choice_order):
            tokens = {secrets.token_urlsafe(12): choice_id for choice_id in row.choice_order}
        row.choice_tokens = tokens
    AttemptQuestion.objects.bulk_update(rows, ["choice_tokens"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0004_content_review"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("wagtailcore", "0098_apitoken"),
    ]

    operations = [
        migrations.RunPython(classify_banks, migrations.RunPython.noop),
        migrations.RunPython(publish_existing, migrations.RunPython.noop),
        migrations.RunPython(give_open_attempts_tokens, migrations.RunPython.noop),
    ]
