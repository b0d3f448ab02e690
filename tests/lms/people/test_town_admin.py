"""研修管理's departments, positions and track assignments, as town A's HR with a town B on
the same deployment: B's rows are never listed, exported, offered or opened, and a
tampered form naming one of them is refused with a message and saves nothing
(lms/people/town_admin.py)."""

import io
from http import HTTPStatus

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from lms.factories import (
    DepartmentFactory,
    MembershipFactory,
    PositionFactory,
    TrackAssignmentFactory,
)
from lms.models import Department, Organization, Position, TrackAssignment
from lms.people.permissions import organization_ids_administered_by
from lms.people.roles import Role
from tests.conftest import TODAY

# What only town B has: a page of town A's HR showing one of these shows B's data.
B_NAMES = ("となり町", "会計課", "参事", "となり町の研修")

VIEWSETS = ["department", "position", "trackassignment"]


def rows(towns, name):
    """(town A's row, town B's row) of a viewset."""
    return {
        "department": (towns.a_department, towns.b_department),
        "position": (towns.a_position, towns.b_position),
        "trackassignment": (towns.a_assignment, towns.b_assignment),
    }[name]


@pytest.fixture
def hr_a(client, two_towns):
    client.force_login(two_towns.a_hr)
    return client


def text_of(response) -> str:
    if response.streaming:
        return b"".join(response.streaming_content).decode("utf-8-sig")
    return response.content.decode()


def xlsx_text(response) -> str:
    data = b"".join(response.streaming_content) if response.streaming else response.content
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    return " ".join(
        str(cell) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True)
        for cell in row if cell is not None
    )  # fmt: skip


def test_the_editors_towns_are_those_of_their_posts_and_an_operator_without_one_has_none(
    two_towns, operator_without_post
):
    operator = operator_without_post

    towns = organization_ids_administered_by(two_towns.a_hr, day=TODAY)
    assert set(Organization.objects.filter(pk__in=towns)) == {two_towns.a}
    assert not organization_ids_administered_by(operator, day=TODAY).exists()


@pytest.mark.parametrize("name", VIEWSETS)
def test_listings_show_only_the_editors_town(hr_a, two_towns, name):
    mine, theirs = rows(two_towns, name)

    response = hr_a.get(reverse(f"{name}:index"))

    html = text_of(response)
    assert response.status_code == HTTPStatus.OK
    assert reverse(f"{name}:edit", args=[mine.pk]) in html
    assert reverse(f"{name}:edit", args=[theirs.pk]) not in html
    for b_name in B_NAMES:
        assert b_name not in html  # neither as a row nor as a filter's choice


@pytest.mark.parametrize("name", VIEWSETS)
def test_exports_hold_only_the_editors_town(hr_a, two_towns, name):
    csv = text_of(hr_a.get(reverse(f"{name}:index") + "?export=csv"))
    xlsx = xlsx_text(hr_a.get(reverse(f"{name}:index") + "?export=xlsx"))

    assert "テスト町" in csv and "テスト町" in xlsx  # the town's own rows are there
    for b_name in B_NAMES:
        assert b_name not in csv and b_name not in xlsx


@pytest.mark.parametrize("name", ["department", "trackassignment"])
def test_filtering_by_another_town_still_lists_only_the_editors(hr_a, two_towns, name):
    _, theirs = rows(two_towns, name)

    response = hr_a.get(reverse(f"{name}:index"), {"organization": two_towns.b.pk})

    assert response.status_code == HTTPStatus.OK
    html = text_of(response)
    assert reverse(f"{name}:edit", args=[theirs.pk]) not in html
    assert "となり町" not in html
    assert list(response.context["filters"].form.fields["organization"].queryset) == [two_towns.a]


@pytest.mark.parametrize("view", ["edit", "delete", "copy", "history", "usage"])
@pytest.mark.parametrize("name", VIEWSETS)
def test_another_towns_row_is_not_found_in_every_view(hr_a, two_towns, name, view):
    mine, theirs = rows(two_towns, name)

    assert hr_a.get(reverse(f"{name}:{view}", args=[mine.pk])).status_code == HTTPStatus.OK
    response = hr_a.get(reverse(f"{name}:{view}", args=[theirs.pk]))

    assert response.status_code == HTTPStatus.NOT_FOUND
    for b_name in B_NAMES:
        assert b_name not in text_of(response)


