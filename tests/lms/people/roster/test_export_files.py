"""The roster export and the 研修管理 listing exports, read back as Excel reads them:
names as typed in the XLSX (no formula, no apostrophe), escaped in the CSV, and
every sheet set up for printing with the town and the day."""

import csv
import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from lms.audit import Actor
from lms.factories import DepartmentFactory
from lms.people.roles import Role
from lms.people.roster_export import roster_export_file
from tests.lms.xlsx_checks import assert_prints_well, assert_shown_as_typed, workbook

DAY = datetime.date(2026, 11, 28)  # fiscal year 2026: 令和8年度


def _csv_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def test_the_roster_in_excel_shows_a_name_as_typed_and_prints_with_the_town(
    organization, make_staff
):
    make_staff("mado", family_name="=1+1", given_name="太郎", staff_number="7001")

    xlsx = roster_export_file(organization=organization, day=DAY, file_format="xlsx", actor=Actor())
    csv_data = roster_export_file(
        organization=organization, day=DAY, file_format="csv", actor=Actor()
    )

    assert_shown_as_typed(xlsx, "=1+1 太郎")
    row = next(r for r in workbook(xlsx)["名簿"].iter_rows(values_only=True) if r[0] == "7001")
    assert row[1] == "=1+1 太郎"
    assert ["7001", "'=1+1 太郎"] == next(r for r in _csv_rows(csv_data) if r[0] == "7001")[:2]
    assert_prints_well(
        xlsx, town="テスト町", heading_has=["職員名簿", "令和8年度", "2026年11月28日現在"]
    )


@pytest.fixture
def hr(client, make_staff):
    client.force_login(make_staff("jinji", roles=[Role.HR]))
    return client


def test_a_listing_in_excel_shows_a_name_as_typed_and_the_csv_escapes_it(hr, organization):
    DepartmentFactory(organization=organization, code="EVIL", name="=1+1 課")

    xlsx = b"".join(hr.get(reverse("department:index") + "?export=xlsx").streaming_content)
    csv_data = b"".join(hr.get(reverse("department:index") + "?export=csv").streaming_content)

    assert_shown_as_typed(xlsx, "=1+1 課")
    assert "'=1+1 課" in [cell for row in _csv_rows(csv_data) for cell in row]
    today = timezone.localdate()
    assert_prints_well(
        xlsx,
        town="テスト町",
        heading_has=[f"{today.year}年{today.month}月{today.day}日現在"],
    )


@pytest.mark.parametrize("name", ["department", "position", "trackassignment"])
def test_every_listing_in_excel_prints_with_the_town(hr, name):
    xlsx = b"".join(hr.get(reverse(f"{name}:index") + "?export=xlsx").streaming_content)

    assert_prints_well(xlsx, town="テスト町", heading_has=["年度"])
