import functools
from http import HTTPStatus

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from assessments.models import Quiz
from assessments.views import (
    AttemptAutosaveView,
    AttemptFlowMixin,
    AttemptResultView,
    AttemptSubmitView,
    AttemptTakeView,
    QuizStartView,
)

from .blocks import quiz_ids_in
from .forms import ATTESTATION_NOT_TICKED, AttestationForm
from .models import (
    CoursePage,
    ModulePage,
    SurveyQuestion,
    has_unpublished_ancestor,
    learner_may_open,
    parent_path,
)
from .services import CompletionError, module_attest, module_complete, prerequisites_refuse
from .surveys import (
    SurveyError,
    SurveyForm,
    min_answers,
    own_answers,
    survey_answer,
    survey_questions,
    survey_skip,
    survey_state,
)


@login_required
@require_POST
def module_complete_view(request, module_id: int):
    """Mark a module complete for the signed-in learner (「学習を完了する」).

    Only ever for ``request.user``: no user id is read from the request. Another town's
    module, or one behind a privacy setting the learner has not passed, is not found.
    """
    module = get_object_or_404(ModulePage.objects.live(), pk=module_id)
    if not learner_may_open(request, module):
        raise Http404
    try:
        result = module_complete(user=request.user, module=module)
    except CompletionError as error:
        messages.error(request, str(error))
        return redirect(module.url)
    return _after_completion(request, result, module)


def _after_completion(request, result, module):
    """Where a learner goes once a module is complete (by the button or by attesting): the
    course's survey at the moment the course is completed, else the next module."""
    _announce(request, result, module)
    if result.course_completed_now and _has_survey(result.course_completion.course_id):
        # The completion moment: the survey is offered at once (it may be skipped).
        return redirect("courses:survey", course_id=result.course_completion.course_id)
    following = module.get_next_siblings().live().type(ModulePage).first()
    return redirect((following or module.get_parent()).url)


def _has_survey(course_id: int) -> bool:
    return SurveyQuestion.objects.filter(page_id=course_id).exists()


@login_required
@require_POST
def module_attest_view(request, module_id: int):
    """「内容を確認し、遵守します」: the signed-in learner attests the module's current version.

    Only ever for ``request.user``; the box must be ticked (a POST without it saves nothing).
    Another town's module, or one behind a privacy setting not passed, is not found.
    """
    module = get_object_or_404(ModulePage.objects.live(), pk=module_id)
    if not learner_may_open(request, module):
        raise Http404
    form = AttestationForm(request.POST)
    if not form.is_valid():
        messages.error(request, str(ATTESTATION_NOT_TICKED))
        return redirect(module.url)
    try:
        result = module_attest(user=request.user, module=module)
    except CompletionError as error:
        messages.error(request, str(error))
        return redirect(module.url)
    if result.completion is not None:
        return _after_completion(request, result.completion, module)
    messages.success(
        request, _("Your attestation is recorded. Pass the quiz to complete this module.")
    )
    return redirect(module.url)


def _announce(request, result, module) -> None:
    """Tell the learner what their completion changed."""
    if result.course_completed_now:
        messages.success(
            request,
            _("You have completed the course “%(course)s”. Well done!")
            % {"course": result.course_completion.course.title},
        )
    elif result.created:
        messages.success(request, _("“%(module)s” is complete.") % {"module": module.title})
    else:
        messages.info(
            request, _("You had already completed “%(module)s”.") % {"module": module.title}
        )


class ModuleQuizMixin(AttemptFlowMixin):
    """A quiz placed in a module: its attempts belong to the module, and passing completes it.

    While the module's course waits for its prerequisites (``courses/prerequisites.py``),
    every step (start, take, answer, submit, result) is refused here, on the server: a typed
    address or a POST is sent back to the module page with what to complete first.
    """

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            module = self.get_module(kwargs["module_id"])
            course = CoursePage.objects.get(path=parent_path(module.path))
            # The module's parent for ``urls`` (``get_parent``), read once per request.
            module._cached_parent_obj = course
            try:
                prerequisites_refuse(user=request.user, course=course)
            except CompletionError as error:
                if isinstance(self, AttemptAutosaveView):
                    return JsonResponse({"error": str(error)}, status=HTTPStatus.FORBIDDEN)
                messages.error(request, str(error))
                return redirect(module.url)
        return super().dispatch(request, *args, **kwargs)

    def get_module(self, module_id) -> ModulePage:
        if not hasattr(self, "_module"):
            module = get_object_or_404(ModulePage.objects.live(), pk=module_id)
            if has_unpublished_ancestor(module) or not learner_may_open(self.request, module):
                raise Http404
            self._module = module
        return self._module

    def attempt_context(self, **kwargs) -> str:
        return f"module:{self.get_module(kwargs['module_id']).id}"

    def urls(self, attempt, **kwargs) -> dict[str, str]:
        module = self.get_module(kwargs["module_id"])
        args = [module.id, attempt.token]

        @functools.cache
        def following_url() -> str:
            following = module.get_next_siblings().live().type(ModulePage).first()
            return (following or module.get_parent()).url

        return {
            "take": reverse("courses:module_quiz_take", args=args),
            "autosave": reverse("courses:module_quiz_autosave", args=args),
            "submit": reverse("courses:module_quiz_submit", args=args),
            "result": reverse("courses:module_quiz_result", args=args),
            "start": reverse("courses:module_quiz_start", args=[module.id, attempt.quiz_id]),
            "back": module.url,
            # The next module, or after the course's last one the course page (which
            # leads on to the next course of the track). Read only where a page shows it
            # (the take and result pages), not for the redirects of start and submit.
            "next": lazy(following_url, str)(),
        }


