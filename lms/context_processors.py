from django.conf import settings
from django.urls import reverse

from lms.people.roles import Role, user_has_role


def navigation(request):
    """Which dashboards the signed-in person may open (for the header menu)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"shinka_nav": {}}
    return {
        "shinka_nav": {
            "hr": any(user_has_role(user, role) for role in (Role.HR, Role.DEPT_HEAD, Role.ADMIN)),
            "it_policy": any(user_has_role(user, role) for role in (Role.IT_POLICY, Role.ADMIN)),
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
