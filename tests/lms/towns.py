"""The dates of the hand-built town (``town`` fixture in tests/lms/conftest.py)."""

import datetime

AS_OF = datetime.date(2026, 11, 28)

# When the town's staff finished what they finished: before AS_OF, so it counts.
COMPLETED_AT = datetime.datetime(2026, 6, 1, 10, tzinfo=datetime.UTC)


DUE = datetime.date(2026, 9, 30)
