"""確認・同意の記録 (issue 19): HR reads who of the town attested a module's current version
and when; the list is checked against the raw attestation rows by the rule as
lms/reporting/attestations.py states it, with another town's people and modules, a lesser
role, a typed id, and the CSV's audit event."""

import csv
import datetime
import io
from http import HTTPStatus

import pytest
from django.urls import reverse
from wagtail.models import Page, Site

from courses.factories import (
    CoursePageFactory,
    LearningHomePageFactory,
    ModulePageFactory,
    TrackPageFactory,
)
from courses.fiscal import end_of_day, fiscal_year_of, local_today
from courses.models import ModuleAttestation
from lms.models import AuditEvent, Membership
from lms.people.roles import Role

pytestmark = pytest.mark.django_db
TOKYO = datetime.timezone(datetime.timedelta(hours=9))


def at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=TOKYO)


@pytest.fixture
def policy(make_course):
    """情報セキュリティポリシー: a module asking for attestation, now at version 2."""
    track, course, (module,) = make_course(modules=1)
    module.requires_attestation = True
    module.attestation_version = 2
    module.title = "情報セキュリティポリシーの確認"
    module.save_revision().publish()
    return module


@pytest.fixture
def neighbour(other_town, make_staff, learning_home):
    town = other_town["organization"]
    home = LearningHomePageFactory(parent=Page.get_first_root_node(), slug="tonari")
    town.site = Site.objects.create(hostname="tonari.example", root_page=home)
    town.save()
    course = CoursePageFactory(parent=TrackPageFactory(parent=home))
    module = ModulePageFactory(parent=course, requires_attestation=True)
    member = make_staff(other_town["jumin"], staff_number="M1", family_name="隣町")
    return {"town": town, "module": module, "member": member}


def expected(module, organization, day):
    """The rule from the raw rows: everyone with a post in the town on ``day``; current if a
    row of the current version and cycle was made by the end of the day, earlier if any
    other row of the module was, else missing."""
    cycle = 0  # the fixtures' courses are not annual
    people = {
        m.user_id
        for m in Membership.objects.all()
        if m.department.organization_id == organization.pk
        and m.valid_from <= day
        and (m.valid_to is None or m.valid_to >= day)
    }
    result = {}
    for user_id in people:
        rows = [
            a
            for a in ModuleAttestation.objects.filter(user_id=user_id, module=module)
            if a.attested_at < end_of_day(day)
        ]
        if any(a.version == module.attestation_version and a.cycle == cycle for a in rows):
            result[user_id] = "current"
        elif rows:
            result[user_id] = "earlier"
        else:
            result[user_id] = "missing"
    return result


def test_hr_sees_each_person_of_the_town_as_the_rows_say(
    client, make_staff, policy, neighbour, organization
):
    today = local_today()
    hr = make_staff("jinji", roles=[Role.HR], staff_number="H1")
    current = make_staff("mado", staff_number="A1", family_name="最新")
    earlier = make_staff("mado", staff_number="A2", family_name="旧版")
    missing = make_staff("jumin", staff_number="A3", family_name="未確認")
    ModuleAttestation.objects.create(
        user=current, module=policy, version=2, cycle=0, attested_at=at(today, 9)
    )
    ModuleAttestation.objects.create(
        user=current,
        module=policy,
        version=1,
        cycle=0,
        attested_at=at(today - datetime.timedelta(days=400)),
    )
    ModuleAttestation.objects.create(
        user=earlier,
        module=policy,
        version=1,
        cycle=0,
        attested_at=at(today - datetime.timedelta(days=30)),
    )
    # Another town's person attested (another town's module): never listed.
    ModuleAttestation.objects.create(
        user=neighbour["member"],
        module=neighbour["module"],
        version=1,
        cycle=0,
        attested_at=at(today),
    )
    client.force_login(hr)

    index = client.get(reverse("lms:attestations")).content.decode()
    assert policy.title in index and neighbour["module"].title not in index
    page = client.get(reverse("lms:attestation_list", args=[policy.pk]))
    assert page.status_code == HTTPStatus.OK
    body = page.content.decode()

    oracle = expected(policy, organization, today)
    assert oracle[current.pk] == "current" and oracle[earlier.pk] == "earlier"
    assert oracle[missing.pk] == "missing"
    listed = {person.pk: person.status for person in page.context["people"]}
    assert listed == oracle
    assert "隣町" not in body and neighbour["member"].staff_number not in body.split("<main")[1]
    counts = page.context["records"].counts
    assert counts == {s: list(oracle.values()).count(s) for s in ("current", "earlier", "missing")}
    assert "最新版を確認済み" in body and "旧版のみ確認" in body and "未確認" in body

    missing_only = client.get(
        reverse("lms:attestation_list", args=[policy.pk]), {"status": "missing"}
    )
    assert {p.pk for p in missing_only.context["people"]} == {
        pk for pk, status in oracle.items() if status == "missing"
    }


