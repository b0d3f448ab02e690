import datetime
import io
from io import StringIO

import openpyxl
import pytest
from django.core.management import CommandError, call_command

from lms.audit import Actor
from lms.models import Membership, User
from lms.people.roster import RunFrom, roster_apply, roster_plan

AS_OF = datetime.date(2027, 4, 1)
HEADER = "職員番号,氏名,氏名カナ,所属,職位,メールアドレス,兼務所属"
ROWS = [
    "2001,髙橋 﨑子,タカハシ サキコ,窓口係,主事,takahashi@town.example.jp,",
    "2002,山田 太郎,ヤマダ タロウ,JINJI,課長,yamada@town.example.jp,窓口係",
]


# Who applies, in the tests that are about the import itself (the audit has its own).
BY_SCREEN = {"actor": Actor(), "filename": "roster.csv", "via": RunFrom.SCREEN}


def csv_bytes(*rows, header=HEADER, encoding="utf-8-sig"):
    return ("\r\n".join([header, *rows]) + "\r\n").encode(encoding)


def plan(organization, data, **kwargs):
    kwargs.setdefault("as_of", AS_OF)
    return roster_plan(organization=organization, data=data, filename="roster.csv", **kwargs)


def apply(organization, data, **kwargs):
    result = plan(organization, data, **kwargs)
    assert result.ok, [str(e) for e in result.errors]
    return roster_apply(
        organization=organization, plan=result, as_of=kwargs.get("as_of", AS_OF), **BY_SCREEN
    )


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "cp932"])
def test_csv_in_every_encoding_excel_writes(organization, departments, positions, encoding):
    counts = apply(organization, csv_bytes(*ROWS, encoding=encoding))

    assert counts["created"] == 2
    assert User.objects.get(staff_number="2001").family_name == "髙橋"  # CP932-only kanji kept


def test_xlsx(organization, departments, positions):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(HEADER.split(","))
    for row in ROWS:
        sheet.append(row.split(","))
    data = io.BytesIO()
    workbook.save(data)

    counts = roster_apply(
        organization=organization,
        plan=roster_plan(
            organization=organization, data=data.getvalue(), filename="r.xlsx", as_of=AS_OF
        ),
        as_of=AS_OF,
        **BY_SCREEN,
    )

    assert counts["created"] == 2


def test_import_creates_people_posts_and_concurrent_posts(organization, departments, positions):
    apply(organization, csv_bytes(*ROWS))

    yamada = User.objects.get(staff_number="2002")
    posts = {(m.department.code, m.is_primary) for m in Membership.objects.filter(user=yamada)}
    assert posts == {("JINJI", True), ("MADO", False)}
    assert (yamada.family_name, yamada.given_name, yamada.given_name_kana) == (
        "山田",
        "太郎",
        "タロウ",
    )
    assert not yamada.has_usable_password()


def test_importing_the_same_file_twice_changes_nothing(organization, departments, positions):
    apply(organization, csv_bytes(*ROWS))
    memberships = list(Membership.objects.values_list("id", "valid_to"))

    counts = apply(organization, csv_bytes(*ROWS))

    assert counts == {
        "created": 0,
        "updated": 0,
        "transferred": 0,
        "unchanged": 2,
        "deactivated": 0,
    }
    assert list(Membership.objects.values_list("id", "valid_to")) == memberships


def test_a_transfer_closes_the_old_post_and_keeps_history(organization, departments, positions):
    apply(organization, csv_bytes(*ROWS), as_of=datetime.date(2026, 4, 1))

    counts = apply(
        organization,
        csv_bytes(ROWS[0].replace("窓口係", "人事係"), ROWS[1]),
        as_of=AS_OF,
    )

    assert counts["transferred"] == 1
    history = Membership.objects.filter(user__staff_number="2001").order_by("valid_from")
    assert [(m.department.code, m.valid_from, m.valid_to) for m in history] == [
        ("MADO", datetime.date(2026, 4, 1), datetime.date(2027, 3, 31)),
        ("JINJI", AS_OF, None),
    ]


def test_leavers_are_deactivated_not_deleted_and_lose_their_sessions(
    client, organization, departments, positions
):
    apply(organization, csv_bytes(*ROWS), as_of=datetime.date(2026, 4, 1))
    leaver = User.objects.get(staff_number="2002")
    client.force_login(leaver)

    counts = apply(organization, csv_bytes(ROWS[0]), deactivate_missing=True)

    leaver.refresh_from_db()
    assert counts["deactivated"] == 1 and leaver.is_active is False
    assert not Membership.objects.active_on(AS_OF).filter(user=leaver).exists()
    assert Membership.objects.filter(user=leaver).exists()  # history kept
    assert client.get("/mypage/").status_code == 302  # the session no longer works


