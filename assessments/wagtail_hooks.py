from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from . import admin_views
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


@hooks.register("register_admin_urls")
def register_item_analysis_url():
    return [path("question-statistics/", admin_views.item_analysis, name="question_statistics")]


class ItemAnalysisMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.has_perm("assessments.change_question")


@hooks.register("register_reports_menu_item")
def register_item_analysis_menu_item():
    return ItemAnalysisMenuItem(
        _("Question statistics"), reverse("question_statistics"), icon_name="tasks", order=700
    )
