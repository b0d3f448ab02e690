"""The track-completion rule (lms/assignments.py ``track_completions``) as a table."""

import datetime
from zoneinfo import ZoneInfo

import pytest

from lms.assignments import track_completions

TOKYO = ZoneInfo("Asia/Tokyo")


def at(y, m, d, h=12):
    return datetime.datetime(y, m, d, h, tzinfo=TOKYO)


ONE_OFF = {1: False, 2: False}
MIXED = {1: False, 3: True}


@pytest.mark.parametrize(
    ("courses", "completions", "expected"),
    [
        ({}, [(1, 0, at(2026, 5, 1))], {}),  # no live course: never completed
        (ONE_OFF, [(1, 0, at(2026, 5, 1))], {}),  # one course of two
        (ONE_OFF, [(1, 0, at(2026, 5, 1)), (2, 0, at(2025, 9, 1))], {0: at(2026, 5, 1)}),
        # Completions of other courses change nothing.
        (ONE_OFF, [(1, 0, at(2026, 5, 1)), (9, 0, at(2027, 1, 1))], {}),
        # With an annual course: completed in each fiscal year its completion is there …
        (
            MIXED,
            [(1, 0, at(2025, 5, 1)), (3, 2025, at(2025, 6, 1)), (3, 2026, at(2026, 6, 1))],
            {2025: at(2025, 6, 1), 2026: at(2026, 6, 1)},
        ),
        # … the one-off course counts in the year it was done and after (latest wins) …
        (MIXED, [(1, 0, at(2026, 2, 1)), (3, 2025, at(2025, 6, 1))], {2025: at(2026, 2, 1)}),
        # … but not for a year that ended before it: 1 April 00:30 in Tokyo is fiscal 2026.
        (MIXED, [(1, 0, at(2026, 4, 1, 0)), (3, 2025, at(2025, 6, 1))], {}),
        (MIXED, [(3, 2026, at(2026, 6, 1))], {}),  # the one-off course missing
    ],
)
def test_track_completions(courses, completions, expected):
    assert track_completions(annual_by_course=courses, completions=completions) == expected
