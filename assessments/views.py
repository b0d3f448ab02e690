"""Taking quizzes: start, answer, submit, review. Shared by module quizzes and skill checks.

The views are small classes so that the courses app can reuse them for quizzes
placed in modules, adding what completing a module needs (``after_scored``)
without assessments knowing about courses.
"""

from http import HTTPStatus

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.decorators.cache import never_cache

from .models import Attempt, Quiz
from .selectors import attempt_for_taking, attempt_review, attempt_skill_summary, quiz_statuses
from .services import (
    ATTEMPT_CLOSED,
    INVALID_QUESTION_ID,
    TIME_RAN_OUT,
    UNKNOWN_CHOICE,
    AssessmentError,
    SubmitResult,
    attempt_answer_save,
    attempt_start,
    attempt_submit,
)

SIGNED_OUT_WHILE_SAVING = _(
    "You have been signed out, so this answer was not saved. Your earlier answers are kept: "
    "please sign in again and you will return to this attempt."
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
    # Where a retake starts (``<url>`` with the quiz id); none: no retake link.
    start_url_name = ""

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
        token = [attempt.token]
        return {
            "take": reverse(f"{self.url_namespace}:attempt_take", args=token),
            "autosave": reverse(f"{self.url_namespace}:attempt_autosave", args=token),
            "submit": reverse(f"{self.url_namespace}:attempt_submit", args=token),
            "result": reverse(f"{self.url_namespace}:attempt_result", args=token),
            "start": (
                reverse(self.start_url_name, args=[attempt.quiz_id]) if self.start_url_name else ""
            ),
            "back": reverse(self.back_url_name),
            # After the result: where the learner goes on (a module quiz: the next module).
            "next": reverse(self.back_url_name),
        }

    def render_take(self, attempt, *, selected=None, status=HTTPStatus.OK, **kwargs):
        seconds_left = (
            max(0, int((attempt.deadline - timezone.now()).total_seconds()))
            if attempt.deadline
            else None
        )
        return render(
            self.request,
            "assessments/attempt_take.html",
            {
                "attempt": attempt,
                "quiz": attempt.quiz,
                "questions": attempt_for_taking(attempt=attempt, selected=selected),
                "urls": self.urls(attempt, **kwargs),
                # The server's clock decides; the page counts down from the seconds left.
                "seconds_left": seconds_left,
                "minutes_left": -(-seconds_left // 60) if seconds_left is not None else None,
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


class AttemptAutosaveView(AttemptFlowMixin, View):
    """Save one question's answer as it is given (POST ``question``: the question id,
    ``choice``: the chosen tokens, none for no answer). JSON in reply; the page works
    without it (the submission carries every answer)."""

    http_method_names = ["post"]

    def handle_no_permission(self):
        # Signed out (idle): a JSON answer the page can show, not the sign-in page.
        return JsonResponse({"error": str(SIGNED_OUT_WHILE_SAVING)}, status=HTTPStatus.UNAUTHORIZED)

    def post(self, request, token, **kwargs):
        attempt = self.get_attempt(token, **kwargs)
        try:
            question_id = int(request.POST.get("question", ""))
            if not 0 < question_id < 2**63:
                raise ValueError
        except ValueError:
            return JsonResponse({"error": str(INVALID_QUESTION_ID)}, status=HTTPStatus.BAD_REQUEST)
        try:
            saved = attempt_answer_save(
                user=request.user,
                token=attempt.token,
                question_id=question_id,
                tokens=request.POST.getlist("choice"),
            )
        except AssessmentError as error:
            closed = str(error) in (str(ATTEMPT_CLOSED), str(TIME_RAN_OUT))
            return JsonResponse(
                {
                    "error": str(error),
                    "result": self.urls(attempt, **kwargs)["result"] if closed else "",
                },
                status=HTTPStatus.CONFLICT if closed else HTTPStatus.BAD_REQUEST,
            )
        return JsonResponse(
            {
                "saved": True,
                "answered": saved.answered,
                "total": saved.total,
                "saved_at": timezone.localtime().strftime("%H:%M:%S"),
            }
        )


class AttemptSubmitView(AttemptFlowMixin, View):
    http_method_names = ["get", "post"]

    def get(self, request, token, **kwargs):
        """Back from signing in after the session ended on submitting (the sign-in page's
        ``next`` is this address): the attempt again, with the answers saved so far."""
        attempt = self.get_attempt(token, **kwargs)
        return HttpResponseRedirect(self.urls(attempt, **kwargs)["take"])

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
        status = quiz_statuses(user=request.user, quizzes=[attempt.quiz]).get(attempt.quiz_id)
        return render(
            request,
            "assessments/attempt_result.html",
            {
                "attempt": attempt,
                "quiz": attempt.quiz,
                "questions": attempt_review(attempt=attempt),
                "skill_summary": (
                    attempt_skill_summary(attempt=attempt)
                    if attempt.quiz.kind == Quiz.Kind.SKILL_CHECK
                    else []
                ),
                # A retake while the quiz is published and attempts remain.
                "can_retake": status is not None and status.attempts_left != 0,
                "urls": self.urls(attempt, **kwargs),
            },
        )
