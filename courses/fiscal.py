"""Japanese fiscal years (年度): 1 April to 31 March, named by the starting year."""

import datetime

from django.utils import timezone

FISCAL_YEAR_START_MONTH = 4


def fiscal_year_of(day: datetime.date) -> int:
    return day.year if day.month >= FISCAL_YEAR_START_MONTH else day.year - 1


def fiscal_year_bounds(fiscal_year: int) -> tuple[datetime.date, datetime.date]:
    return (
        datetime.date(fiscal_year, FISCAL_YEAR_START_MONTH, 1),
        datetime.date(fiscal_year + 1, FISCAL_YEAR_START_MONTH, 1) - datetime.timedelta(days=1),
    )


def local_today() -> datetime.date:
    """Today in the site's time zone (Asia/Tokyo), not the server's UTC date."""
    return timezone.localdate()


def current_fiscal_year() -> int:
    return fiscal_year_of(local_today())


def end_of_day(day: datetime.date) -> datetime.datetime:
    """The end of ``day`` in the site's time zone (Asia/Tokyo): the first instant of the
    next day, aware. "As of D" counts what happened before it (``completed_at < end``);
    the one definition every report, page and reminder uses."""
    return timezone.make_aware(
        datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time()),
        timezone.get_default_timezone(),
    )


def sql_timestamp(value: datetime.datetime):
    """``value`` as a raw-SQL parameter in the database's own form (SQLite: UTC text as it
    stores timestamps; PostgreSQL: the aware datetime), so bounds compare as instants."""
    from django.db import connection

    return connection.ops.adapt_datetimefield_value(value)


def same_day_a_year_later(day: datetime.date) -> datetime.date:
    """The same day of the next (fiscal) year; 29 February becomes 28 February."""
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February, and the next year is not a leap year
        return day.replace(year=day.year + 1, day=28)


# The eras a fiscal year of the platform can fall in, newest first: the era and the
# fiscal year that is its first (元年度). A fiscal year is named by the era in force on
# most of it, as town halls do: 2019 (April 2019 – March 2020) is 令和元年度.
_ERAS = (("令和", 2019), ("平成", 1989))


def japanese_fiscal_year(fiscal_year: int) -> str:
    """The fiscal year in the Japanese calendar (和暦), e.g. 2026 → 令和8年度, 2019 → 令和元年度."""
    for era, first in _ERAS:
        if fiscal_year >= first:
            number = fiscal_year - first + 1
            return f"{era}{'元' if number == 1 else number}年度"
    return f"{fiscal_year}年度"
