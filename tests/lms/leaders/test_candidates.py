"""DX-leader candidates: criteria, ranking, reasons, heatmap and what changed."""

import datetime
import zoneinfo
from types import SimpleNamespace

from assessments.models import SkillArea, SkillResult
from courses.models import ModulePage
from lms.leaders.candidates import CandidateStream, candidate_changes, leader_criteria_for
from lms.models import LeaderNomination
from lms.reporting.runs import report_build, report_request
from tests.lms.towns import AS_OF

TOKYO = zoneinfo.ZoneInfo("Asia/Tokyo")


def dx_candidates(organization):
    """Everything the candidate job reads off the stream: candidates, then the heatmap
    and the sections without a candidate."""
    stream = CandidateStream(organization=organization, as_of=AS_OF)
    candidates = list(stream)
    return SimpleNamespace(
        candidates=candidates,
        heatmap=stream.heatmap(),
        uncovered=stream.uncovered(),
        criteria=stream.criteria,
    )


def _level(user, code, level, day=datetime.date(2026, 10, 1)):
    SkillResult.objects.create(
        user=user,
        area=SkillArea.objects.get(code=code),
        level=level,
        evidence=[[level, 3, 3]],
        assessed_at=datetime.datetime.combine(day, datetime.time(), tzinfo=datetime.UTC),
    )


BEFORE_AS_OF = datetime.datetime(2026, 10, 1, 9, tzinfo=TOKYO)


def _nominate(user, kind, *, at=BEFORE_AS_OF, **fields):
    """A nomination recorded at ``at`` (the report counts those made by the as-of day)."""
    nomination = LeaderNomination.objects.create(user=user, kind=kind, fiscal_year=2026, **fields)
    LeaderNomination.objects.filter(pk=nomination.pk).update(created_at=at)
    return nomination


def test_candidates_meet_the_minimums_and_are_ranked_with_reasons(town, organization):
    a, b, c, d = (town["people"][k] for k in "abcd")
    for user, caution, data in ((a, 3, 2), (b, 2, 2), (c, 1, 3), (d, 2, 3)):
        _level(user, "caution", caution)
        _level(user, "data", data)
    _nominate(b, "self")
    _nominate(b, "endorsement", endorsed_by=d)

    report = dx_candidates(organization)

    ranked = [(cand.staff_number, cand.score) for cand in report.candidates]
    # 窓口係: b 0 + 3 (volunteered) + 5 (endorsed) = 8 beats a (1 level above × 2);
    # 住民課: d (data 3: 2 points). c misses the security minimum.
    assert ranked == [("D4", 2), ("B2", 8), ("A1", 2)]  # by department, then points
    b_reasons = next(cand for cand in report.candidates if cand.staff_number == "B2").reasons
    assert "本人希望あり" in b_reasons and "所属長推薦あり" in b_reasons
    assert {d["name"] for d in report.uncovered} == {"総務課"}
    assert report.criteria["minimum_levels"] == {"caution": 2, "data": 2}


def test_the_candidate_files_rank_within_each_department_and_give_the_reasons(
    town, organization, departments
):
    a, b, c, d = (town["people"][k] for k in "abcd")
    for user, caution, data in ((a, 3, 2), (b, 2, 2), (c, 1, 3), (d, 2, 3)):
        _level(user, "caution", caution)
        _level(user, "data", data)
    _nominate(b, "self")
    run = report_request(
        organization=organization, kind="dx_candidates", as_of=AS_OF, trigger="command"
    ).run

    report_build(run_id=run.pk)

    run.refresh_from_db()
    lines = run.csv_file.open("rb").read().decode("utf-8-sig").splitlines()
    ranks = [line.split(",")[:3] + line.split(",")[5:] for line in lines[1:]]
    caution, data = SkillArea.objects.get(code="caution"), SkillArea.objects.get(code="data")
    # The reasons are what earned points: a level at the minimum (中級 here) earns none.
    assert ranks == [
        ["1", "住民課", "D4", "2", f"{data.name} 上級"],
        ["1", "窓口係", "B2", "3", "本人希望あり"],
        ["2", "窓口係", "A1", "2", f"{caution.name} 上級"],
    ]
    assert run.row_count == 3 == run.summary["candidate_count"]
    # Stored beside the run as the files rank them, for the dashboard and the next report.
    assert [
        (e.department_name, e.rank, e.staff_number, e.score, e.reasons)
        for e in run.candidates.order_by("position")
    ] == [
        (department, int(rank), staff_number, int(score), reasons)
        for rank, department, staff_number, score, reasons in ranks
    ]
    assert run.summary["uncovered"] == [{"id": departments["somu"].id, "name": "総務課"}]


