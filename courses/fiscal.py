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


# The first day of each era the platform's dates can fall in, newest first (the day the
# era name took effect): 令和 1 May 2019, 平成 8 January 1989, 昭和 25 December 1926.
_ERA_START_DAYS = (
    ("令和", datetime.date(2019, 5, 1)),
    ("平成", datetime.date(1989, 1, 8)),
    ("昭和", datetime.date(1926, 12, 25)),
)


def wareki_date(day: datetime.date) -> str:
    """A date in the Japanese calendar (和暦), as on official documents: 2026-09-30 →
    令和8年9月30日; the era's first year is 元年 (2019-05-01 → 令和元年5月1日), and the day
    before an era began belongs to the one before (2019-04-30 → 平成31年4月30日). Dates
    before 昭和 are given in the Western calendar (西暦)."""
    if isinstance(day, datetime.datetime):
        day = timezone.localdate(day) if timezone.is_aware(day) else day.date()
    for era, start in _ERA_START_DAYS:
        if day >= start:
            number = day.year - start.year + 1
            return f"{era}{'元' if number == 1 else number}年{day.month}月{day.day}日"
    return seireki_date(day)


def seireki_date(day: datetime.date) -> str:
    """A date in the Western calendar written the Japanese way: 2026年9月30日."""
    if isinstance(day, datetime.datetime):
        day = timezone.localdate(day) if timezone.is_aware(day) else day.date()
    return f"{day.year}年{day.month}月{day.day}日"
