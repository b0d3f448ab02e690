"""Personal-data hygiene: disclosure (開示請求) and anonymisation of former staff.

The export gathers everything the platform holds about one person. The
anonymisation keeps the learning records (so statistics stay true) but removes
what identifies the person, once they have left and the retention period has
passed. Both are written to the audit log by the views that call them.
"""

import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assessments.models import Attempt, Response, SelfAssessment, SkillResult
from courses.models import CourseCompletion, ModuleCompletion

from .models import AuditEvent, CandidateEntry, LeaderNomination, Membership, Notice

STILL_EMPLOYED = _("Only former staff (deactivated accounts) can be anonymised.")
RETENTION_NOT_PASSED = _(
    "The retention period has not passed yet: "
    "this person's records can be anonymised from %(date)s."
)


class PrivacyError(Exception):
    pass


def _iso(value):
    return value.isoformat() if value else None


def person_data_export(*, user) -> dict:
    """Everything held about ``user``, as JSON-ready data. A fixed number of queries."""
    return {
        "generated_at": timezone.now().isoformat(),
        "person": {
            "staff_number": user.staff_number,
            "family_name": user.family_name,
            "given_name": user.given_name,
            "family_name_kana": user.family_name_kana,
            "given_name_kana": user.given_name_kana,
            "email": user.email,
            "interests": user.interests,
            "is_active": user.is_active,
            "date_joined": _iso(user.date_joined),
            "last_login": _iso(user.last_login),
            "roles": sorted(user.groups.values_list("name", flat=True)),
        },
        "memberships": [
            {
                "department": m.department.name,
                "position": m.position.name,
                "primary": m.is_primary,
                "from": _iso(m.valid_from),
                "to": _iso(m.valid_to),
            }
            for m in Membership.objects.filter(user=user).select_related("department", "position")
        ],
        "module_completions": [
            {
                "module": c.module.title,
                "fiscal_year_or_0": c.cycle,
                "completed_at": _iso(c.completed_at),
            }
            for c in ModuleCompletion.objects.filter(user=user).select_related("module")
        ],
        "course_completions": [
            {
                "course": c.course.title,
                "fiscal_year_or_0": c.cycle,
                "completed_at": _iso(c.completed_at),
            }
            for c in CourseCompletion.objects.filter(user=user).select_related("course")
        ],
        "attempts": [
            {
                "quiz": a.quiz.title,
                "number": a.number,
                "status": a.status,
                "started_at": _iso(a.started_at),
                "submitted_at": _iso(a.submitted_at),
                "correct": a.correct_count,
                "questions": a.question_count,
                "passed": a.passed,
            }
            for a in Attempt.objects.filter(user=user).select_related("quiz")
        ],
        "answers": [
            {
                "quiz": r.attempt_question.attempt.quiz.title,
                "question": r.attempt_question.question.text,
                "selected_choice_ids": r.selected_choice_ids,
                "correct": r.is_correct,
            }
            for r in Response.objects.filter(attempt_question__attempt__user=user).select_related(
                "attempt_question__attempt__quiz", "attempt_question__question"
            )
        ],
        "skill_results": [
            {
                "area": s.area.name,
                "level": s.level,
                "evidence": s.evidence,
                "assessed_at": _iso(s.assessed_at),
            }
            for s in SkillResult.objects.filter(user=user).select_related("area")
        ],
        "self_assessments": [
            {"area": s.area.name, "rating": s.rating, "assessed_at": _iso(s.assessed_at)}
            for s in SelfAssessment.objects.filter(user=user).select_related("area")
        ],
        "leader_nominations": [
            {"kind": n.kind, "fiscal_year": n.fiscal_year, "at": _iso(n.created_at)}
            for n in LeaderNomination.objects.filter(user=user)
        ],
        "dx_leader_candidate_reports": [
            {
                "as_of": _iso(e.run.as_of),
                "department": e.department_name,
                "rank_in_department": e.rank,
                "points": e.score,
                "reasons": e.reasons,
            }
            for e in CandidateEntry.objects.filter(user=user).select_related("run")
        ],
        "notices": [
            {"message": n.message, "at": _iso(n.created_at)}
            for n in Notice.objects.filter(user=user)
        ],
        "audit_events_about_this_person": [
            {
                "action": e.action,
                "at": _iso(e.occurred_at),
                "by": e.actor.staff_number if e.actor else None,
            }
            for e in AuditEvent.objects.filter(subject=user).select_related("actor")
        ],
    }


def anonymisable_from(user) -> datetime.date:
    """The first day ``user``'s identity may be removed: retention after their last post."""
    last_day = Membership.objects.filter(user=user).aggregate(last=Max("valid_to"))["last"]
    if Membership.objects.filter(user=user, valid_to__isnull=True).exists() or last_day is None:
        last_day = timezone.localdate()
    return last_day + datetime.timedelta(days=settings.SHINKA_PERSONAL_DATA_RETENTION_DAYS)


@transaction.atomic
def person_anonymise(*, user, today: datetime.date | None = None) -> None:
    """Remove what identifies a former member of staff; keep their learning records."""
    today = today or timezone.localdate()
    if user.is_active:
        raise PrivacyError(STILL_EMPLOYED)
    allowed_from = anonymisable_from(user)
    if today < allowed_from:
        raise PrivacyError(RETENTION_NOT_PASSED % {"date": allowed_from.isoformat()})
    user.staff_number = f"anon-{user.pk}"
    user.family_name = "匿名化済み"
    user.given_name = ""
    user.family_name_kana = ""
    user.given_name_kana = ""
    user.email = f"anon-{user.pk}@invalid.example"
    user.interests = ""
    user.set_unusable_password()
    user.save()
    user.groups.clear()
    Notice.objects.filter(user=user).delete()
    # Candidate reports keep their ranking, without the name.
    CandidateEntry.objects.filter(user=user).update(
        staff_number=user.staff_number, name=user.family_name
    )
    SelfAssessment.objects.filter(user=user).delete()
