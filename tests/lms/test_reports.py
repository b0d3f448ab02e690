"""HR completion and DX-leader candidate reports: figures checked cell by cell."""

import datetime
import io
from pathlib import Path
from types import SimpleNamespace

import openpyxl
import pytest
from django.core import mail

from assessments.models import SkillArea, SkillResult
from courses.services import module_complete
from lms.factories import MembershipFactory, TrackAssignmentFactory, UserFactory
from lms.models import LeaderNomination, Notice, ReportRun
from lms.reports.candidates import CandidateStream, candidate_changes, leader_criteria_for
from lms.reports.completion import completion_summary, completion_tallies, person_course_rows
from lms.reports.writers import csv_text, safe_cell, transcode_to_cp932
from lms.roles import Role
from lms.services import report_build, report_request

AS_OF = datetime.date(2026, 11, 28)
DUE = datetime.date(2026, 9, 30)


@pytest.fixture
def town(make_course, make_staff, organization, departments, positions):
    """A hand-built town: one required track of two courses (2 + 1 modules).

    - a (窓口係 主事): both courses complete
    - b (窓口係 主事): one module of course 1
    - c (人事係 主事): nothing
    - d (住民課 課長): course 2 only
    - e: moved from 人事係 to 窓口係 on 1 April, nothing done
    """
    track, course1, modules1 = make_course(modules=2)
    _, course2, modules2 = make_course(modules=1, track=track)
    TrackAssignmentFactory(
        organization=organization, track=track, applies_to_all=True, due_date=DUE
    )
    people = {
        "a": make_staff("mado", staff_number="A1"),
        "b": make_staff("mado", staff_number="B2"),
        "c": make_staff("jinji", staff_number="C3"),
        "d": make_staff("jumin", "kacho", staff_number="D4"),
    }
    e = UserFactory(staff_number="E5")
    MembershipFactory(
        user=e,
        department=departments["jinji"],
        position=positions["shuji"],
        valid_from=datetime.date(2020, 4, 1),
        valid_to=datetime.date(2026, 3, 31),
    )
    MembershipFactory(
        user=e,
        department=departments["mado"],
        position=positions["shuji"],
        valid_from=datetime.date(2026, 4, 1),
    )
    people["e"] = e
    for module in [*modules1, *modules2]:
        module_complete(user=people["a"], module=module)
    module_complete(user=people["b"], module=modules1[0])
    module_complete(user=people["d"], module=modules2[0])
    return {"people": people, "courses": (course1, course2), "track": track}


def _queued(organization, django_capture_on_commit_callbacks):
    """Today's HR report, asked for but not yet published to a worker."""
    with django_capture_on_commit_callbacks(execute=False):
        return report_request(
            organization=organization, kind="hr_completion", as_of=AS_OF, trigger="command"
        ).run


def test_person_rows_follow_the_rules(town, organization):
    rows = list(person_course_rows(organization=organization, as_of=AS_OF))
    table = {(r.staff_number, r.course.id): (r.status, r.overdue, r.department.code) for r in rows}
    c1, c2 = (c.id for c in town["courses"])

    assert len(rows) == 10  # five people × two courses
    assert table[("A1", c1)] == ("completed", False, "MADO")
    assert table[("B2", c1)] == ("in_progress", True, "MADO")
    assert table[("B2", c2)] == ("not_started", True, "MADO")
    assert table[("C3", c1)] == ("not_started", True, "JINJI")
    assert table[("D4", c2)] == ("completed", False, "JUMIN")
    assert table[("E5", c1)] == ("not_started", True, "MADO")  # counted where posted on the day


def test_membership_is_taken_as_of_the_report_date(town, organization):
    rows = list(person_course_rows(organization=organization, as_of=datetime.date(2026, 3, 31)))

    # 31 March is fiscal 2025: no assignment for that year, so no rows at all.
    assert rows == []


