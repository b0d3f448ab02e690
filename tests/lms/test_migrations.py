"""Data migrations: what was saved before an upgrade is still there after it."""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("lms", "0015_interests_db_default")]
AFTER = [("lms", "0017_report_listing_removed")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture(autouse=True)
def _back_to_the_latest_schema():
    yield
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_candidate_listings_become_entries_and_stored_changes_keep_their_people():
    apps = _migrate(BEFORE)
    Organization = apps.get_model("lms", "Organization")
    Department = apps.get_model("lms", "Department")
    User = apps.get_model("lms", "User")
    ReportRun = apps.get_model("lms", "ReportRun")
    town = Organization.objects.create(code="336068", name="鏡野町")
    mado = Department.objects.create(
        organization=town, code="mado", name="窓口係", path="/jumin/mado/", level="kakari"
    )
    a, b, c = (
        User.objects.create(staff_number=f"{n}", family_name=name, email=f"u{n}@example.jp")
        for n, name in ((1, "山田"), (2, "佐藤"), (3, "鈴木"))
    )

    def listed(user):
        return {"user_id": user.pk, "staff_number": user.staff_number,
                "name": user.family_name, "department": "窓口係"}  # fmt: skip

    def run(day, listing, changes=None):
        best = {"user_id": listing[0]["user_id"], "department_id": mado.pk, "score": 9,
                "position": "主事", "reasons": ["データ活用 上級", "本人希望あり"]}  # fmt: skip
        return ReportRun.objects.create(
            organization=town, kind="dx_candidates", fiscal_year=2026, as_of=day,
            trigger="command", status="ready", listing=listing,
            summary={"candidate_count": len(listing), "candidates": [best],
                     **({"changes": changes} if changes else {})},
        )  # fmt: skip

    first = run(datetime.date(2026, 10, 1), [listed(a), listed(b)])
    people = {"added": [listed(c)], "removed": [listed(a)], "added_count": 1, "removed_count": 1}
    second = run(
        datetime.date(2026, 11, 1),
        [listed(b), listed(c)],
        {"previous_id": first.pk, "previous_as_of": "2026-10-01", "people": people},
    )

    apps = _migrate(AFTER)

    Entry = apps.get_model("lms", "CandidateEntry")
    ReportRun = apps.get_model("lms", "ReportRun")
    entries = Entry.objects.filter(run_id=first.pk).order_by("position")
    assert [(e.user_id, e.rank, e.name, e.department_name) for e in entries] == [
        (a.pk, 1, "山田", "窓口係"),
        (b.pk, 2, "佐藤", "窓口係"),
    ]
    top = entries[0]
    assert (top.score, top.reasons, top.position_name, top.department_id) == (
        9, "データ活用 上級、本人希望あり", "主事", mado.pk,
    )  # fmt: skip
    summary = ReportRun.objects.get(pk=second.pk).summary
    assert "candidates" not in summary  # the page reads the entries now
    stored = summary["changes"]["people"]
    assert Entry.objects.get(pk=stored["added"][0]).user_id == c.pk
    assert Entry.objects.get(pk=stored["removed"][0]).user_id == a.pk
    assert Entry.objects.get(pk=stored["removed"][0]).run_id == first.pk


@pytest.mark.django_db(transaction=True)
def test_report_runs_get_their_queue_state_from_their_history():
    apps = _migrate([("lms", "0017_report_listing_removed")])
    Organization = apps.get_model("lms", "Organization")
    ReportRun = apps.get_model("lms", "ReportRun")
    town = Organization.objects.create(code="336068", name="鏡野町")

    def run(day, status, trigger, *notes):
        return ReportRun.objects.create(
            organization=town, kind="hr_completion", fiscal_year=2026,
            as_of=datetime.date(2026, 10, day), status=status, trigger=trigger,
            history=[{"status": "queued", "at": "2026-10-01T09:00:00+09:00", "note": note}
                     for note in notes],
        )  # fmt: skip

    waiting = run(1, "queued", "dashboard", "dashboard", "publish failed")
    on_its_way = run(2, "queued", "schedule", "schedule")
    requeued = run(3, "queued", "dashboard", "dashboard", "publish failed", "abandoned build")
    delivered = run(4, "delivered", "dashboard", "dashboard", "publish failed")
    failed = run(5, "failed", "schedule", "schedule", "publish failed")
    by_command = run(6, "ready", "command", "command")
    no_history = run(7, "queued", "schedule")

    apps = _migrate([("lms", "0019_report_run_dispatch")])

    ReportRun = apps.get_model("lms", "ReportRun")
    dispatch = dict(ReportRun.objects.values_list("pk", "dispatch"))
    assert dispatch == {
        waiting.pk: "broker_down",
        on_its_way.pk: "published",
        requeued.pk: "published",
        delivered.pk: "published",
        failed.pk: "published",
        by_command.pk: "pending",
        no_history.pk: "published",
    }
