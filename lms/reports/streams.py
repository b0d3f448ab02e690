from collections.abc import Iterable, Iterator
from itertools import groupby
from operator import itemgetter


def by_user(rows: Iterable, key=itemgetter(0)) -> Iterator[tuple[int, list]]:
    """Group rows already ordered by user id: (user_id, [rows])."""
    for user_id, group in groupby(rows, key=key):
        yield user_id, list(group)


class Follower:
    """Walks a second stream ordered by user id in step with the main one (a merge join)."""

    def __init__(self, grouped: Iterator[tuple[int, list]]):
        self._grouped = grouped
        self._current = next(grouped, None)

    def rows_for(self, user_id: int) -> list:
        while self._current is not None and self._current[0] < user_id:
            self._current = next(self._grouped, None)
        if self._current is not None and self._current[0] == user_id:
            return self._current[1]
        return []
