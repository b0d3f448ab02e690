"""Any mix of good and bad rows: the plan names exactly the bad lines, and an import
stores every row or none (Hypothesis)."""

import datetime

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from courses.fiscal import local_today
from courses.models import CourseCompletion
from lms.audit import Actor
from lms.records.imports import completions_import_apply, completions_import_plan
from tests.lms.records.test_completions_import import csv_bytes


def _row(kind: str, index: int) -> str:
    """A row of ``kind``; good rows differ by year (an annual course: one per cycle)."""
    year = 2000 + index
    return {
        "good": f"M1,annual-security,{year}-05-10,",
        "unknown staff": f"X{index},annual-security,{year}-05-10,",
        "unknown course": f"M1,nothing-{index},{year}-05-10,",
        "bad date": f"M1,annual-security,{year}-02-30,",
        "future date": f"M1,annual-security,{local_today() + datetime.timedelta(days=1)},",
    }[kind]


KINDS = ["good", "good", "unknown staff", "unknown course", "bad date", "future date"]


@pytest.mark.django_db
@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(kinds=st.lists(st.sampled_from(KINDS), min_size=1, max_size=8))
def test_the_plan_names_exactly_the_bad_lines_and_stores_all_or_nothing(
    organization, people, courses, kinds
):
    with transaction.atomic():
        future_once = False
        rows = []
        for index, kind in enumerate(kinds):
            if kind == "future date" and future_once:
                kind = "good"  # one future row is enough: a second would duplicate it
            future_once |= kind == "future date"
            rows.append((kind, _row(kind, index)))
        plan = completions_import_plan(
            organization=organization, data=csv_bytes(*(text for _k, text in rows))
        )

        bad_lines = [line for line, (kind, _t) in enumerate(rows, start=2) if kind != "good"]
        assert sorted({e.line for e in plan.errors}) == bad_lines
        if bad_lines:
            assert plan.rows == []
            with pytest.raises(ValueError):
                completions_import_apply(
                    organization=organization, plan=plan, by=Actor(), filename="x.csv"
                )
            assert not CourseCompletion.objects.exists()
        else:
            stored = completions_import_apply(
                organization=organization, plan=plan, by=Actor(), filename="x.csv"
            )
            assert stored == len(rows) == CourseCompletion.objects.count()
        transaction.set_rollback(True)
