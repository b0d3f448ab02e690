import html

import markdown as markdown_lib
from django.core.exceptions import ValidationError
from django.utils.html import strip_tags
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


def _plain(html_text: str) -> str:
    return " ".join(html.unescape(strip_tags(html_text or "")).split())


def body_passages(body) -> list[str]:
    """The text of a module body, block by block, as a learner reads it, from the raw JSON
    (no query): Markdown rendered and its tags removed, rich text and callouts without tags,
    image and video captions, video transcripts, download link texts. Quizzes and glossary
    terms are left out (the glossary is searched on its own)."""
    passages = []
    for block in body.raw_data if body is not None else []:
        kind, value = block.get("type"), block.get("value")
        if kind == "markdown":
            passages.append(_plain(markdown_lib.markdown(value or "", extensions=["tables"])))
        elif kind == "rich_text":
            passages.append(_plain(value))
        elif kind == "callout":
            passages.append(_plain((value or {}).get("text")))
        elif kind in ("image", "video"):
            passages.append(" ".join(((value or {}).get("caption") or "").split()))
            if kind == "video":
                passages.append(" ".join(((value or {}).get("transcript") or "").split()))
        elif kind == "download":
            passages.append(" ".join(((value or {}).get("label") or "").split()))
    return [passage for passage in passages if passage]
