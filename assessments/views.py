"""Taking quizzes: start, answer, submit, review. Shared by module quizzes and skill checks.

The views are small classes so that the courses app can reuse them for quizzes
placed in modules, adding what completing a module needs (``after_scored``)
without assessments knowing about courses.
"""

from http import HTTPStatus

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.cache import never_cache

from .models import Attempt, Quiz
from .selectors import attempt_for_taking, attempt_review
from .services import (
    TIME_RAN_OUT,
    UNKNOWN_CHOICE,
    AssessmentError,
    SubmitResult,
    attempt_start,
    attempt_submit,
)


def parse_answers(post) -> dict[int, list[str]]:
    """``q<question id>`` → the tokens of the chosen choices (checked by the service).

    A malformed question key is refused as tampered.
    """
    answers = {}
    for key in post:
        if not key.startswith("q"):
            continue
        try:
            question_id = int(key[1:])
        except ValueError:
            raise AssessmentError(UNKNOWN_CHOICE) from None
        answers[question_id] = post.getlist(key)
    return answers


@method_decorator(never_cache, name="dispatch")
class AttemptFlowMixin(LoginRequiredMixin):
    """Where an attempt belongs and where its pages are.

    The URLconf that mounts these views names them ``<url_namespace>:attempt_take``,
    ``…:attempt_submit`` and ``…:attempt_result``, and gives ``back_url_name``
    for the page the learner came from. Override ``urls`` for other shapes.
    """

    url_namespace = ""
    back_url_name = ""

    def attempt_context(self, **kwargs) -> str:
        return ""

    def get_attempt(self, token, **kwargs) -> Attempt:
        """The signed-in learner's own attempt; anyone else's token is a 404."""
        return get_object_or_404(
            Attempt.objects.select_related("quiz"),
            token=token,
            user=self.request.user,
            context=self.attempt_context(**kwargs),
        )

    def urls(self, attempt: Attempt, **kwargs) -> dict[str, str]:
        return {
            "take": reverse(f"{self.url_namespace}:attempt_take", args=[attempt.token]),
            "submit": reverse(f"{self.url_namespace}:attempt_submit", args=[attempt.token]),
            "result": reverse(f"{self.url_namespace}:attempt_result", args=[attempt.token]),
            "back": reverse(self.back_url_name),
        }

    def render_take(self, attempt, *, selected=None, status=HTTPStatus.OK, **kwargs):
        return render(
            self.request,
            "assessments/attempt_take.html",
            {
                "attempt": attempt,
                "quiz": attempt.quiz,
                "questions": attempt_for_taking(attempt=attempt, selected=selected),
                "urls": self.urls(attempt, **kwargs),
            },
            status=status,
        )


class QuizStartView(AttemptFlowMixin, View):
    http_method_names = ["post"]

    def get_quiz(self, **kwargs) -> Quiz:
        return get_object_or_404(Quiz, pk=kwargs["quiz_id"], kind=Quiz.Kind.SKILL_CHECK)

    def failure_url(self, **kwargs) -> str:
        return reverse(self.back_url_name)

    def post(self, request, **kwargs):
        quiz = self.get_quiz(**kwargs)
        try:
            attempt = attempt_start(
                user=request.user, quiz=quiz, context=self.attempt_context(**kwargs)
            )
        except AssessmentError as error:
            messages.error(request, str(error))
            return HttpResponseRedirect(self.failure_url(**kwargs))
        return HttpResponseRedirect(self.urls(attempt, **kwargs)["take"])


class AttemptTakeView(AttemptFlowMixin, View):
    def get(self, request, token, **kwargs):
        attempt = self.get_attempt(token, **kwargs)
        if attempt.status != Attempt.Status.IN_PROGRESS:
            return HttpResponseRedirect(self.urls(attempt, **kwargs)["result"])
        return self.render_take(attempt, **kwargs)


class AttemptSubmitView(AttemptFlowMixin, View):
    http_method_names = ["post"]

    def after_scored(self, result: SubmitResult, **kwargs) -> None:
        """Hook for what follows a freshly scored attempt (e.g. completing a module)."""

    def post(self, request, token, **kwargs):
        attempt = self.get_attempt(token, **kwargs)
        try:
            answers = parse_answers(request.POST)
            result = attempt_submit(user=request.user, token=attempt.token, answers=answers)
        except AssessmentError as error:
            messages.error(request, str(error))
            return self.render_take(attempt, status=HTTPStatus.BAD_REQUEST, **kwargs)
        if result.late:
            messages.error(request, str(TIME_RAN_OUT))
        elif result.scored_now:
            self.after_scored(result, **kwargs)
        return HttpResponseRedirect(self.urls(result.attempt, **kwargs)["result"])


class AttemptResultView(AttemptFlowMixin, View):
    def get(self, request, token, **kwargs):
        attempt = self.get_attempt(token, **kwargs)
        if attempt.status == Attempt.Status.IN_PROGRESS:
            return HttpResponseRedirect(self.urls(attempt, **kwargs)["take"])
        return render(
            request,
            "assessments/attempt_result.html",
            {
                "attempt": attempt,
                "quiz": attempt.quiz,
                "questions": attempt_review(attempt=attempt),
                "urls": self.urls(attempt, **kwargs),
            },
        )