@pytest.mark.parametrize(
    ("row", "column", "words"),
    [
        (",名無し,,窓口係,主事,a@town.example.jp,", "職員番号", "空"),
        ("3001,架空 太郎,,存在しない課,主事,a@town.example.jp,", "所属", "存在しない課"),
        ("3001,架空 太郎,,窓口係,大臣,a@town.example.jp,", "職位", "大臣"),
        ("3001,架空 太郎,,窓口係,主事,not-an-address,", "メールアドレス", "not-an-address"),
        ("3001,架空 太郎,,窓口係,主事,takahashi@town.example.jp,", "メールアドレス", "2 行目"),
        ("2001,架空 太郎,,窓口係,主事,b@town.example.jp,", "職員番号", "2 行目"),
        ("3001,,,窓口係,主事,c@town.example.jp,", "氏名", "空"),
        ("3001,架空 太郎,,窓口係,主事,d@town.example.jp,ない係", "兼務所属", "ない係"),
    ],
)
def test_every_error_names_line_column_and_what_to_do(
    organization, departments, positions, row, column, words
):
    result = plan(organization, csv_bytes(*ROWS, row))

    assert not result.ok
    error = result.errors[0]
    assert (error.line, error.column) == (4, column)
    assert words in str(error)
    assert str(error).startswith("4 行目")


def test_with_any_error_nothing_is_imported(organization, departments, positions):
    with pytest.raises(CommandError):
        call_command(
            "import_roster",
            _file(csv_bytes(*ROWS, "9,x,,ない課,主事,z@example.jp,")),
            stdout=StringIO(),
            stderr=StringIO(),
        )

    assert not User.objects.filter(staff_number__in=["2001", "2002"]).exists()


def test_missing_columns_are_reported(organization):
    result = plan(organization, csv_bytes("1,a", header="職員番号,氏名"))

    assert {e.column for e in result.errors} >= {"所属", "職位", "メールアドレス"}


def test_binary_garbage_is_refused_in_japanese(organization):
    result = plan(organization, b"\x89PNG\r\n\x1a\n\xff\xfe\x00\x81")

    assert "CSV" in str(result.errors[0])


def test_create_missing_makes_unknown_departments_and_positions(
    organization, departments, positions
):
    apply(
        organization,
        csv_bytes("3001,新人 一郎,,新設課,嘱託,n@town.example.jp,"),
        create_missing=True,
    )

    membership = Membership.objects.get(user__staff_number="3001")
    assert (membership.department.name, membership.position.name) == ("新設課", "嘱託")


def test_full_width_staff_numbers_are_normalised(organization, departments, positions):
    apply(organization, csv_bytes("３００１,全角 太郎,,窓口係,主事,ｚｅｎ@town.example.jp,"))

    user = User.objects.get(staff_number="3001")
    assert user.email == "zen@town.example.jp"


def _file(data: bytes):
    import tempfile
    from pathlib import Path

    path = Path(tempfile.mkdtemp()) / "roster.csv"
    path.write_bytes(data)
    return str(path)


def test_command_dry_run_prints_counts_and_writes_nothing(organization, departments, positions):
    out = StringIO()

    call_command(
        "import_roster", _file(csv_bytes(*ROWS)), "--dry-run", "--as-of", "2027-04-01", stdout=out
    )

    assert "2" in out.getvalue()
    assert not User.objects.filter(staff_number="2001").exists()


def test_a_new_hire_starts_on_the_hiring_date_and_reimporting_changes_nothing(
    organization, departments, positions
):
    header = HEADER + ",採用日"
    row = "3001,新人 花子,,窓口係,主事,new@town.example.jp,,2027/04/15"

    apply(organization, csv_bytes(row, header=header))
    counts = apply(organization, csv_bytes(row, header=header))

    membership = Membership.objects.get(user__staff_number="3001")
    assert membership.valid_from == datetime.date(2027, 4, 15)
    assert counts["unchanged"] == 1


def test_a_bad_hiring_date_is_an_error(organization, departments, positions):
    result = plan(
        organization,
        csv_bytes(
            "3001,新人 花子,,窓口係,主事,new@town.example.jp,,来年", header=HEADER + ",採用日"
        ),
    )

    assert [(e.line, e.column) for e in result.errors] == [(2, "採用日")]


def test_a_zip_bomb_named_xlsx_is_refused_before_opening(organization):
    import zipfile as zf

    data = io.BytesIO()
    with zf.ZipFile(data, "w", zf.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * (60 * 1024 * 1024))

    result = roster_plan(
        organization=organization, data=data.getvalue(), filename="r.xlsx", as_of=AS_OF
    )

    assert "大きすぎ" in str(result.errors[0])


def test_a_renamed_file_is_not_taken_for_excel(organization):
    result = roster_plan(
        organization=organization, data=b"not a zip at all", filename="r.xlsx", as_of=AS_OF
    )

    assert "Excel" in str(result.errors[0])


def test_importing_the_same_file_again_writes_nothing(organization, departments, positions):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    apply(organization, csv_bytes(*ROWS))
    again = plan(organization, csv_bytes(*ROWS))
    assert again.ok and sorted(again.unchanged) == sorted(r.split(",")[0] for r in ROWS)

    with CaptureQueriesContext(connection) as queries:
        roster_apply(organization=organization, plan=again, as_of=AS_OF, **BY_SCREEN)

    writes = [q["sql"] for q in queries if q["sql"].split()[0] in ("INSERT", "UPDATE", "DELETE")]
    assert writes == []