def test_the_csv_lists_everyone_in_japan_time_and_is_audited(
    client, make_staff, policy, organization
):
    today = local_today()
    hr = make_staff("jinji", roles=[Role.HR], staff_number="H1")
    person = make_staff("mado", staff_number="A1", family_name="確認")
    # 23:30 in Japan is 14:30 UTC: the file says the Japanese time.
    late = datetime.datetime.combine(today, datetime.time(0, 30), tzinfo=TOKYO)
    ModuleAttestation.objects.create(
        user=person, module=policy, version=2, cycle=0, attested_at=late
    )
    client.force_login(hr)

    response = client.get(reverse("lms:attestation_download", args=[policy.pk]))

    assert response.status_code == HTTPStatus.OK
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert "（日本時間）" in rows[0][5]
    by_number = {row[0]: row for row in rows[1:]}
    assert set(by_number) == {
        m.user.staff_number
        for m in Membership.objects.active_on(today).filter(department__organization=organization)
    }
    assert by_number["A1"][4] == "最新版を確認済み"
    assert by_number["A1"][5] == f"{today:%Y-%m-%d} 00:30"
    event = AuditEvent.objects.get(action=AuditEvent.Action.ATTESTATIONS_DOWNLOADED)
    assert event.actor == hr and event.detail["module_id"] == policy.pk
    assert event.detail["rows"] == len(rows) - 1

    cp932 = client.get(reverse("lms:attestation_download", args=[policy.pk]), {"encoding": "cp932"})
    assert "最新版を確認済み" in cp932.content.decode("cp932")


@pytest.mark.parametrize("role", [Role.STAFF, Role.DEPT_HEAD, Role.IT_POLICY, Role.DX_LEADER])
def test_other_roles_are_refused_the_names(client, make_staff, policy, role):
    reader = make_staff("jinji", "kacho" if role == Role.DEPT_HEAD else "shuji", roles=[role])
    client.force_login(reader)
    for name in ("lms:attestation_list", "lms:attestation_download"):
        response = client.get(reverse(name, args=[policy.pk]))
        assert response.status_code in (HTTPStatus.FORBIDDEN, HTTPStatus.NOT_FOUND)
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.ATTESTATIONS_DOWNLOADED).exists()


def test_another_towns_module_and_a_module_without_attestation_are_404(
    client, make_staff, policy, neighbour
):
    hr = make_staff("jinji", roles=[Role.HR])
    plain = ModulePageFactory(parent=policy.get_parent())
    client.force_login(hr)
    for module in (neighbour["module"], plain):
        for name in ("lms:attestation_list", "lms:attestation_download"):
            assert client.get(reverse(name, args=[module.pk])).status_code == HTTPStatus.NOT_FOUND
    # The other town's HR gets 404 for this town's module.
    other_hr = make_staff(neighbour["member"].memberships.get().department, roles=[Role.HR])
    client.force_login(other_hr)
    assert (
        client.get(reverse("lms:attestation_list", args=[policy.pk])).status_code
        == HTTPStatus.NOT_FOUND
    )


def test_a_tampered_status_or_page_is_ignored_not_a_500(client, make_staff, policy):
    client.force_login(make_staff("jinji", roles=[Role.HR]))
    url = reverse("lms:attestation_list", args=[policy.pk])
    for query in (
        {"status": "'; drop"},
        {"page": "x"},
        {"page": "99999"},
        {"status": "current", "page": "-1"},
    ):
        assert client.get(url, query).status_code == HTTPStatus.OK


def test_an_attestation_after_the_day_does_not_count_and_last_years_is_earlier(
    client, make_staff, make_course
):
    """For an annual course only this fiscal year's attestation of the current version
    counts; last year's shows as earlier."""
    _, course, (module,) = make_course(modules=1, annual=True)
    module.requires_attestation = True
    module.save_revision().publish()
    today = local_today()
    this_year = fiscal_year_of(today)
    hr = make_staff("jinji", roles=[Role.HR])
    last_year = make_staff("mado", staff_number="L1")
    ModuleAttestation.objects.create(
        user=last_year,
        module=module,
        version=module.attestation_version,
        cycle=this_year - 1,
        attested_at=at(today - datetime.timedelta(days=370)),
    )
    client.force_login(hr)
    page = client.get(reverse("lms:attestation_list", args=[module.pk]))
    statuses = {p.pk: p.status for p in page.context["people"]}
    assert statuses[last_year.pk] == "earlier"
    assert "年度" in page.content.decode()


@pytest.mark.parametrize("size", [3, 30])
def test_the_page_costs_the_same_queries_at_two_sizes(
    client, make_staff, policy, size, django_assert_max_num_queries
):
    hr = make_staff("jinji", roles=[Role.HR])
    for n in range(size):
        person = make_staff("mado")
        if n % 2:
            ModuleAttestation.objects.create(
                user=person, module=policy, version=2, cycle=0, attested_at=at(local_today())
            )
    client.force_login(hr)
    client.get(reverse("lms:attestation_list", args=[policy.pk]))  # warm the session
    with django_assert_max_num_queries(16):
        assert client.get(reverse("lms:attestation_list", args=[policy.pk])).status_code == 200
