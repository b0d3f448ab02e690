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
