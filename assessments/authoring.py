"""Who may author which question bank, question and quiz in the Wagtail admin.

- Holders of ``assessments.manage_all_banks`` (IT policy; superusers) author everything:
  every bank, question and quiz, skill checks included, and they alone give banks and
  quizzes to tracks and decide what a bank is used in.
- Any other author (a DX promotion leader) works on the module-quiz banks, their
  questions and the module quizzes of the tracks whose pages they may edit, by the
  same Wagtail page permissions that let them edit the track. Skill-check banks, their
  questions and skill checks are hidden from them: they take skill checks themselves.

The querysets below are the one home of that rule: the snippet screens list, open and
offer in choosers only what they return (``wagtail_hooks.py``), and
``AuthoringPermissionPolicy`` allows actions only on those objects. Model permissions
(add, change, publish, …) still apply on top: a DX promotion leader may change but not
publish, so every change waits for IT policy's approval in the review workflow.
"""

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db.models import CharField, Model, Q, QuerySet
from django.db.models.functions import Cast
from wagtail.models import Page
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import page_permission_policy
from wagtail.snippets.widgets import AdminSnippetChooser

from .models import MANAGE_ALL_BANKS, Question, QuestionBank, Quiz


def manages_all_banks(user) -> bool:
    return user.is_active and user.has_perm(MANAGE_ALL_BANKS)


def editable_pages(user) -> QuerySet[Page]:
    """The pages (tracks and everything below them) the user may edit."""
    return page_permission_policy.instances_user_has_permission_for(user, "change")


def may_edit_page(user, page: Page) -> bool:
    return editable_pages(user).filter(pk=page.pk).exists()


def banks_for(user) -> QuerySet[QuestionBank]:
    if manages_all_banks(user):
        return QuestionBank.objects.all()
    return QuestionBank.objects.filter(
        kind=Quiz.Kind.QUIZ, track__in=editable_pages(user).values("pk")
    )


def questions_for(user) -> QuerySet[Question]:
    if manages_all_banks(user):
        return Question.objects.all()
    return Question.objects.filter(bank__in=banks_for(user).values("pk"))


def quizzes_for(user) -> QuerySet[Quiz]:
    if manages_all_banks(user):
        return Quiz.objects.all()
    return Quiz.objects.filter(kind=Quiz.Kind.QUIZ, track__in=editable_pages(user).values("pk"))


SCOPES = {QuestionBank: banks_for, Question: questions_for, Quiz: quizzes_for}


def authorable(model: type[Model], user) -> QuerySet:
    """The objects of ``model`` (bank, question or quiz) that ``user`` may see and author."""
    return SCOPES[model](user)


def may_author(user, instance: Model) -> bool:
    return authorable(type(instance), user).filter(pk=instance.pk).exists()


def log_entries_not_authorable(user) -> Q:
    """The Wagtail log entries (``ModelLogEntry``) of banks, questions and quizzes that
    ``user`` may not author. Wagtail's site history filters by content type only, and each
    entry carries the object's label (the first 60 characters of a question)."""
    if manages_all_banks(user):
        return Q(pk__in=[])
    hidden = Q(pk__in=[])
    for model in SCOPES:
        ids = authorable(model, user).annotate(id_text=Cast("pk", CharField())).values("id_text")
        hidden |= Q(content_type=ContentType.objects.get_for_model(model)) & ~Q(object_id__in=ids)
    return hidden


class AuthorableChooser(AdminSnippetChooser):
    """A snippet chooser that names only what the user may author.

    Wagtail's chooser looks up whatever id it is given to show its title, so a form sent
    back with an error would name any question whose id was typed into the POST (a
    skill-check question included). This one shows such an id as nothing chosen, and its
    field refuses it as not a valid choice."""

    def __init__(self, model, *, queryset: QuerySet, **kwargs):
        self.queryset = queryset
        super().__init__(model, **kwargs)

    def get_instance(self, value):
        if value is None or value == "":
            return None
        pk = value.pk if isinstance(value, self.model_class) else value
        try:
            return self.queryset.filter(pk=pk).first()
        except (ValueError, TypeError, OverflowError, ValidationError):
            return None


def limit_chooser(field, queryset: QuerySet) -> None:
    """Offer, accept and name in ``field`` (a snippet chooser) only ``queryset``."""
    field.queryset = queryset
    field.widget = AuthorableChooser(queryset.model, queryset=queryset)


class AuthoringPermissionPolicy(ModelPermissionPolicy):
    """Model permissions, narrowed to the objects the user may author (``authorable``).

    Banks are created by IT policy only, since only IT policy gives a bank to a track.
    """

    def user_has_permission(self, user, action):
        if action == "add" and self.model is QuestionBank and not manages_all_banks(user):
            return False
        return super().user_has_permission(user, action)

    def user_has_any_permission(self, user, actions):
        return any(self.user_has_permission(user, action) for action in actions)

    def user_has_permission_for_instance(self, user, action, instance):
        return self.user_has_permission(user, action) and may_author(user, instance)

    def user_has_any_permission_for_instance(self, user, actions, instance):
        return self.user_has_any_permission(user, actions) and may_author(user, instance)

    def instances_user_has_any_permission_for(self, user, actions):
        if not self.user_has_any_permission(user, actions):
            return self.model._default_manager.none()
        return authorable(self.model, user)


def register_permission_policies() -> None:
    """Called once at start-up (``AssessmentsConfig.ready``), before any policy is looked up."""
    from wagtail.permissions import register_permission_policy

    for model in SCOPES:
        register_permission_policy(model, AuthoringPermissionPolicy(model), exact_class=True)