def test_the_heatmap_counts_the_latest_level_of_everyone_up_to_each_section(town, organization):
    a, b, c, d = (town["people"][k] for k in "abcd")
    for user, caution, data in ((a, 3, 2), (b, 2, 2), (c, 1, 3), (d, 2, 3)):
        _level(user, "caution", caution)
        _level(user, "data", data)
    SkillResult.objects.create(  # earlier, superseded
        user=a, area=SkillArea.objects.get(code="caution"), level=1, evidence=[],
        assessed_at=datetime.datetime(2026, 4, 1, tzinfo=datetime.UTC),
    )  # fmt: skip
    SkillResult.objects.create(  # after the report's date
        user=a, area=SkillArea.objects.get(code="caution"), level=4, evidence=[],
        assessed_at=datetime.datetime(2026, 12, 1, tzinfo=datetime.UTC),
    )  # fmt: skip

    heatmap = dx_candidates(organization).heatmap

    cells = {
        (row["department"], cell["area"]): (cell["people"], cell["distribution"], cell["average"])
        for row in heatmap["rows"]
        for cell in row["cells"]
    }
    # 住民課: d and, in 窓口係, a, b and e (never assessed: level 0).
    assert cells[("住民課", "caution")] == (4, [1, 0, 2, 1, 0], 1.75)
    assert cells[("住民課", "data")] == (4, [1, 0, 2, 1, 0], 1.75)
    assert cells[("総務課", "caution")] == (1, [0, 1, 0, 0, 0], 1.0)
    assert cells[("総務課", "data")] == (1, [0, 0, 0, 1, 0], 3.0)
    others = [value for (_name, area), value in cells.items() if area not in ("caution", "data")]
    assert others and all(value[1][0] == value[0] for value in others)
    assert {row["department"] for row in heatmap["rows"]} == {"総務課", "住民課"}  # 課 only


def test_equal_scores_are_ranked_by_staff_number_in_code_point_order(organization, make_staff):
    """As Python sorts: "B1" before "a2" (a linguistic collation would swap them)."""
    people = [make_staff("mado", staff_number=number) for number in ("a2", "B1", "C3")]
    for person in people:
        _level(person, "caution", 2)
        _level(person, "data", 2)

    report = dx_candidates(organization)

    assert [cand.staff_number for cand in report.candidates] == ["B1", "C3", "a2"]


def test_without_minimums_a_level_of_two_anywhere_makes_a_candidate(town, organization):
    a, b, c = (town["people"][k] for k in "abc")
    _level(a, "caution", 4)
    _level(b, "data", 1)
    _level(c, "data", 2)
    criteria = leader_criteria_for(organization)
    criteria.minimum_levels = {}
    criteria.save()

    report = dx_candidates(organization)

    # Points for each level above 1, in any category.
    assert [(cand.staff_number, cand.score) for cand in report.candidates] == [
        ("C3", 2),  # 人事係
        ("A1", 6),  # 窓口係
    ]
    assert report.candidates[1].levels == {"caution": 4}


