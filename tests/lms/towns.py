"""The dates of the hand-built town (``town`` fixture in tests/lms/conftest.py)."""

import datetime

AS_OF = datetime.date(2026, 11, 28)


DUE = datetime.date(2026, 9, 30)