@pytest.mark.parametrize("name", VIEWSETS)
def test_another_towns_row_cannot_be_changed_or_deleted(hr_a, two_towns, name):
    _, theirs = rows(two_towns, name)
    model = type(theirs)

    edited = hr_a.post(reverse(f"{name}:edit", args=[theirs.pk]), {"name": "乗っ取り"})
    deleted = hr_a.post(reverse(f"{name}:delete", args=[theirs.pk]))

    assert edited.status_code == deleted.status_code == HTTPStatus.NOT_FOUND
    assert model.objects.filter(pk=theirs.pk).exists()
    if name != "trackassignment":
        assert model.objects.get(pk=theirs.pk).name == theirs.name


def test_an_operator_without_a_post_has_no_towns_screens(client, two_towns, operator_without_post):
    """The operator holds no role in any town: 研修管理 is refused (Wagtail sends them to the
    admin's home with its permission message), not shown empty."""
    client.force_login(operator_without_post)

    for name in VIEWSETS:
        mine, theirs = rows(two_towns, name)
        for url in (
            reverse(f"{name}:index"),
            reverse(f"{name}:add"),
            reverse(f"{name}:edit", args=[mine.pk]),
            reverse(f"{name}:edit", args=[theirs.pk]),
        ):
            response = client.get(url)
            assert response.status_code in (HTTPStatus.FOUND, HTTPStatus.NOT_FOUND), url
            if response.status_code == HTTPStatus.FOUND:
                assert response["Location"] == reverse("wagtailadmin_home"), url


# --- The forms offer and accept only the editor's town ---------------------------------


def test_the_track_assignment_form_offers_only_the_editors_town(hr_a, two_towns):
    form = hr_a.get(reverse("trackassignment:add")).context["form"]

    assert list(form.fields["organization"].queryset) == [two_towns.a]
    assert form.initial["organization"] == two_towns.a.pk  # the only one: chosen already
    assert list(form.fields["track"].queryset) == [two_towns.a_track]
    assert set(form.fields["departments"].queryset) == set(
        Department.objects.filter(organization=two_towns.a)
    )
    assert set(form.fields["positions"].queryset) == set(
        Position.objects.filter(organization=two_towns.a)
    )


def test_the_department_form_offers_only_the_editors_town(hr_a, two_towns):
    form = hr_a.get(reverse("department:edit", args=[two_towns.a_department.pk])).context["form"]

    assert list(form.fields["organization"].queryset) == [two_towns.a]
    parents = set(form.fields["parent"].queryset)
    assert parents and all(d.organization == two_towns.a for d in parents)
    assert two_towns.a_department not in parents  # not under itself


def assignment_post(towns, **changes):
    data = {
        "organization": towns.a.pk,
        "track": towns.a_track.pk,
        "fiscal_year": "2026",
        "due_date": "2026-12-25",
        "departments": [towns.a_department.pk],
        "positions": [towns.a_position.pk],
    }
    return {**data, **changes}


def test_a_track_assignment_of_the_town_is_saved(hr_a, two_towns):
    before = TrackAssignment.objects.count()

    response = hr_a.post(reverse("trackassignment:add"), assignment_post(two_towns))

    assert response.status_code == HTTPStatus.FOUND, response.context["form"].errors
    assert TrackAssignment.objects.count() == before + 1


