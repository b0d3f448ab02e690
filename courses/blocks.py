from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.blocks.struct_block import StructBlockValidationError
from wagtail.snippets.blocks import SnippetChooserBlock

from assessments.models import Quiz
from content.blocks import BaseStreamBlock

SKILL_CHECK_IN_A_MODULE = _(
    "A skill check cannot be placed in a module: learners take it on their skills page. "
    "Please choose a module quiz."
)


class QuizBlock(blocks.StructBlock):
    """Places a module quiz in a module. Passing it completes the module.

    Never a skill check: its questions are IT policy's, and a module quiz shows the key
    after every attempt."""

    quiz = SnippetChooserBlock("assessments.Quiz", label=_("quiz"))

    def clean(self, value):
        value = super().clean(value)
        quiz = value.get("quiz")
        if quiz is not None and quiz.kind != Quiz.Kind.QUIZ:
            raise StructBlockValidationError(
                block_errors={"quiz": ValidationError(SKILL_CHECK_IN_A_MODULE)}
            )
        return value

    def get_context(self, value, parent_context=None):
        context = super().get_context(value, parent_context=parent_context)
        statuses = (parent_context or {}).get("quiz_statuses") or {}
        quiz = value.get("quiz")
        context["status"] = statuses.get(quiz.id) if quiz else None
        return context

    class Meta:
        icon = "tasks"
        label = _("Quiz")
        template = "courses/blocks/quiz.html"
        description = _("A quiz from the question banks; passing it completes the module.")


class ModuleStreamBlock(BaseStreamBlock):
    quiz = QuizBlock()


def quiz_ids_in(body) -> list[int]:
    """Ids of the quizzes placed in a module body, read from the raw JSON (no query)."""
    return [
        block["value"]["quiz"]
        for block in body.raw_data
        if block.get("type") == "quiz" and block.get("value", {}).get("quiz")
    ]
