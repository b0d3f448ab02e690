import factory
from factory.django import DjangoModelFactory

from .models import Choice, Question, QuestionBank, Quiz, QuizDrawRule, QuizQuestion, SkillArea


class QuestionBankFactory(DjangoModelFactory):
    class Meta:
        model = QuestionBank
        django_get_or_create = ["slug"]

    title = "テスト問題集"
    slug = "test-bank"


class SkillCheckBankFactory(QuestionBankFactory):
    """IT policy's bank for skill checks (skill checks ask only questions of such banks)."""

    title = "スキル診断問題集"
    slug = "skill-check-bank"
    kind = Quiz.Kind.SKILL_CHECK


class QuestionFactory(DjangoModelFactory):
    """A question with choices; ``correct`` lists which choice positions are right."""

    class Meta:
        model = Question
        skip_postgeneration_save = True

    bank = factory.SubFactory(QuestionBankFactory)
    area = factory.LazyFunction(lambda: SkillArea.objects.get(code="caution-security"))
    level = 1
    kind = Question.Kind.SINGLE
    text = factory.Sequence(lambda n: f"問題{n}: 正しいものを選んでください。")
    explanation = factory.Sequence(lambda n: f"解説{n}")

    @factory.post_generation
    def choices(self, create, extracted, **kwargs):
        if not create:
            return
        correct = set(kwargs.get("correct", [0]))
        count = 2 if self.kind == Question.Kind.TRUE_FALSE else kwargs.get("count", 4)
        for index in range(count):
            Choice.objects.create(
                question=self,
                text=f"選択肢{index + 1}",
                is_correct=index in correct,
                sort_order=index,
            )


class QuizFactory(DjangoModelFactory):
    class Meta:
        model = Quiz
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"確認テスト{n}")
    pass_mark_percent = 70
    shuffle = False

    @factory.post_generation
    def questions(self, create, extracted, **kwargs):
        if create and extracted:
            for index, question in enumerate(extracted):
                QuizQuestion.objects.create(quiz=self, question=question, sort_order=index)


class QuizDrawRuleFactory(DjangoModelFactory):
    class Meta:
        model = QuizDrawRule

    quiz = factory.SubFactory(QuizFactory)
    area = factory.LazyFunction(lambda: SkillArea.objects.get(code="caution"))
    level = 1
    count = 3
