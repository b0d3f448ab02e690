from django.utils.translation import gettext_lazy as _
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from .models import Question, QuestionBank, Quiz, SkillArea


class SkillAreaViewSet(SnippetViewSet):
    model = SkillArea
    icon = "list-ul"
    list_display = ["name", "code", "parent", "digcomp_code"]
    list_filter = ["parent"]
    search_fields = ["name", "code"]


class QuestionBankViewSet(SnippetViewSet):
    model = QuestionBank
    icon = "folder-open-inverse"
    list_display = ["title", "slug"]


class QuestionViewSet(SnippetViewSet):
    model = Question
    icon = "help"
    list_display = ["text", "bank", "area", "level", "kind", "active"]
    list_filter = ["bank", "level", "kind", "active"]
    list_per_page = 50


class QuizViewSet(SnippetViewSet):
    model = Quiz
    icon = "tasks"
    list_display = ["title", "kind", "pass_mark_percent", "attempt_limit", "time_limit_minutes"]
    list_filter = ["kind"]


class AssessmentViewSetGroup(SnippetViewSetGroup):
    items = (QuizViewSet, QuestionViewSet, QuestionBankViewSet, SkillAreaViewSet)
    menu_icon = "tasks"
    menu_label = _("Assessments")
    menu_name = "assessments"
    menu_order = 250


register_snippet(AssessmentViewSetGroup)
