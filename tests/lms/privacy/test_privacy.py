import datetime
import json
from http import HTTPStatus

import pytest
from django.urls import reverse

from courses.services import module_complete
from lms.audit import Actor
from lms.factories import MembershipFactory, UserFactory
from lms.models import AuditEvent, CandidateEntry, ReportRun
from lms.people.roles import Role
from lms.privacy.anonymisation import PrivacyError, person_anonymise
from lms.privacy.disclosure import person_data_export


def test_export_holds_everything_about_the_person(make_course, make_staff):
    person = make_staff("mado")
    _, _, (module, *_) = make_course()
    module_complete(user=person, module=module)

    data = person_data_export(user=person)

    assert data["person"]["staff_number"] == person.staff_number
    assert data["module_completions"][0]["module"] == module.title
    assert data["memberships"][0]["department"] == "窓口係"


def test_hr_exports_and_it_is_audited(client, make_staff):
    person = make_staff("mado")
    client.force_login(make_staff("jinji", roles=[Role.HR]))

    response = client.post(
        reverse("lms:person_export", args=[person.pk]),
        {
            "reference_number": "R8-開示-001",
            "received_on": "2026-11-20",
            "requester": "self",
            "reason": "本人からの開示請求",
        },
    )

    assert response.status_code == HTTPStatus.OK
    assert json.loads(response.content)["person"]["email"] == person.email
    assert AuditEvent.objects.filter(action="person_data_exported", subject=person).exists()


@pytest.mark.parametrize("role", [None, Role.DEPT_HEAD, Role.IT_POLICY, Role.DX_LEADER])
def test_only_hr_exports(client, make_staff, role):
    person = make_staff("mado")
    client.force_login(make_staff("jumin", "kacho", roles=[role] if role else []))

    assert client.get(reverse("lms:person_export", args=[person.pk])).status_code == 404


def test_anonymisation_waits_for_the_retention_period(leaver):
    leaver.interests = "RPAの導入を担当しました。"
    leaver.save()
    with pytest.raises(PrivacyError):
        person_anonymise(user=leaver, actor=Actor(), today=datetime.date(2024, 1, 1))

    person_anonymise(user=leaver, actor=Actor(), today=datetime.date(2026, 11, 28))

    leaver.refresh_from_db()
    assert leaver.family_name == "匿名化済み" and leaver.staff_number == f"anon-{leaver.pk}"
    assert leaver.interests == ""  # free text may name the person
    assert leaver.memberships.exists()  # learning records and history stay for statistics


def _candidate_entry(user, department, organization):
    run = ReportRun.objects.create(
        organization=organization, kind="dx_candidates", fiscal_year=2019,
        as_of=datetime.date(2019, 11, 1), trigger="command", status=ReportRun.Status.READY,
    )  # fmt: skip
    return CandidateEntry.objects.create(
        run=run, position=0, user=user, department=department, department_name=department.name,
        rank=1, staff_number=user.staff_number, name=user.get_full_name(), score=7,
        reasons="データ活用 上級",
    )  # fmt: skip


def test_candidate_reports_that_listed_the_person_are_disclosed_then_anonymised(
    leaver, departments, organization
):
    entry = _candidate_entry(leaver, departments["mado"], organization)

    disclosed = person_data_export(user=leaver)["dx_leader_candidate_reports"]
    person_anonymise(user=leaver, actor=Actor(), today=datetime.date(2026, 11, 28))

    assert disclosed == [
        {"as_of": "2019-11-01", "department": "窓口係", "rank_in_department": 1, "points": 7,
         "reasons": "データ活用 上級"}
    ]  # fmt: skip
    entry.refresh_from_db()
    assert (entry.staff_number, entry.name) == (f"anon-{leaver.pk}", "匿名化済み")
    assert entry.score == 7  # the ranking stays, without the name


def test_current_staff_cannot_be_anonymised(make_staff):
    with pytest.raises(PrivacyError):
        person_anonymise(user=make_staff("mado"), actor=Actor())


def test_hr_anonymises_a_former_member_from_their_page(client, make_staff, leaver):
    client.force_login(make_staff("jinji", roles=[Role.HR]))

    page = client.get(reverse("lms:person_progress", args=[leaver.pk]))
    response = client.post(reverse("lms:person_anonymise", args=[leaver.pk]))

    assert page.status_code == HTTPStatus.OK
    assert response.status_code == HTTPStatus.FOUND
    leaver.refresh_from_db()
    assert leaver.family_name == "匿名化済み"
    assert (
        AuditEvent.objects.get(action="person_anonymised").detail["former_staff_number"] == "9900"
    )


def test_hr_of_another_town_cannot_export_or_anonymise(client, make_staff, positions):
    from lms.factories import DepartmentFactory

    elsewhere = UserFactory(is_active=False)
    MembershipFactory(
        user=elsewhere, department=DepartmentFactory(code="OTHER"), position=positions["shuji"]
    )
    client.force_login(make_staff("jinji", roles=[Role.HR]))

    assert client.get(reverse("lms:person_export", args=[elsewhere.pk])).status_code == 404
    assert client.post(reverse("lms:person_anonymise", args=[elsewhere.pk])).status_code == 404
