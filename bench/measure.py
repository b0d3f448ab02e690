"""Timing and counting: medians of interleaved repeats, queries, machine facts."""

import os
import platform
import statistics
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field

import django
from django.db import connection


@dataclass
class QueryCount:
    count: int = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


@contextmanager
def count_queries():
    """Counts statements sent on the default connection (with DEBUG off, no log is kept)."""
    counter = QueryCount()
    with connection.execute_wrapper(counter):
        yield counter


@dataclass
class Timings:
    seconds: dict[str, list[float]] = field(default_factory=dict)

    def median(self, name: str) -> float:
        return statistics.median(self.seconds[name])

    def ratio(self, numerator: str, denominator: str) -> float:
        return self.median(numerator) / self.median(denominator)


def interleaved(cases: dict[str, Callable[[], object]], *, repeats: int) -> Timings:
    """Run every case once per round, rotating the order each round, ``repeats`` rounds.

    Interleaving spreads the noise of a shared machine over all cases alike,
    so the ratios between them stay meaningful when absolute times wobble.
    """
    timings = Timings({name: [] for name in cases})
    names = list(cases)
    for round_number in range(repeats):
        shift = round_number % len(names)
        for name in names[shift:] + names[:shift]:
            started = time.perf_counter()
            cases[name]()
            timings.seconds[name].append(time.perf_counter() - started)
    return timings


def machine() -> dict:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            database = f"PostgreSQL {cursor.fetchone()[0]}"
        else:
            cursor.execute("SELECT sqlite_version()")
            database = f"SQLite {cursor.fetchone()[0]}"
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    return {
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "database": database,
        "load_average_1m": load,
    }
