"""Questions, quizzes and banks get draft state, revisions, locking and the review
workflow; banks and quizzes belong to a track (or to IT policy); choices get a token
per attempt.

What was there before stays exactly as learners saw it:

- every existing bank, question and quiz becomes a live, published version with one
  revision holding what it is now (a question with its choices, a quiz with its fixed
  questions and draw rules), so the first change under review can be compared with it;
- a bank whose questions only skill checks have used (fixed in one, or drawn into a
  skill-check attempt) becomes a skill-check bank, so skill checks keep their questions;
  every other bank stays a module-quiz bank, so module quizzes keep theirs. No bank or
  quiz has a track yet: until IT policy gives them one, only IT policy authors them;
- attempts in progress get a token per choice, so they can still be submitted.

Copied logic, not imported: migrations must not change when the code does.
"""

import secrets

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
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
            ["live", "has_unpublished_changes", "first_published_at", "last_published_at",
             "latest_revision", "live_revision"],
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
        ('assessments', '0003_open_attempt_per_context'),
        ('wagtailcore', '0098_apitoken'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        migrations.swappable_dependency(settings.WAGTAIL_PAGE_MODEL),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='questionbank',
            options={'ordering': ['title'], 'permissions': [('manage_all_banks', 'Can author every question bank, skill checks included')], 'verbose_name': 'question bank', 'verbose_name_plural': 'question banks'},
        ),
        migrations.AddField(
            model_name='attemptquestion',
            name='choice_tokens',
            field=models.JSONField(default=dict),
        ),
        migrations.AddField(
            model_name='question',
            name='expire_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='expiry date/time'),
        ),
        migrations.AddField(
            model_name='question',
            name='expired',
            field=models.BooleanField(default=False, editable=False, verbose_name='expired'),
        ),
        migrations.AddField(
            model_name='question',
            name='first_published_at',
            field=models.DateTimeField(blank=True, db_index=True, null=True, verbose_name='first published at'),
        ),
        migrations.AddField(
            model_name='question',
            name='go_live_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='go live date/time'),
        ),
        migrations.AddField(
            model_name='question',
            name='has_unpublished_changes',
            field=models.BooleanField(default=False, editable=False, verbose_name='has unpublished changes'),
        ),
        migrations.AddField(
            model_name='question',
            name='last_published_at',
            field=models.DateTimeField(editable=False, null=True, verbose_name='last published at'),
        ),
        migrations.AddField(
            model_name='question',
            name='live',
            field=models.BooleanField(default=True, editable=False, verbose_name='live'),
        ),
        migrations.AddField(
            model_name='question',
            name='live_revision',
            field=models.ForeignKey(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='wagtailcore.revision', verbose_name='live revision'),
        ),
        migrations.AddField(
            model_name='question',
            name='locked',
            field=models.BooleanField(default=False, editable=False, verbose_name='locked'),
        ),
        migrations.AddField(
            model_name='question',
            name='locked_at',
            field=models.DateTimeField(editable=False, null=True, verbose_name='locked at'),
        ),
        migrations.AddField(
            model_name='question',
            name='locked_by',
            field=models.ForeignKey(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='locked_%(class)ss', to=settings.AUTH_USER_MODEL, verbose_name='locked by'),
        ),
        migrations.AddField(
            model_name='questionbank',
            name='expire_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='expiry date/time'),
        ),
        migrations.AddField(
            model_name='questionbank',
            name='expired',
            field=models.BooleanField(default=False, editable=False, verbose_name='expired'),
        ),
        migrations.AddField(
            model_name='questionbank',
            name='first_published_at',
            field=models.DateTimeField(blank=True, db_index=True, null=True, verbose_name='first published at'),
        ),
        migrations.AddField(
            model_name='questionbank',
            name='go_live_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='go live date/time'),
        ),
        migrations.AddField(
            model_name='questionbank',
            name='has_unpublished_changes',
            field=models.BooleanField(default=False, editable=False, verbose_name='has unpublished changes'),
        ),
        migrations.AddField(
            model_name='questionbank',
            name='kind',
            field=models.CharField(choices=[('quiz', 'Module quiz'), ('skill_check', 'Skill check')], default='quiz', help_text='Module quizzes use only questions of module-quiz banks, skill checks only questions of skill-check banks.', max_length=12, verbose_name='used in'),
        ),
        migrations.AddField(
            model_name='questionbank',
            name='last_published_at',
            field=models.DateTimeField(editable=False, null=True, verbose_name='last published at'),
        ),
        migrations.AddField(
            model_name='questionbank',
            name='latest_revision',
            field=models.ForeignKey(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='wagtailcore.revision', verbose_name='latest revision'),
        ),
        migrations.AddField(
            model_name='questionbank',
            name='live',
            field=models.BooleanField(default=True, editable=False, verbose_name='live'),
        ),
        migrations.AddField(
            model_name='questionbank',
            name='live_revision',
            field=models.ForeignKey(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='wagtailcore.revision', verbose_name='live revision'),
        ),
        migrations.AddField(
            model_name='questionbank',
            name='locked',
            field=models.BooleanField(default=False, editable=False, verbose_name='locked'),
        ),
        migrations.AddField(
            model_name='questionbank',
            name='locked_at',
            field=models.DateTimeField(editable=False, null=True, verbose_name='locked at'),
        ),
        migrations.AddField(
            model_name='questionbank',
            name='locked_by',
            field=models.ForeignKey(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='locked_%(class)ss', to=settings.AUTH_USER_MODEL, verbose_name='locked by'),
        ),
        migrations.AddField(
            model_name='questionbank',
            name='track',
            field=models.ForeignKey(blank=True, help_text='The DX promotion leaders who may edit this track author the bank. Empty: IT policy only.', null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.WAGTAIL_PAGE_MODEL, verbose_name='track'),
        ),
        migrations.AddField(
            model_name='quiz',
            name='expire_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='expiry date/time'),
        ),
        migrations.AddField(
            model_name='quiz',
            name='expired',
            field=models.BooleanField(default=False, editable=False, verbose_name='expired'),
        ),
        migrations.AddField(
            model_name='quiz',
            name='first_published_at',
            field=models.DateTimeField(blank=True, db_index=True, null=True, verbose_name='first published at'),
        ),
        migrations.AddField(
            model_name='quiz',
            name='go_live_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='go live date/time'),
        ),
        migrations.AddField(
            model_name='quiz',
            name='has_unpublished_changes',
            field=models.BooleanField(default=False, editable=False, verbose_name='has unpublished changes'),
        ),
        migrations.AddField(
            model_name='quiz',
            name='last_published_at',
            field=models.DateTimeField(editable=False, null=True, verbose_name='last published at'),
        ),
        migrations.AddField(
            model_name='quiz',
            name='latest_revision',
            field=models.ForeignKey(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='wagtailcore.revision', verbose_name='latest revision'),
        ),
        migrations.AddField(
            model_name='quiz',
            name='live',
            field=models.BooleanField(default=True, editable=False, verbose_name='live'),
        ),
        migrations.AddField(
            model_name='quiz',
            name='live_revision',
            field=models.ForeignKey(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='wagtailcore.revision', verbose_name='live revision'),
        ),
        migrations.AddField(
            model_name='quiz',
            name='locked',
            field=models.BooleanField(default=False, editable=False, verbose_name='locked'),
        ),
        migrations.AddField(
            model_name='quiz',
            name='locked_at',
            field=models.DateTimeField(editable=False, null=True, verbose_name='locked at'),
        ),
        migrations.AddField(
            model_name='quiz',
            name='locked_by',
            field=models.ForeignKey(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='locked_%(class)ss', to=settings.AUTH_USER_MODEL, verbose_name='locked by'),
        ),
        migrations.AddField(
            model_name='quiz',
            name='track',
            field=models.ForeignKey(blank=True, help_text='The DX promotion leaders who may edit this track author the quiz. Empty: IT policy only (always empty for a skill check).', null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.WAGTAIL_PAGE_MODEL, verbose_name='track'),
        ),
        migrations.AddConstraint(
            model_name='questionbank',
            constraint=models.CheckConstraint(condition=models.Q(('kind', 'quiz'), ('track__isnull', True), _connector='OR'), name='question_bank_skill_check_has_no_track'),
        ),
        migrations.AddConstraint(
            model_name='quiz',
            constraint=models.CheckConstraint(condition=models.Q(('kind', 'quiz'), ('track__isnull', True), _connector='OR'), name='quiz_skill_check_has_no_track'),
        ),
        migrations.RunPython(classify_banks, migrations.RunPython.noop),
        migrations.RunPython(publish_existing, migrations.RunPython.noop),
        migrations.RunPython(give_open_attempts_tokens, migrations.RunPython.noop),
    ]
