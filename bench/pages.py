"""Server time and query count of the pages staff, HR and IT policy open most."""

import time
from dataclasses import dataclass
from http import HTTPStatus

from django.test import Client
from django.urls import reverse

from courses.models import ModulePage
from lms.models import User
from lms.people.roles import Role

from .measure import count_queries

PAGES = ("mypage", "module", "hr_dashboard", "it_dashboard")


@dataclass
class PageVisit:
    name: str
    user: User
    url: str


def visits(*, organization) -> list[PageVisit]:
    """The same kind of person and page at every size: a member of staff with progress
    opening the quiz module of the first course; the organisation's HR and IT officers."""
    people = User.objects.filter(
        memberships__department__organization=organization, is_active=True
    ).distinct()
    hr = people.filter(groups__name=Role.HR).order_by("pk").first()
    it_policy = people.filter(groups__name=Role.IT_POLICY).order_by("pk").first()
    staff = (
        people.exclude(groups__name__in=[Role.HR, Role.IT_POLICY, Role.DEPT_HEAD])
        .filter(module_completions__isnull=False)
        .order_by("pk")
        .first()
    )
    module = ModulePage.objects.live().order_by("path")[4]  # last of the first course: the quiz
    return [
        PageVisit("mypage", staff, reverse("lms:mypage")),
        PageVisit("module", staff, module.url),
        PageVisit("hr_dashboard", hr, reverse("lms:hr_dashboard")),
        PageVisit("it_dashboard", it_policy, reverse("lms:it_dashboard")),
    ]


class Browser:
    """A signed-in test client per person, reused so every measured request is warm."""

    def __init__(self):
        self.clients: dict[int, Client] = {}

    def get(self, visit: PageVisit) -> tuple[float, int]:
        client = self.clients.get(visit.user.pk)
        if client is None:
            client = self.clients[visit.user.pk] = Client(raise_request_exception=True)
            client.force_login(visit.user)
        with count_queries() as queries:
            started = time.perf_counter()
            response = client.get(visit.url)
            elapsed = time.perf_counter() - started
        if response.status_code != HTTPStatus.OK:
            raise RuntimeError(f"{visit.name} answered {response.status_code} ({visit.url})")
        return elapsed, queries.count