def test_department_tallies_roll_up_units_into_sections(town, organization, departments):
    summary = completion_summary(person_course_rows(organization=organization, as_of=AS_OF))
    rolled = summary.rolled_up(list(departments.values()))

    mado, jumin = rolled[departments["mado"].id], rolled[departments["jumin"].id]
    assert (mado.assigned, mado.completed, mado.in_progress, mado.not_started, mado.overdue) == (
        6,
        2,
        1,
        3,
        4,
    )
    assert (jumin.assigned, jumin.completed, jumin.overdue) == (8, 3, 5)  # 課長 + 窓口係
    assert rolled[departments["somu"].id].assigned == 2  # 人事係 rolled into 総務課
    assert summary.total.rate == pytest.approx(3 / 10)


def test_position_tallies(town, organization, positions):
    summary = completion_summary(person_course_rows(organization=organization, as_of=AS_OF))

    kacho = summary.by_position[positions["kacho"].id].as_dict()
    assert kacho == {
        "assigned": 2,
        "completed": 1,
        "in_progress": 0,
        "not_started": 1,
        "overdue": 1,
        "rate": 0.5,
    }


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=SUM(A1)", "'=SUM(A1)"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@x", "'@x"),
        ("\tx", "'\tx"),
        ("普通", "普通"),
        (-1, -1),
    ],
)
def test_formula_injection_is_neutralised(value, expected):
    assert safe_cell(value) == expected
    assert csv_text(value) == str(expected)


def test_cp932_download_keeps_japanese_and_replaces_what_it_cannot_hold():
    stored = io.BytesIO("\ufeff氏名\r\n髙橋 﨑 ①\r\n𠮷田\r\n".encode())

    converted = b"".join(transcode_to_cp932(stored))

    assert converted.decode("cp932") == "氏名\r\n髙橋 﨑 ①\r\n?田\r\n"


@pytest.fixture
def hr_people(make_staff):
    return [make_staff("jinji", roles=[Role.HR], email="hr@example.jp")]


