import django_filters
from django.contrib.admin.utils import unquote
from django.http import Http404
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.tables import BooleanColumn
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views import chooser
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from . import admin_views
from .authoring import authorable, banks_for
from .models import Question, QuestionBank, Quiz, SkillArea

MAX_ID_DIGITS = 18  # as the project's URL converter: longer ids are simply not found


def _in_scope(model, user, pk) -> bool:
    pk = unquote(str(pk))
    if not (pk.isdigit() and len(pk) <= MAX_ID_DIGITS):
        return False
    return authorable(model, user).filter(pk=int(pk)).exists()


class OnlyWhatTheUserMayAuthor:
    """A snippet screen for one object (edit, history, compare, usage, inspect, lock,
    workflow …): an object the user may not author is not found, before anything loads."""

    def setup(self, request, *args, **kwargs):
        if "pk" in kwargs and not _in_scope(self.model, request.user, kwargs["pk"]):
            raise Http404
        super().setup(request, *args, **kwargs)


class AuthoringChooseView(chooser.ChooseView):
    def get_object_list(self):
        return authorable(self.model_class, self.request.user)


class AuthoringChooseResultsView(chooser.ChooseResultsView):
    def get_object_list(self):
        return authorable(self.model_class, self.request.user)


class AuthoringChosenView(chooser.SnippetChosenView):
    def get_object(self, pk):
        if not _in_scope(self.model_class, self.request.user, pk):
            raise self.model_class.DoesNotExist
        return super().get_object(pk)


class AuthoringChosenMultipleView(chooser.SnippetChosenMultipleView):
    def get_objects(self, pks):
        return (
            super()
            .get_objects(pks)
            .filter(pk__in=authorable(self.model_class, self.request.user).values("pk"))
        )


class AuthoringChooserViewSet(chooser.SnippetChooserViewSet):
    """Choosers (a quiz's fixed questions, a question's bank, a module's quiz) offer only
    what the user may author."""

    choose_view_class = AuthoringChooseView
    choose_results_view_class = AuthoringChooseResultsView
    chosen_view_class = AuthoringChosenView
    chosen_multiple_view_class = AuthoringChosenMultipleView


class AuthoringViewSet(SnippetViewSet):
    """Listing, export and choosers show only what the user may author
    (``assessments.authoring``); every screen of one object refuses the others (404)."""

    chooser_viewset_class = AuthoringChooserViewSet
    inspect_view_enabled = True
    listed_with: tuple[str, ...] = ()  # the related rows the listing's columns show

    def get_queryset(self, request):
        return authorable(self.model, request.user).select_related(*self.listed_with)

    def construct_view(self, view_class, **kwargs):
        scoped = type(view_class.__name__, (OnlyWhatTheUserMayAuthor, view_class), {})
        return super().construct_view(scoped, **kwargs)


class SkillAreaViewSet(SnippetViewSet):
    model = SkillArea
    icon = "list-ul"
    list_display = ["name", "code", "parent", "digcomp_code"]
    list_filter = ["parent"]
    search_fields = ["name", "code"]


class QuestionBankViewSet(AuthoringViewSet):
    model = QuestionBank
    icon = "folder-open-inverse"
    list_display = ["title", "slug", "kind", "track"]
    list_filter = ["kind"]
    listed_with = ("track",)


class QuestionFilterSet(WagtailFilterSet):
    bank = django_filters.ModelChoiceFilter(
        label=_("question bank"), queryset=lambda request: banks_for(request.user)
    )

    class Meta:
        model = Question
        fields = ["bank", "level", "kind", "active"]


class QuestionViewSet(AuthoringViewSet):
    model = Question
    icon = "help"
    # "active" as a tick or a cross, not "True"/"False".
    list_display = [
        "text",
        "bank",
        "area",
        "level",
        "kind",
        BooleanColumn(
            "active", label=Question._meta.get_field("active").verbose_name, sort_key="active"
        ),
    ]
    filterset_class = QuestionFilterSet
    list_export = ["text", "bank", "area", "level", "kind", "active"]
    list_per_page = 50
    listed_with = ("bank", "area__parent")


class QuizViewSet(AuthoringViewSet):
    model = Quiz
    icon = "tasks"
    list_display = [
        "title",
        "kind",
        "track",
        "pass_mark_percent",
        "attempt_limit",
        "time_limit_minutes",
    ]
    list_filter = ["kind"]
    listed_with = ("track",)


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