def test_a_required_track_limits_the_candidates(town, organization):
    for user in town["people"].values():
        _level(user, "caution", 2)
        _level(user, "data", 2)
    criteria = leader_criteria_for(organization)
    criteria.required_track = town["track"]
    criteria.save()

    report = dx_candidates(organization)

    assert [cand.staff_number for cand in report.candidates] == ["A1"]
    assert any("修了" in reason for reason in report.candidates[0].reasons)


AREAS = [{"code": "data", "name": "What（データ）"}, {"code": "caution", "name": "How（留意点）"}]


WEIGHTS = {
    "weight_level": 2,
    "weight_self_nomination": 3,
    "weight_endorsement": 5,
    "weight_authored": 1,
}


def _criteria(minimums, weight_level=2):
    return {"minimum_levels": minimums, "required_track_id": None, **WEIGHTS,
            "weight_level": weight_level}  # fmt: skip


def test_candidate_changes_name_the_changed_criteria_and_the_people_in_and_out():
    stored = {
        "criteria": _criteria({"data": 2, "caution": 2}),
        "areas": AREAS,
        "people": {"added": [3], "removed": [1, 9], "added_count": 1, "removed_count": 2},
    }
    entries = {1: SimpleNamespace(name="山田"), 3: SimpleNamespace(name="鈴木")}  # 9: deleted

    changes = candidate_changes(
        stored=stored,
        criteria=_criteria({"data": 1, "caution": 2}, weight_level=3),
        areas=AREAS,
        entries=entries,
    )

    assert [(c["label"], c["before"], c["after"]) for c in changes.criteria] == [
        ("必要なレベル：What（データ）", "2 中級", "1 基礎"),
        ("必要レベルを 1 上回るごとの点数", 2, 3),
    ]
    assert [c.name for c in changes.added] == ["鈴木"]
    assert [c.name for c in changes.removed] == ["山田"]
    assert (changes.added_count, changes.removed_count) == (1, 2)


def test_candidate_changes_are_empty_when_nothing_changed():
    people = {"added": [], "removed": [], "added_count": 0, "removed_count": 0}
    stored = {"criteria": _criteria({"data": 2}), "areas": AREAS, "people": people}

    assert not candidate_changes(
        stored=stored, criteria=_criteria({"data": 2}), areas=AREAS, entries={}
    )


def _candidates_on(organization, as_of):
    run = report_request(
        organization=organization, kind="dx_candidates", as_of=as_of, trigger="command"
    ).run
    report_build(run_id=run.pk)
    run.refresh_from_db()
    return run


def test_the_next_report_finds_who_came_in_and_went_out_among_everyone(town, organization):
    """Compared on every candidate of both runs (the entries), not only the few the
    dashboard shows; the names come from the entries."""
    a, b, c = (town["people"][k] for k in "abc")
    for person in (a, b):
        _level(person, "caution", 2)
        _level(person, "data", 2)
    first = _candidates_on(organization, datetime.date(2026, 11, 27))
    assert set(first.candidates.values_list("user_id", flat=True)) == {a.pk, b.pk}
    _level(b, "data", 1, day=AS_OF)  # b drops below the minimum …
    _level(c, "caution", 3, day=AS_OF)
    _level(c, "data", 2, day=AS_OF)  # … and c comes in

    second = _candidates_on(organization, AS_OF)

    people = second.summary["changes"]["people"]
    assert (people["added_count"], people["removed_count"]) == (1, 1)
    assert second.candidates.get(pk=people["added"][0]).user == c
    assert first.candidates.get(pk=people["removed"][0]).user == b
    assert second.summary["changes"]["previous_as_of"] == "2026-11-27"


def test_a_report_with_the_same_candidates_reports_no_change(town, organization):
    for person in town["people"].values():
        _level(person, "caution", 2)
        _level(person, "data", 2)
    first = _candidates_on(organization, datetime.date(2026, 11, 27))
    assert first.candidates.count() == len(town["people"])

    second = _candidates_on(organization, AS_OF)

    people = second.summary["changes"]["people"]
    assert people == {"added": [], "removed": [], "added_count": 0, "removed_count": 0}