@pytest.mark.parametrize(
    ("field", "theirs"),
    [
        ("organization", lambda t: t.b.pk),
        ("track", lambda t: t.b_track.pk),
        ("departments", lambda t: [t.b_department.pk]),
        ("positions", lambda t: [t.b_position.pk]),
    ],
)
@pytest.mark.parametrize("view", ["add", "edit"])
def test_a_tampered_track_assignment_naming_another_towns_row_is_refused(
    hr_a, two_towns, field, theirs, view
):
    before = set(TrackAssignment.objects.values_list("pk", "organization", "track", "due_date"))
    url = (
        reverse("trackassignment:add")
        if view == "add"
        else reverse("trackassignment:edit", args=[two_towns.a_assignment.pk])
    )

    response = hr_a.post(url, assignment_post(two_towns, **{field: theirs(two_towns)}))

    assert response.status_code == HTTPStatus.OK
    errors = response.context["form"].errors
    assert field in errors
    assert "町" in " ".join(errors[field])  # in Japanese, saying why
    assert set(TrackAssignment.objects.values_list("pk", "organization", "track", "due_date")) == (
        before
    )
    a = two_towns.a_assignment
    assert list(a.departments.all()) == [two_towns.a_department]
    assert list(a.positions.all()) == [two_towns.a_position]


def test_an_hr_officer_of_two_towns_cannot_mix_them_in_one_assignment(
    client, two_towns, make_staff
):
    both = make_staff("jinji", roles=[Role.HR])
    MembershipFactory(
        user=both, department=two_towns.b_department, position=two_towns.b_position,
        is_primary=False,
    )  # fmt: skip
    client.force_login(both)

    response = client.post(
        reverse("trackassignment:add"),
        assignment_post(two_towns, departments=[two_towns.b_department.pk]),
    )

    assert response.status_code == HTTPStatus.OK
    assert "選んだ団体" in " ".join(response.context["form"].errors["departments"])
    assert not TrackAssignment.objects.filter(due_date="2026-12-25").exists()


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("department", lambda t: {"organization": t.b.pk, "code": "X", "name": "新課"}),
        (
            "department",
            lambda t: {
                "organization": t.a.pk,
                "parent": t.b_department.pk,
                "code": "X",
                "name": "新課",
            },
        ),
        ("position", lambda t: {"organization": t.b.pk, "code": "X", "name": "新職", "rank": 10}),
    ],
)
def test_a_tampered_department_or_position_naming_another_town_is_refused(
    hr_a, two_towns, name, data
):
    model = {"department": Department, "position": Position}[name]
    before = model.objects.count()

    response = hr_a.post(
        reverse(f"{name}:add"), {"level": "ka", "sort_order": 0, **data(two_towns)}
    )

    assert response.status_code == HTTPStatus.OK
    assert response.context["form"].errors
    assert model.objects.count() == before


def test_a_department_and_a_position_of_the_town_are_saved(hr_a, two_towns):
    department = hr_a.post(
        reverse("department:add"),
        {"organization": two_towns.a.pk, "code": "NEW", "name": "新課", "level": "ka",
         "sort_order": 0},
    )  # fmt: skip
    position = hr_a.post(
        reverse("position:add"),
        {"organization": two_towns.a.pk, "code": "SANJI", "name": "参事補", "rank": 65},
    )

    assert department.status_code == position.status_code == HTTPStatus.FOUND
    assert Department.objects.get(code="NEW").organization == two_towns.a
    # Codes are unique per town: B's SANJI does not stop A from having one.
    assert Position.objects.filter(code="SANJI").count() == 2


# --- Fixed query counts ----------------------------------------------------------------


def _queries(client, url) -> int:
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == HTTPStatus.OK
    return len(queries)


@pytest.mark.parametrize("name", VIEWSETS)
def test_the_scoped_listings_run_a_fixed_number_of_queries(
    hr_a, two_towns, name, django_assert_num_queries
):
    url = reverse(f"{name}:index")
    small = _queries(hr_a, url)

    for town in (two_towns.a, two_towns.b):
        for n in range(6):
            parent = DepartmentFactory(organization=town, code=f"G{n}", name=f"増設課{n}")
            DepartmentFactory(organization=town, parent=parent, code=f"G{n}U", name=f"増設係{n}")
            position = PositionFactory(organization=town, code=f"G{n}", name=f"増設職{n}")
            TrackAssignmentFactory(
                organization=town,
                track=two_towns.a_track if town == two_towns.a else two_towns.b_track,
                departments=[parent],
                positions=[position],
            )

    with django_assert_num_queries(small):
        assert hr_a.get(url).status_code == HTTPStatus.OK
