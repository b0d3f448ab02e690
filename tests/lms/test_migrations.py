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


@pytest.mark.django_db(transaction=True)
def test_each_person_gets_the_town_of_their_posts_and_numbers_become_unique_per_town():
    """0030 fills ``User.organization``: the town of today's primary post (本務), else of
    the only posts held today (兼務), else of the earliest post; an operator without posts
    keeps none. Afterwards the same staff number may exist once in each town."""
    apps = _migrate([("lms", "0028_outbox")])
    Organization = apps.get_model("lms", "Organization")
    Department = apps.get_model("lms", "Department")
    Position = apps.get_model("lms", "Position")
    User = apps.get_model("lms", "User")
    Membership = apps.get_model("lms", "Membership")
    a = Organization.objects.create(code="A", name="あ町")
    b = Organization.objects.create(code="B", name="い町")
    a_somu = Department.objects.create(organization=a, code="SOMU", name="総務課", path="/SOMU/")
    b_somu = Department.objects.create(organization=b, code="SOMU", name="総務課", path="/SOMU/")
    shuji = Position.objects.create(code="SHUJI", name="主事", rank=20)

    def person(number, *posts, superuser=False):
        user = User.objects.create(
            staff_number=number, family_name="試験", email=f"u{number}@example.jp",
            is_superuser=superuser,
        )  # fmt: skip
        for department, primary, start, end in posts:
            Membership.objects.create(
                user=user, department=department, position=shuji, is_primary=primary,
                valid_from=start, valid_to=end,
            )  # fmt: skip
        return user

    d = datetime.date
    today_in_a = person(
        "1", (a_somu, True, d(2020, 4, 1), None), (b_somu, False, d(2020, 4, 1), None)
    )
    moved_to_b = person(
        "2", (a_somu, True, d(2015, 4, 1), d(2022, 3, 31)), (b_somu, True, d(2022, 4, 1), None)
    )
    concurrent_only_b = person("3", (b_somu, False, d(2020, 4, 1), None))
    left_long_ago = person(
        "4",
        (b_somu, True, d(2001, 4, 1), d(2005, 3, 31)),
        (a_somu, True, d(2006, 4, 1), d(2010, 3, 31)),
    )
    starts_later = person("5", (a_somu, True, d(2999, 4, 1), None))
    operator = person("9", superuser=True)

    apps = _migrate([("lms", "0030_user_organization_from_posts")])

    User = apps.get_model("lms", "User")
    towns = dict(User.objects.values_list("pk", "organization__code"))
    assert towns == {
        today_in_a.pk: "A",
        moved_to_b.pk: "B",
        concurrent_only_b.pk: "B",
        left_long_ago.pk: "B",  # the earliest post, none being held today
        starts_later.pk: "A",
        operator.pk: None,
    }
    # 1001 may now exist once in each town, and only once in each.
    User.objects.create(organization_id=a.pk, staff_number="1001", family_name="あ", email="a@x.jp")
    User.objects.create(organization_id=b.pk, staff_number="1001", family_name="い", email="b@x.jp")
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(
            organization_id=a.pk, staff_number="1001", family_name="重", email="c@x.jp"
        )


def _a_track():
    """A track page (current models: the courses tables are not migrated here). A test
    database emptied by an earlier transactional test has lost the page tree's root and
    locale, which are made again."""
    from django.contrib.contenttypes.models import ContentType
    from wagtail.models import Locale, Page

    from courses.factories import LearningHomePageFactory, TrackPageFactory

    # An earlier transactional test may have flushed and re-made the content types: the
    # cached ids are stale.
    ContentType.objects.clear_cache()
    Locale.objects.get_or_create(language_code="ja")
    root = Page.get_first_root_node() or Page.add_root(instance=Page(title="Root", slug="root"))
    return TrackPageFactory(parent=LearningHomePageFactory(parent=root))