class ModuleQuizStartView(ModuleQuizMixin, QuizStartView):
    def get_quiz(self, **kwargs) -> Quiz:
        module = self.get_module(kwargs["module_id"])
        if kwargs["quiz_id"] not in quiz_ids_in(module.body):
            raise Http404
        return get_object_or_404(Quiz, pk=kwargs["quiz_id"], kind=Quiz.Kind.QUIZ)

    def failure_url(self, **kwargs) -> str:
        return self.get_module(kwargs["module_id"]).url


class ModuleQuizTakeView(ModuleQuizMixin, AttemptTakeView):
    pass


class ModuleQuizAutosaveView(ModuleQuizMixin, AttemptAutosaveView):
    pass


class ModuleQuizSubmitView(ModuleQuizMixin, AttemptSubmitView):
    def after_scored(self, result, **kwargs) -> None:
        if not result.attempt.passed:
            return
        module = self.get_module(kwargs["module_id"])
        try:
            completion = module_complete(
                user=self.request.user, module=module, via_attempt=result.attempt
            )
        except CompletionError as error:
            messages.error(self.request, str(error))
            return
        _announce(self.request, completion, module)
        if completion.course_completed_now and _has_survey(completion.course_completion.course_id):
            messages.info(
                self.request,
                _("Please answer the short survey about the course (it takes a minute)."),
            )


class ModuleQuizResultView(ModuleQuizMixin, AttemptResultView):
    pass


def _survey_course(course_id: int) -> CoursePage:
    course = get_object_or_404(CoursePage.objects.live(), pk=course_id)
    if has_unpublished_ancestor(course):
        raise Http404
    return course


@login_required
@never_cache
def survey_view(request, course_id: int):
    """受講後アンケート for the signed-in learner: open once they completed the course in
    this cycle; after answering, their own answers (to them alone). Everyone else: 404."""
    course = _survey_course(course_id)
    state = survey_state(user=request.user, course=course)
    if not state.has_survey or not state.completed:
        raise Http404
    questions = survey_questions(course)
    if state.answered:
        return render(
            request,
            "courses/survey.html",
            {
                "course": course,
                "state": state,
                "mine": own_answers(user=request.user, course=course, cycle=state.cycle),
            },
        )
    form = SurveyForm(request.POST if request.method == "POST" else None, questions=questions)
    if request.method == "POST" and form.is_valid():
        try:
            survey_answer(user=request.user, course=course, answers=form.answers())
        except SurveyError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Thank you for answering the survey."))
        return redirect("courses:survey", course_id=course.pk)
    return render(
        request,
        "courses/survey.html",
        {"course": course, "state": state, "form": form, "threshold": min_answers()},
    )


@login_required
@require_POST
def survey_skip_view(request, course_id: int):
    """「回答しない」: the course page stops offering the survey (it stays open to answer)."""
    course = _survey_course(course_id)
    try:
        survey_skip(user=request.user, course=course)
    except SurveyError as error:
        messages.error(request, str(error))
    else:
        messages.info(
            request, _("You skipped the survey. You can still answer it from the course page.")
        )
    return redirect(course.url)


@login_required
@never_cache
def search_view(request):
    """検索: the tracks, courses and modules the learner may read, and the glossary."""
    from .search import search_for_learner

    outcome = search_for_learner(
        request=request, query=request.GET.get("q", ""), page_number=request.GET.get("page", 1)
    )
    return render(request, "courses/search.html", {"search": outcome})
