from django.conf import settings
from django.urls import reverse

from lms.people.permissions import can_open_admin, can_read_surveys
from lms.people.roles import Role, user_has_role

# Which header menu item a page belongs to (by URL name), for aria-current="page".
_SECTIONS = {
    "mypage": "mypage",
    "profile": "profile",
    "skills": "skills",
    "volunteer": "skills",
    "skill_check_start": "skills",
    "hr_dashboard": "hr",
    "department_dashboard": "hr",
    "year_end_index": "hr",
    "year_end": "hr",
    "year_end_close": "hr",
    "year_end_rollover": "hr",
    "report_request": "hr",
    "report_detail": "hr",
    "report_rebuild": "hr",
    "it_dashboard": "it_policy",
    "leader_criteria": "it_policy",
    "survey_index": "surveys",
    "survey_result": "surveys",
}


def _section(request) -> str:
    match = getattr(request, "resolver_match", None)
    if match is None:
        return ""
    if match.url_name in _SECTIONS and match.namespace == "lms":
        return _SECTIONS[match.url_name]
    if request.path == "/":
        return "catalogue"
    return ""


def navigation(request):
    """Which dashboards the signed-in person may open (for the header menu), and where they are."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"shinka_nav": {}}
    return {
        "shinka_nav": {
            "hr": any(user_has_role(user, role) for role in (Role.HR, Role.DEPT_HEAD, Role.ADMIN)),
            "it_policy": any(user_has_role(user, role) for role in (Role.IT_POLICY, Role.ADMIN)),
            "surveys": can_read_surveys(user),
            "admin": can_open_admin(user),
            "current": _section(request),
        }
    }


def session_timeout(request):
    """For pages that warn before the idle sign-out (the quiz page): how long a session
    may idle, when to warn, and where 「ログインを続ける」 posts."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"shinka_session": {}}
    return {
        "shinka_session": {
            "extend_url": reverse("lms:session_extend"),
            "idle_seconds": settings.SHINKA_SESSION_IDLE_MINUTES * 60,
            "warning_seconds": settings.SHINKA_SESSION_WARNING_SECONDS,
        }
    }