def _town_with_posts(apps, code, name, positions, *, track=None, assignment_positions=()):
    """A town with one department, a person posted in it per position, and a track
    assignment of ``track`` listing ``assignment_positions``."""
    Organization = apps.get_model("lms", "Organization")
    Department = apps.get_model("lms", "Department")
    Membership = apps.get_model("lms", "Membership")
    User = apps.get_model("lms", "User")
    TrackAssignment = apps.get_model("lms", "TrackAssignment")
    town = Organization.objects.create(code=code, name=name)
    department = Department.objects.create(
        organization=town, code="SOMU", name="総務課", path="/SOMU/", level="ka"
    )
    for index, position in enumerate(positions):
        user = User.objects.create(
            organization=town,
            staff_number=f"{code}-{index}",
            family_name="移行",
            email=f"{code}{index}@example.jp",
        )
        Membership.objects.create(
            user=user, department=department, position=position,
            valid_from=datetime.date(2020, 4, 1),
        )  # fmt: skip
    if assignment_positions:
        assignment = TrackAssignment.objects.create(
            organization=town, track_id=track.pk, fiscal_year=2026,
            due_date=datetime.date(2026, 9, 30),
        )  # fmt: skip
        assignment.positions.set(assignment_positions)
    return town


@pytest.mark.django_db(transaction=True)
def test_positions_become_each_towns_own_and_posts_keep_theirs():
    apps = _migrate([("lms", "0030_user_organization_from_posts")])
    Position = apps.get_model("lms", "Position")
    shuji = Position.objects.create(code="SHUJI", name="主事", rank=20)
    kacho = Position.objects.create(code="KACHO", name="課長", rank=60)
    unused = Position.objects.create(code="SANJI", name="参事", rank=70)
    track = _a_track()
    a = _town_with_posts(
        apps, "A", "甲町", [shuji, kacho], track=track, assignment_positions=[shuji]
    )
    b = _town_with_posts(apps, "B", "乙町", [shuji], track=track, assignment_positions=[shuji])

    apps = _migrate([("lms", "0032_position_organization_data")])

    Position = apps.get_model("lms", "Position")
    Membership = apps.get_model("lms", "Membership")
    TrackAssignment = apps.get_model("lms", "TrackAssignment")
    by_town = {(p.organization_id, p.code): (p.name, p.rank) for p in Position.objects.all()}
    assert by_town == {
        (a.pk, "SHUJI"): ("主事", 20),
        (a.pk, "KACHO"): ("課長", 60),
        (b.pk, "SHUJI"): ("主事", 20),
        (a.pk, "SANJI"): ("参事", 70),  # used by nobody: every town keeps it
        (b.pk, "SANJI"): ("参事", 70),
    }
    assert Position.objects.get(pk=shuji.pk).organization_id == a.pk  # the row stays A's
    assert Position.objects.get(pk=unused.pk).organization_id == a.pk
    for membership in Membership.objects.select_related("department", "position"):
        assert membership.position.organization_id == membership.department.organization_id
    assert {(m.department.organization_id, m.position.code) for m in Membership.objects.all()} == {
        (a.pk, "SHUJI"), (a.pk, "KACHO"), (b.pk, "SHUJI"),
    }  # fmt: skip
    for assignment in TrackAssignment.objects.all():
        assert [(p.organization_id, p.code) for p in assignment.positions.all()] == [
            (assignment.organization_id, "SHUJI")
        ]
    assert Position.objects.get(pk=kacho.pk).organization_id == a.pk


@pytest.mark.django_db(transaction=True)
def test_positions_of_a_single_town_are_all_its_own():
    apps = _migrate([("lms", "0030_user_organization_from_posts")])
    Position = apps.get_model("lms", "Position")
    shuji = Position.objects.create(code="SHUJI", name="主事", rank=20)
    Position.objects.create(code="KACHO", name="課長", rank=60)
    town = _town_with_posts(apps, "A", "甲町", [shuji])

    apps = _migrate([("lms", "0032_position_organization_data")])

    Position = apps.get_model("lms", "Position")
    assert set(Position.objects.values_list("organization_id", "code")) == {
        (town.pk, "SHUJI"), (town.pk, "KACHO"),
    }  # fmt: skip