@pytest.mark.usefixtures("town", "hr_people")
def test_a_report_is_built_once_delivered_and_readable(
    organization, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        first = report_request(
            organization=organization, kind="hr_completion", as_of=AS_OF, trigger="command"
        )
        again = report_request(
            organization=organization, kind="hr_completion", as_of=AS_OF, trigger="command"
        )
    assert first.created and not again.created and first.run.pk == again.run.pk

    run = report_build(run_id=first.run.pk)
    report_build(run_id=first.run.pk)  # a redelivered job does nothing

    run.refresh_from_db()
    assert run.status == ReportRun.Status.DELIVERED
    assert run.row_count == 12  # the five of the town and the HR officer, two courses each
    assert [step["status"] for step in run.history] == ["queued", "building", "ready", "delivered"]
    workbook = openpyxl.load_workbook(run.xlsx_file.path)
    assert workbook.sheetnames == ["所属別", "職位別", "個人別"]
    assert workbook["個人別"].max_row == 13
    assert workbook["個人別"]["A1"].value == "職員番号"
    assert run.csv_file.open("rb").read(3) == b"\xef\xbb\xbf"
    assert Notice.objects.filter(link__endswith=f"/reports/{run.pk}/").count() == 1
    assert len(mail.outbox) == 1 and not mail.outbox[0].attachments
    assert f"/reports/{run.pk}/" in mail.outbox[0].body
    assert run.summary["total"]["assigned"] == 12


def test_a_failed_report_can_be_requested_again(organization, django_capture_on_commit_callbacks):
    run = _queued(organization, django_capture_on_commit_callbacks)
    ReportRun.objects.filter(pk=run.pk).update(status=ReportRun.Status.FAILED, error="x")

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        again = report_request(
            organization=organization, kind="hr_completion", as_of=AS_OF, trigger="command"
        )

    assert again.created and len(callbacks) == 1
    assert ReportRun.objects.get().status == ReportRun.Status.QUEUED


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


def test_candidates_meet_the_minimums_and_are_ranked_with_reasons(town, organization):
    a, b, c, d = (town["people"][k] for k in "abcd")
    for user, caution, data in ((a, 3, 2), (b, 2, 2), (c, 1, 3), (d, 2, 3)):
        _level(user, "caution", caution)
        _level(user, "data", data)
    LeaderNomination.objects.create(user=b, kind="self", fiscal_year=2026)
    LeaderNomination.objects.create(user=b, kind="endorsement", fiscal_year=2026, endorsed_by=d)

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
    LeaderNomination.objects.create(user=b, kind="self", fiscal_year=2026)
    run = report_request(
        organization=organization, kind="dx_candidates", as_of=AS_OF, trigger="command"
    ).run

    report_build(run_id=run.pk)

    run.refresh_from_db()
    lines = run.csv_file.open("rb").read().decode("utf-8-sig").splitlines()
    ranks = [line.split(",")[:3] + line.split(",")[5:] for line in lines[1:]]
    caution, data = SkillArea.objects.get(code="caution"), SkillArea.objects.get(code="data")
    # Equal levels in category (area id) order.
    both = "、".join(
        f"{area.name} 中級" for area in sorted((caution, data), key=lambda area: area.id)
    )
    assert ranks == [
        ["1", "住民課", "D4", "2", f"{data.name} 上級、{caution.name} 中級"],
        ["1", "窓口係", "B2", "3", f"{both}、本人希望あり"],
        ["2", "窓口係", "A1", "2", f"{caution.name} 上級、{data.name} 中級"],
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


def test_course_rows_roll_up_like_department_rows(town, organization, departments):
    summary = completion_summary(person_course_rows(organization=organization, as_of=AS_OF))
    by_course = summary.rolled_up_by_course(list(departments.values()))
    course1 = town["courses"][0]

    # 住民課: its 課長 and the three people of 窓口係.
    assert by_course[(departments["jumin"].id, course1.id)].assigned == 4


def test_a_run_being_built_is_not_built_again(
    town, organization, django_capture_on_commit_callbacks
):
    run = _queued(organization, django_capture_on_commit_callbacks)
    ReportRun.objects.filter(pk=run.pk).update(status=ReportRun.Status.BUILDING)

    report_build(run_id=run.pk)

    run.refresh_from_db()
    assert run.status == ReportRun.Status.BUILDING and not run.xlsx_file


def test_the_sweeper_requeues_abandoned_builds_but_leaves_fresh_ones(
    town, organization, monkeypatch, django_capture_on_commit_callbacks
):
    from django.utils import timezone

    from lms import services
    from lms.services import report_sweep

    published = []
    monkeypatch.setattr(services, "report_enqueue", lambda run_id: published.append(run_id) or True)
    run = _queued(organization, django_capture_on_commit_callbacks)

    assert report_sweep() == 0  # freshly queued: its message is on its way

    ReportRun.objects.filter(pk=run.pk).update(
        status=ReportRun.Status.BUILDING,
        started_at=timezone.now() - datetime.timedelta(hours=2),
    )
    assert report_sweep() == 1
    run.refresh_from_db()
    assert run.status == ReportRun.Status.QUEUED and published == [run.pk]
    assert run.history[-1]["note"] == "abandoned build"


def test_the_most_overdue_people_are_listed_first(town, organization):
    summary = completion_summary(person_course_rows(organization=organization, as_of=AS_OF))

    people = summary.overdue_people()
    assert [(p["staff_number"], p["overdue"]) for p in people[:3]] == [
        ("B2", 2),
        ("C3", 2),
        ("E5", 2),
    ]
    assert ("D4", 1) in [(p["staff_number"], p["overdue"]) for p in people]
    assert "A1" not in [p["staff_number"] for p in people]


def test_a_redelivered_job_rebuilds_a_run_its_dead_worker_had_claimed(
    town, organization, django_capture_on_commit_callbacks
):
    from lms.tasks import build_report

    run = _queued(organization, django_capture_on_commit_callbacks)
    ReportRun.objects.filter(pk=run.pk).update(
        status=ReportRun.Status.BUILDING, claim="job-1"
    )  # the dead worker's claim: the same job, redelivered

    build_report.push_request(id="job-1", delivery_info={"redelivered": True}, retries=0)
    try:
        build_report.run(run.pk)
    finally:
        build_report.pop_request()

    run.refresh_from_db()
    assert run.status == ReportRun.Status.DELIVERED
    assert "redelivered after a lost worker" in [step["note"] for step in run.history]


def _run_task(task, *args, retries, job="job-1"):
    task.push_request(id=job, retries=retries)
    try:
        return task.run(*args)
    finally:
        task.pop_request()


def test_a_retry_takes_over_the_claim_its_failed_attempt_could_not_release(
    town, organization, django_capture_on_commit_callbacks
):
    from lms.tasks import build_report

    run = _queued(organization, django_capture_on_commit_callbacks)
    # The first attempt claimed the run, then lost the database before it could
    # write anything else down.
    ReportRun.objects.filter(pk=run.pk).update(status=ReportRun.Status.BUILDING, claim="job-1")

    _run_task(build_report, run.pk, retries=1)

    run.refresh_from_db()
    assert run.status == ReportRun.Status.DELIVERED
    assert "retry 1" in [step["note"] for step in run.history]


def test_a_retry_never_takes_over_a_build_another_job_holds(
    town, organization, django_capture_on_commit_callbacks
):
    from lms.tasks import build_report

    run = _queued(organization, django_capture_on_commit_callbacks)
    # A duplicate job (a second message from the sweeper) retries while the
    # job that claimed the run is still building it.
    ReportRun.objects.filter(pk=run.pk).update(status=ReportRun.Status.BUILDING, claim="job-1")

    _run_task(build_report, run.pk, retries=1, job="duplicate")

    run.refresh_from_db()
    assert (run.status, run.claim) == (ReportRun.Status.BUILDING, "job-1")
    assert not run.xlsx_file


def test_a_late_failure_never_fails_a_newer_build(
    town, organization, django_capture_on_commit_callbacks
):
    from lms.tasks import record_report_failure

    run = _queued(organization, django_capture_on_commit_callbacks)
    # The database was away for long; the sweeper requeued the run and another
    # job is building it when the first job's failure can finally be written.
    ReportRun.objects.filter(pk=run.pk).update(status=ReportRun.Status.BUILDING, claim="newer")

    record_report_failure(run.pk, ReportRun.Failure.UNAVAILABLE, "OperationalError", "job-1")

    run.refresh_from_db()
    assert (run.status, run.failure) == (ReportRun.Status.BUILDING, "")


def test_without_a_worker_a_database_error_fails_the_run_at_once_and_the_page_answers(
    client, town, make_staff, monkeypatch, django_capture_on_commit_callbacks, eager_jobs
):
    from django.db import OperationalError
    from django.urls import reverse

    def database_gone(run, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr("lms.services.build_files", database_gone)
    client.force_login(make_staff("jinji", roles=[Role.HR]))

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("lms:report_request"), {"kind": "hr_completion"})

    assert response.status_code == 302
    run = ReportRun.objects.get()
    assert (run.status, run.failure) == (ReportRun.Status.FAILED, ReportRun.Failure.UNAVAILABLE)


def test_when_retries_run_out_the_run_fails_with_a_reason_and_no_file(
    town, organization, django_capture_on_commit_callbacks, monkeypatch, settings
):
    from django.db import OperationalError

    from lms.tasks import build_report

    def database_gone(run, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr("lms.services.build_files", database_gone)
    run = _queued(organization, django_capture_on_commit_callbacks)
    private = Path(settings.STORAGES["private"]["OPTIONS"]["location"])
    files_before = set(private.rglob("*"))

    with pytest.raises(OperationalError):
        _run_task(build_report, run.pk, retries=build_report.max_retries)

    run.refresh_from_db()
    assert run.status == ReportRun.Status.FAILED
    assert run.failure == ReportRun.Failure.UNAVAILABLE
    assert "server closed the connection" in run.error
    assert not run.xlsx_file and not run.csv_file
    assert set(private.rglob("*")) == files_before


def test_an_attempt_with_retries_left_leaves_the_run_to_its_retry(
    town, organization, django_capture_on_commit_callbacks, monkeypatch
):
    from django.db import OperationalError

    from lms.tasks import build_report

    def database_gone(run, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr("lms.services.build_files", database_gone)
    monkeypatch.setattr(build_report, "retry", lambda exc, **kwargs: exc)
    run = _queued(organization, django_capture_on_commit_callbacks)

    with pytest.raises(OperationalError):
        _run_task(build_report, run.pk, retries=0)

    run.refresh_from_db()
    assert run.status == ReportRun.Status.BUILDING and not run.failure


def test_a_failure_the_database_cannot_take_is_recorded_once_it_is_back(
    town, organization, django_capture_on_commit_callbacks, monkeypatch
):
    from django.db import OperationalError

    from lms import services, tasks

    def database_gone(run, **kwargs):
        raise OperationalError("the database system is shutting down")

    real_fail = services.report_fail

    def fail_while_down(**kwargs):
        raise OperationalError("connection refused")

    deferred = []
    monkeypatch.setattr("lms.services.build_files", database_gone)
    monkeypatch.setattr("lms.services.report_fail", fail_while_down)
    monkeypatch.setattr(
        tasks.record_report_failure, "apply_async", lambda args, **kw: deferred.append(args)
    )
    run = _queued(organization, django_capture_on_commit_callbacks)

    with pytest.raises(OperationalError):
        _run_task(tasks.build_report, run.pk, retries=tasks.build_report.max_retries)

    assert ReportRun.objects.get(pk=run.pk).status == ReportRun.Status.BUILDING
    assert len(deferred) == 1
    monkeypatch.setattr("lms.services.report_fail", real_fail)  # the database is back

    tasks.record_report_failure(*deferred[0])

    run.refresh_from_db()
    assert (run.status, run.failure) == (ReportRun.Status.FAILED, ReportRun.Failure.UNAVAILABLE)


def test_a_late_failure_never_overwrites_a_finished_report(
    town, organization, django_capture_on_commit_callbacks
):
    from lms.services import report_fail

    run = report_build(run_id=_queued(organization, django_capture_on_commit_callbacks).pk)
    assert run.status == ReportRun.Status.DELIVERED

    assert not report_fail(run_id=run.pk, failure=ReportRun.Failure.UNAVAILABLE, error="late")

    run.refresh_from_db()
    assert run.status == ReportRun.Status.DELIVERED and not run.failure


def test_hr_reads_why_a_report_failed_in_japanese(client, organization, make_staff):
    from django.urls import reverse

    from lms.services import report_fail

    hr = make_staff("jinji", roles=[Role.HR])
    run = ReportRun.objects.create(
        organization=organization, kind="hr_completion", fiscal_year=2026, as_of=AS_OF,
        trigger="command", status=ReportRun.Status.BUILDING,
    )  # fmt: skip
    report_fail(run_id=run.pk, failure=ReportRun.Failure.UNAVAILABLE, error="OperationalError: x")
    client.force_login(hr)

    page = client.get(reverse("lms:report_detail", args=[run.pk])).content.decode()

    assert "データベース" in page and "もう一度" in page
    assert "OperationalError: x" not in page  # technical detail (hosts, addresses): admins only
    client.force_login(make_staff("jinji", roles=[Role.HR, Role.ADMIN], is_superuser=True))
    admin_page = client.get(reverse("lms:report_detail", args=[run.pk])).content.decode()
    assert "OperationalError: x" in admin_page


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
    for module in modules[:2]:
        module.owner = a
        module.save()

    report = dx_candidates(organization)

    candidate = next(cand for cand in report.candidates if cand.staff_number == "A1")
    assert candidate.score == 2  # two modules × 1 point
    assert candidate.reasons[-1] == "作成モジュール 2 件"


@pytest.mark.parametrize("subtree", [None, "jumin"])
def test_tallies_counted_in_sql_equal_the_rows_tallied_one_by_one(
    town, organization, departments, subtree
):
    department = departments[subtree] if subtree else None
    rows = person_course_rows(organization=organization, as_of=AS_OF, department=department)
    by_rows = completion_summary(rows)

    in_sql = completion_tallies(organization=organization, as_of=AS_OF, department=department)

    def tallies(mapping):
        return {key: tally.as_dict() for key, tally in mapping.items()}

    assert by_rows.total.assigned > 0
    assert tallies(in_sql.by_department_course) == tallies(by_rows.by_department_course)
    assert tallies(in_sql.by_department) == tallies(by_rows.by_department)
    assert tallies(in_sql.by_position) == tallies(by_rows.by_position)
    assert in_sql.total.as_dict() == by_rows.total.as_dict()
    assert in_sql.overdue_people() == by_rows.overdue_people()
