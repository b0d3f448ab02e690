"""開示請求 (disclosure): everything the platform holds about one person.

``person_data_disclose`` is the action: the recorded request (``DisclosureRequest``: on
whose behalf, reference number, purpose), its PERSON_DATA_EXPORTED audit event and the
export, in one transaction; ``person_data_export`` is the read alone, one function per
section. Who may run it and why: docs/security.md.
"""

from django.db import transaction
from django.utils import timezone

from assessments.models import Attempt, Response, SelfAssessment, SkillResult
from courses.models import CourseCompletion, ModuleCompletion
from lms.audit import Actor, audit_record
from lms.models import (
    AuditEvent,
    CandidateEntry,
    Certificate,
    DisclosureRequest,
    LeaderNomination,
    Membership,
    Notice,
    OutgoingMail,
)


def _iso(value):
    return value.isoformat() if value else None


def _person(user) -> dict:
    return {
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
    }


def _memberships(user) -> list[dict]:
    return [
        {
            "department": m.department.name,
            "position": m.position.name,
            "primary": m.is_primary,
            "from": _iso(m.valid_from),
            "to": _iso(m.valid_to),
        }
        for m in Membership.objects.filter(user=user).select_related("department", "position")
    ]


def _module_completions(user) -> list[dict]:
    return [
        {
            "module": c.module.title,
            "fiscal_year_or_0": c.cycle,
            "completed_at": _iso(c.completed_at),
        }
        for c in ModuleCompletion.objects.filter(user=user).select_related("module")
    ]


def _course_completions(user) -> list[dict]:
    return [
        {
            "course": c.course.title,
            "fiscal_year_or_0": c.cycle,
            "completed_at": _iso(c.completed_at),
        }
        for c in CourseCompletion.objects.filter(user=user).select_related("course")
    ]


def _certificates(user) -> list[dict]:
    return [
        {
            "number": c.number_display,
            "kind": c.kind,
            "title": c.title,
            "fiscal_year_or_0": c.cycle,
            "completed_at": _iso(c.completed_at),
            "first_issued_at": _iso(c.issued_at),
        }
        for c in Certificate.objects.filter(user=user).order_by("issued_at", "pk")
    ]


def _attempts(user) -> list[dict]:
    return [
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
    ]


def _answers(user) -> list[dict]:
    return [
        {
            "quiz": r.attempt_question.attempt.quiz.title,
            "question": r.attempt_question.question.text,
            "selected_choice_ids": r.selected_choice_ids,
            "correct": r.is_correct,
        }
        for r in Response.objects.filter(attempt_question__attempt__user=user).select_related(
            "attempt_question__attempt__quiz", "attempt_question__question"
        )
    ]


def _skill_results(user) -> list[dict]:
    return [
        {
            "area": s.area.name,
            "level": s.level,
            "evidence": s.evidence,
            "assessed_at": _iso(s.assessed_at),
        }
        for s in SkillResult.objects.filter(user=user).select_related("area")
    ]


def _self_assessments(user) -> list[dict]:
    return [
        {"area": s.area.name, "rating": s.rating, "assessed_at": _iso(s.assessed_at)}
        for s in SelfAssessment.objects.filter(user=user).select_related("area")
    ]


def _leader_nominations(user) -> list[dict]:
    return [
        {"kind": n.kind, "fiscal_year": n.fiscal_year, "at": _iso(n.created_at)}
        for n in LeaderNomination.objects.filter(user=user)
    ]


def _candidate_reports(user) -> list[dict]:
    return [
        {
            "as_of": _iso(e.run.as_of),
            "department": e.department_name,
            "rank_in_department": e.rank,
            "points": e.score,
            "reasons": e.reasons,
        }
        for e in CandidateEntry.objects.filter(user=user).select_related("run")
    ]


def _notices(user) -> list[dict]:
    return [
        {"message": n.message, "at": _iso(n.created_at)} for n in Notice.objects.filter(user=user)
    ]


def _mail(user) -> list[dict]:
    """Mail the platform sent (or tried to send) them, still in the outbox (its retention)."""
    return [
        {
            "address": m.address,
            "subject": m.subject,
            "body": m.body,
            "status": m.status,
            "queued_at": _iso(m.created_at),
            "sent_at": _iso(m.sent_at),
        }
        for m in OutgoingMail.objects.filter(recipient=user).order_by("created_at", "pk")
    ]


def _directory_links(user) -> list[dict]:
    """The town's directory accounts linked to them, with what the directory last sent."""
    from allauth.socialaccount.models import SocialAccount

    return [
        {
            "directory": a.provider,
            "account": a.uid,
            "linked_at": _iso(a.date_joined),
            "last_sign_in": _iso(a.last_login),
            "claims": a.extra_data,
        }
        for a in SocialAccount.objects.filter(user=user).order_by("pk")
    ]


def _audit_events(user) -> list[dict]:
    return [
        {
            "action": e.action,
            "at": _iso(e.occurred_at),
            "by": e.actor.staff_number if e.actor else None,
        }
        for e in AuditEvent.objects.filter(subject=user).select_related("actor")
    ]


# The export's sections, in the order they appear: each one query or two.
SECTIONS = {
    "person": _person,
    "memberships": _memberships,
    "module_completions": _module_completions,
    "course_completions": _course_completions,
    "certificates": _certificates,
    "attempts": _attempts,
    "answers": _answers,
    "skill_results": _skill_results,
    "self_assessments": _self_assessments,
    "leader_nominations": _leader_nominations,
    "dx_leader_candidate_reports": _candidate_reports,
    "notices": _notices,
    "mail": _mail,
    "directory_links": _directory_links,
    "audit_events_about_this_person": _audit_events,
}


def person_data_export(*, user) -> dict:
    """Everything held about ``user``, as JSON-ready data. A fixed number of queries."""
    return {
        "generated_at": timezone.now().isoformat(),
        **{name: section(user) for name, section in SECTIONS.items()},
    }


def _request(record: DisclosureRequest) -> dict:
    return {
        "reference_number": record.reference_number,
        "received_on": _iso(record.received_on),
        "requested_by": record.requester,
        "representative_or_agent": record.requester_name,
        "purpose_and_grounds": record.reason,
        "recorded_by": record.recorded_by.staff_number,
        "recorded_at": _iso(record.recorded_at),
    }


@transaction.atomic
def person_data_disclose(
    *,
    user,
    actor: Actor,
    organization,
    reference_number: str,
    received_on,
    reason: str,
    requester: str = DisclosureRequest.Requester.SELF,
    requester_name: str = "",
) -> dict:
    """開示請求: record the request, then export everything held about ``user``, audited.

    The request, its PERSON_DATA_EXPORTED event and the read are one transaction: the
    event comes first, so the export lists its own disclosure, and both go away if the
    read fails. The export opens with the request it answers.
    """
    record = DisclosureRequest.objects.create(
        organization=organization,
        subject=user,
        requester=requester,
        requester_name=requester_name,
        reference_number=reference_number,
        received_on=received_on,
        reason=reason,
        recorded_by=actor.user,
    )
    audit_record(
        by=actor,
        action=AuditEvent.Action.PERSON_DATA_EXPORTED,
        subject=user,
        staff_number=user.staff_number,
        disclosure_request=record.pk,
        reference_number=reference_number,
    )
    return {"disclosure_request": _request(record), **person_data_export(user=user)}
