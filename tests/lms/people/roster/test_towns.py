"""A roster is one town's (issue 14): staff numbers repeat between towns, and a town's
import, preview and export match, create and show only that town's people."""

import datetime
from http import HTTPStatus

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from lms.factories import MembershipFactory, UserFactory
from lms.models import Membership, User
from lms.people.roles import Role
from lms.people.roster_export import roster_rows
from tests.lms.people.roster.test_import import AS_OF, apply, csv_bytes, plan

ROW_1001 = "1001,山田 花子,ヤマダ ハナコ,窓口係,主事,yamada.hanako@town.example.jp,"


@pytest.fixture
def b_1001(other_town, positions):
    """となり町 (the other town) already has a 1001: 佐藤 一郎, posted in its 総務課."""
    person = UserFactory(
        organization=other_town["organization"], staff_number="1001",
        family_name="佐藤", given_name="一郎", email="sato@next-town.example.jp",
    )  # fmt: skip
    MembershipFactory(
        user=person, department=other_town["somu"], position=positions["shuji"],
        valid_from=datetime.date(2020, 4, 1),
    )  # fmt: skip
    return person


def state_of(person):
    person = User.objects.get(pk=person.pk)
    posts = sorted(
        Membership.objects.filter(user=person).values_list(
            "department__organization__code", "department__code", "valid_from", "valid_to"
        )
    )
    return (person.organization_id, person.get_full_name(), person.email, person.is_active, posts)


def test_an_import_for_one_town_leaves_the_other_towns_1001_untouched(
    organization, departments, positions, b_1001
):
    """Before, the import matched 1001 across the deployment: it renamed となり町's 佐藤 一郎,
    moved his e-mail and gave him a post in this town."""
    before = state_of(b_1001)

    counts = apply(organization, csv_bytes(ROW_1001))

    assert state_of(b_1001) == before
    mine = User.objects.get(organization=organization, staff_number="1001")
    assert mine.pk != b_1001.pk
    assert (mine.get_full_name(), mine.email) == ("山田 花子", "yamada.hanako@town.example.jp")
    assert set(Membership.objects.filter(user=mine).values_list("department__code", flat=True)) == {
        "MADO"
    }
    assert counts["created"] == 1 and counts["updated"] == counts["transferred"] == 0


def test_an_import_updates_its_own_1001_and_still_not_the_other_towns(
    organization, departments, positions, b_1001, make_staff
):
    mine = make_staff("mado", staff_number="1001", family_name="旧姓", email="old@town.example.jp")
    before = state_of(b_1001)

    counts = apply(organization, csv_bytes(ROW_1001))

    assert state_of(b_1001) == before
    mine.refresh_from_db()
    assert (mine.get_full_name(), mine.email) == ("山田 花子", "yamada.hanako@town.example.jp")
    assert counts["updated"] == 1 and counts["created"] == 0


def test_leavers_of_one_town_are_never_the_other_towns_people(
    organization, departments, positions, b_1001, make_staff
):
    make_staff("mado", staff_number="1002")

    apply(organization, csv_bytes(ROW_1001), deactivate_missing=True)

    assert User.objects.get(pk=b_1001.pk).is_active
    assert not User.objects.get(organization=organization, staff_number="1002").is_active


def test_the_other_towns_e_mail_address_is_refused_in_japanese(
    organization, departments, positions, b_1001
):
    result = plan(organization, csv_bytes(ROW_1001.replace("yamada.hanako@town", "sato@next-town")))

    assert not result.ok
    assert any("別の団体の職員のメールアドレスです" in str(error) for error in result.errors)


def test_the_preview_says_whose_roster_it_is_and_that_namesakes_are_left_alone(
    client, make_staff, organization, b_1001
):
    client.force_login(make_staff("jinji", roles=[Role.HR]))

    preview = client.post(
        reverse("roster_import"),
        {"file": SimpleUploadedFile("roster.csv", csv_bytes(ROW_1001)), "as_of": "2027-04-01"},
    )

    assert preview.status_code == HTTPStatus.OK
    html = preview.content.decode()
    assert "テスト町の職員名簿です" in html
    assert "他の団体に同じ職員番号の職員がいても、その職員は変更されません" in html
    assert preview.context["plan"].created == ["1001"]


def test_the_export_lists_only_the_towns_own_people(
    organization, departments, positions, b_1001, make_staff
):
    make_staff("mado", staff_number="1001", email="mine@town.example.jp")

    rows = roster_rows(organization=organization, day=AS_OF)

    assert [(row[0], row[5]) for row in rows] == [("1001", "mine@town.example.jp")]


def test_a_post_in_another_towns_department_is_refused(
    organization, departments, positions, b_1001
):
    post = Membership(
        user=b_1001, department=departments["mado"], position=positions["shuji"],
        valid_from=AS_OF,
    )  # fmt: skip

    with pytest.raises(ValidationError) as refused:
        post.full_clean()

    message = " ".join(refused.value.message_dict["department"])
    assert "テスト町" in message and "となり町" in message


def test_the_same_staff_number_twice_in_one_town_is_refused_by_the_database(organization, b_1001):
    UserFactory(organization=organization, staff_number="1001", email="one@town.example.jp")

    with pytest.raises(ValidationError):
        User(
            organization=organization, staff_number="1001", family_name="重複",
            email="two@town.example.jp",
        ).full_clean()  # fmt: skip


def test_the_command_lines_actor_is_someone_of_the_towns_roster(
    organization, departments, positions, other_town, make_staff, tmp_path
):
    make_staff(other_town["somu"], roles=[Role.HR], staff_number="3009")  # the other town's HR
    roster = tmp_path / "roster.csv"
    roster.write_bytes(csv_bytes(ROW_1001))
    run = ["import_roster", str(roster), "--organization", organization.code, "--as-of"]

    with pytest.raises(CommandError, match="3009"):
        call_command(*run, "2027-04-01", "--actor", "3009")

    assert not User.objects.filter(organization=organization, staff_number="1001").exists()
