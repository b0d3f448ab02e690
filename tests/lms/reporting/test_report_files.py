"""The report files read like the roster: names as typed in Excel (escaped in the CSV),
every sheet set up for printing with the town, the fiscal year and the as-of date, and
the candidate report's criteria in words, in the order of IT policy's form."""

import csv
import datetime
import re

import pytest
from django.urls import reverse

from assessments.models import SkillArea, SkillResult
from lms.models import LeaderCriteria
from lms.people.roles import Role
from lms.reporting.runs import report_build, report_request
from tests.lms.towns import AS_OF
from tests.lms.xlsx_checks import assert_prints_well, assert_shown_as_typed, workbook

NAME = "=1+1 太郎"
# AS_OF is 28 November 2026: fiscal year 2026, 令和8年度.
HEADING = ["令和8年度", "2026年度", "2026年11月28日現在"]


def _built(organization, kind):
    run = report_request(organization=organization, kind=kind, as_of=AS_OF, trigger="command").run
    run = report_build(run_id=run.pk)
    run.refresh_from_db()
    return run


def _csv(run) -> list[list[str]]:
    with run.csv_file.open("rb") as stream:
        return list(csv.reader(stream.read().decode("utf-8-sig").splitlines()))


def _xlsx(run) -> bytes:
    with run.xlsx_file.open("rb") as stream:
        return stream.read()


def _level(user, code, level):
    SkillResult.objects.create(
        user=user,
        area=SkillArea.objects.get(code=code),
        level=level,
        evidence=[[level, 3, 3]],
        assessed_at=datetime.datetime(2026, 10, 1, tzinfo=datetime.UTC),
    )


@pytest.mark.usefixtures("town")
def test_the_hr_report_shows_a_name_as_typed_and_prints_every_sheet(organization, make_staff):
    make_staff("mado", family_name="=1+1", given_name="太郎", staff_number="Z9")

    run = _built(organization, "hr_completion")

    data = _xlsx(run)
    assert_shown_as_typed(data, NAME)
    person = next(r for r in workbook(data)["個人別"].iter_rows(values_only=True) if r[0] == "Z9")
    assert person[1] == NAME
    assert [line[1] for line in _csv(run) if line[0] == "Z9"] == ["'" + NAME] * 2  # two courses
    assert workbook(data).sheetnames == ["所属別", "職位別", "個人別"]
    assert_prints_well(data, town="テスト町", heading_has=["職員研修の受講状況", *HEADING])


def _candidate_named(town, make_staff):
    person = make_staff("mado", family_name="=1+1", given_name="太郎", staff_number="Z9")
    for user in (person, town["people"]["a"]):
        _level(user, "caution", 3)
        _level(user, "data", 2)
    return person


def test_the_candidate_report_shows_a_name_as_typed_and_prints_every_sheet(
    town, organization, make_staff
):
    _candidate_named(town, make_staff)

    run = _built(organization, "dx_candidates")

    data = _xlsx(run)
    assert_shown_as_typed(data, NAME)
    assert "'" + NAME in [line[3] for line in _csv(run)]
    assert workbook(data).sheetnames == ["候補者", "候補者のいない所属", "選定基準"]
    assert_prints_well(data, town="テスト町", heading_has=["DX推進リーダー候補者", *HEADING])


def _form_labels(client, make_staff) -> list[str]:
    """The labels of IT policy's criteria form, in the order the page shows them."""
    client.force_login(make_staff("somu", roles=[Role.IT_POLICY]))
    page = client.get(reverse("lms:leader_criteria")).content.decode()
    form = page.split('<form method="post" class="form"', 1)[1].split("</form>", 1)[0]
    return [
        re.sub(r"<[^>]+>", "", label).strip().rstrip(":：")
        for label in re.findall(r"<label[^>]*>(.*?)</label>", form, flags=re.S)
    ]


@pytest.mark.usefixtures("town")
def test_the_criteria_sheet_reads_like_the_form_in_words(
    client, organization, make_staff, make_course
):
    track, _, _ = make_course(modules=1)
    LeaderCriteria.objects.create(
        organization=organization,
        minimum_levels={"data": 3},
        required_track=track,
        weight_level=4,
        weight_self_nomination=3,
        weight_endorsement=0,
        weight_authored=1,
    )

    run = _built(organization, "dx_candidates")

    rows = list(workbook(_xlsx(run))["選定基準"].iter_rows(values_only=True))
    assert rows[0] == ("項目", "設定")
    assert [label for label, _ in rows[1:]] == _form_labels(client, make_staff)
    areas = SkillArea.objects.filter(parent__isnull=True)
    expected = {
        "修了が必要なトラック": track.title,
        "必要レベルを 1 上回るごとの点数": "4 点",
        "本人希望の点数": "3 点",
        "所属長推薦の点数": "0 点",
        "作成したモジュール 1 件あたりの点数": "1 点",
        **{
            f"必要なレベル：{area.name}": "3 上級" if area.code == "data" else "条件なし"
            for area in areas
        },
    }
    assert dict(rows[1:]) == expected
    text = " ".join(f"{label} {value}" for label, value in rows)
    assert not re.search(r"[{}\[\]_]|weight|minimum|required|None", text)


@pytest.mark.usefixtures("town")
def test_the_default_criteria_are_in_words_too(organization):
    run = _built(organization, "dx_candidates")

    rows = dict(list(workbook(_xlsx(run))["選定基準"].iter_rows(values_only=True))[1:])
    assert rows["修了が必要なトラック"] == "指定なし"
    assert rows["必要レベルを 1 上回るごとの点数"] == "2 点"
    caution, data = SkillArea.objects.get(code="caution"), SkillArea.objects.get(code="data")
    assert rows[f"必要なレベル：{caution.name}"] == rows[f"必要なレベル：{data.name}"] == "2 中級"