def test_each_module_authored_earns_its_points(town, organization, make_course):
    a = town["people"]["a"]
    _level(a, "caution", 2)
    _level(a, "data", 2)
    _, _, modules = make_course(modules=3)
    for module in modules:
        module.owner = a
        module.save()
    published = [BEFORE_AS_OF, BEFORE_AS_OF, datetime.datetime(2026, 11, 29, tzinfo=TOKYO)]
    for module, at in zip(modules, published, strict=True):
        ModulePage.objects.filter(pk=module.pk).update(first_published_at=at)

    report = dx_candidates(organization)

    candidate = next(cand for cand in report.candidates if cand.staff_number == "A1")
    assert candidate.score == 2  # two modules × 1 point: the third came after the as-of day
    assert candidate.reasons[-1] == "作成モジュール 2 件"


def test_volunteering_and_endorsement_after_the_as_of_day_do_not_count(town, organization):
    a, b = town["people"]["a"], town["people"]["b"]
    for user in (a, b):
        _level(user, "caution", 2)
        _level(user, "data", 2)
    next_morning = datetime.datetime.combine(
        AS_OF + datetime.timedelta(days=1), datetime.time(), TOKYO
    )
    _nominate(a, "self", at=next_morning - datetime.timedelta(seconds=1))  # 23:59:59 JST
    _nominate(b, "self", at=next_morning)
    _nominate(b, "endorsement", at=next_morning, endorsed_by=town["people"]["d"])

    scores = {c.staff_number: c.score for c in dx_candidates(organization).candidates}

    assert scores == {"A1": 3, "B2": 0}


def test_a_skill_result_of_the_next_morning_in_tokyo_does_not_count(town, organization):
    a1 = town["people"]["a"]
    _level(a1, "data", 2)
    morning = datetime.datetime.combine(
        AS_OF + datetime.timedelta(days=1), datetime.time(8, 59), tzinfo=TOKYO
    )
    SkillResult.objects.create(
        user=a1, area=SkillArea.objects.get(code="caution"), level=2,
        evidence=[[2, 3, 3]], assessed_at=morning,
    )  # fmt: skip

    assert "A1" not in [c.staff_number for c in dx_candidates(organization).candidates]

    _level(a1, "caution", 2, day=AS_OF)  # 09:00 JST on the day itself
    assert "A1" in [c.staff_number for c in dx_candidates(organization).candidates]


def test_the_reasons_are_what_earned_points_and_nothing_else(town, organization):
    """A candidate at exactly the minimums scores 0 and lists no level as a reason, however
    high their levels elsewhere (outside the minimum areas levels earn nothing); what earns
    points is listed: a level above the minimum, an endorsement (weight 5)."""
    a, b = town["people"]["a"], town["people"]["b"]
    others = list(
        SkillArea.objects.filter(parent__isnull=True)
        .exclude(code__in=("caution", "data"))
        .values_list("code", flat=True)
    )
    for user in (a, b):
        _level(user, "caution", 2)
        _level(user, "data", 2)
        for code in others:
            _level(user, code, 3)  # 上級, outside the minimum areas
    _level(b, "data", 4, day=datetime.date(2026, 10, 2))
    _nominate(b, "endorsement", endorsed_by=a)

    report = dx_candidates(organization)

    by_number = {cand.staff_number: cand for cand in report.candidates}
    data = SkillArea.objects.get(code="data")
    assert (by_number["A1"].score, by_number["A1"].reasons) == (0, [])
    # data 4 is 2 above the minimum 2: 2 × weight 2 = 4, and the endorsement 5.
    assert (by_number["B2"].score, by_number["B2"].reasons) == (
        9,
        [f"{data.name} 専門", "所属長推薦あり"],
    )
