"""The bench at `tiny` and `town` size on SQLite: its answers, never its timings.

Both organisations are generated into the test database (they share the
curriculum, as towns of one prefecture instance would), then every job is
checked against the hand-written SQL and query counts are compared across the
two sizes. Timing assertions would only measure the machine running the tests.
"""

import datetime

import pytest
from django.db import connection, transaction

from bench import baselines, jobs
from bench.generate import SIZES, generate
from bench.run import SizeResult, measure_job_queries, measure_jobs, measure_pages

AS_OF = datetime.date(2026, 11, 28)


@pytest.fixture
def organizations(db, time_machine):
    time_machine.move_to(datetime.datetime(2026, 11, 28, 10, tzinfo=datetime.UTC), tick=False)
    generated = {name: generate(size=SIZES[name], seed=1, as_of=AS_OF) for name in ("tiny", "town")}
    if connection.vendor == "postgresql":
        # As bench/databases.py after a bulk load: statistics of the rows just generated
        # (ANALYZE sees this test's own transaction). Without them the planner takes the
        # tables for empty and the report's query ran for more than ten minutes.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return generated


def test_the_generator_builds_what_the_size_asks_for(organizations):
    town = organizations["town"]

    assert town.counts["users"] == SIZES["town"].staff
    assert town.counts["departments"] == SIZES["town"].departments
    assert town.counts["module_completions"] > 20 * SIZES["town"].staff
    assert town.counts["attempts"] > 5 * SIZES["town"].staff


def test_the_generator_is_deterministic(db):
    def build_and_undo():
        with transaction.atomic():
            generated = generate(size=SIZES["tiny"], seed=1, as_of=AS_OF)
            rows = baselines.person_rows(organization=generated.organization, as_of=AS_OF)
            transaction.set_rollback(True)
        # Ids may differ between builds; staff numbers and the figures may not.
        return generated.counts, [(r[1], *r[6:]) for r in rows]

    first, second = build_and_undo(), build_and_undo()

    assert first[1] and first == second


@pytest.mark.parametrize("name", ["tiny", "town"])
def test_jobs_give_the_same_results_as_the_sql_baselines(organizations, name):
    result = SizeResult(size=name, database="test")

    measure_jobs(organizations[name].organization, result, as_of=AS_OF, repeats=1)

    assert result.counts["person_course_rows"] > 0
    assert result.counts["candidates"] > 0
    # On PostgreSQL the CSV is also compared line by line with COPY's.
    assert {"person_rows_equal", "aggregate_equal", "candidates_equal"} <= set(result.checks)
    assert all(result.checks.values()), result.checks


def test_job_and_page_query_counts_do_not_grow_with_the_organisation(organizations):
    results = {name: SizeResult(size=name, database="test") for name in organizations}
    for name, generated in organizations.items():
        measure_job_queries(generated.organization, results[name], as_of=AS_OF)

    measure_pages(
        {name: g.organization for name, g in organizations.items()},
        results,
        switch=lambda name: None,
        repeats=1,
    )

    tiny, town = results["tiny"].figures, results["town"].figures
    assert tiny["job_queries"] == town["job_queries"]
    assert tiny["page_queries"] == town["page_queries"]
    assert all(count > 0 for count in town["page_queries"].values())


def test_the_hr_report_job_matches_the_sql_aggregate_after_a_build(organizations):
    organization = organizations["town"].organization
    run = jobs.build_run(
        jobs.fresh_run(organization=organization, kind="hr_completion", as_of=AS_OF)
    )

    assert run.row_count == len(baselines.person_rows(organization=organization, as_of=AS_OF))


def test_the_sql_baseline_pro_rates_mid_year_joiners_as_the_job_does(db, time_machine):
    """The generated towns have no mid-year joiner; three are added (joined 2 April, 1 July,
    1 October: due dates moved by 1, 91 and 183 days, the last capped at 31 March)."""
    from bench.run import _normalised
    from lms.models import Membership, User

    time_machine.move_to(datetime.datetime(2026, 11, 28, 10, tzinfo=datetime.UTC), tick=False)
    organization = generate(size=SIZES["tiny"], seed=1, as_of=AS_OF).organization
    post = Membership.objects.filter(department__organization=organization).first()
    joiners = []
    for number, first_day in enumerate([datetime.date(2026, 4, 2), datetime.date(2026, 7, 1),
                                        datetime.date(2026, 10, 1)]):  # fmt: skip
        user = User.objects.create(staff_number=f"J{number}", email=f"j{number}@example.jp")
        Membership.objects.create(
            user=user, department=post.department, position=post.position, valid_from=first_day
        )
        joiners.append(user.id)

    product = _normalised(jobs.person_rows(organization=organization, as_of=AS_OF))
    baseline = _normalised(baselines.person_rows(organization=organization, as_of=AS_OF))

    assert product == baseline
    # The earliest due date of the year is 30 September (everyone, the first track).
    earliest = {j: min(r[3] for r in product if r[0] == j) for j in joiners}
    assert list(earliest.values()) == ["2026-10-01", "2026-12-30", "2027-03-31"]
