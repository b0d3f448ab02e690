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


# The eras since the Gregorian calendar was adopted (1873), newest first: the era and the
# first day of its first year (元年). A day before 1873 is written in the Western calendar.
_DATE_ERAS = (
    ("令和", datetime.date(2019, 5, 1)),
    ("平成", datetime.date(1989, 1, 8)),
    ("昭和", datetime.date(1926, 12, 25)),
    ("大正", datetime.date(1912, 7, 30)),
    ("明治", datetime.date(1873, 1, 1)),
)

# How a town writes years and dates (``Organization.era_display``).
JAPANESE_ERA = "wareki"
WESTERN = "seireki"


def japanese_era_year(day: datetime.date) -> tuple[str, int] | None:
    """The era and the year in it of ``day`` (令和 and 8 for 30 September 2026), or None
    before 1873. The year of an era counts from its first day: 1 May 2019 is 令和元年,
    30 April 2019 平成31年, and 1 January 2020 令和2年."""
    for era, first in _DATE_ERAS:
        if day >= first:
            return era, day.year - first.year + 1
    return None


def _era_year_text(era: str, number: int) -> str:
    return f"{era}{'元' if number == 1 else number}年"


def _day(day: datetime.date) -> datetime.date:
    """The day itself; an aware moment as the day it is in Japan (15:30 UTC on 31 March is
    1 April)."""
    if isinstance(day, datetime.datetime):
        return timezone.localdate(day) if timezone.is_aware(day) else day.date()
    return day


def japanese_date(day: datetime.date) -> str:
    """A day in the Japanese calendar (和暦), as on official documents: 令和8年9月30日,
    令和元年5月1日; the day before an era began belongs to the one before (2019-04-30 →
    平成31年4月30日); 西暦 before 1873."""
    day = _day(day)
    era_year = japanese_era_year(day)
    if era_year is None:
        return western_date(day)
    return f"{_era_year_text(*era_year)}{day.month}月{day.day}日"


def western_date(day: datetime.date) -> str:
    """A day in the Western calendar written the Japanese way: 2026年9月30日."""
    day = _day(day)
    return f"{day.year}年{day.month}月{day.day}日"


def western_fiscal_year(fiscal_year: int) -> str:
    return f"{fiscal_year}年度"


def era_of(organization) -> str:
    """How a town writes years and dates (its ``era_display``); 和暦 without a town."""
    return getattr(organization, "era_display", None) or JAPANESE_ERA


def town_date(day: datetime.date, era_display: str, *, both: bool = False) -> str:
    """A day as the town writes it: 和暦 (令和8年9月30日) or 西暦 (2026年9月30日). With
    ``both`` (where a date is entered or must be matched to a form), the 和暦 form has the
    西暦 beside it: 令和8年9月30日（2026年9月30日）."""
    if era_display != JAPANESE_ERA:
        return western_date(day)
    text = japanese_date(day)
    return f"{text}（{western_date(day)}）" if both and text != western_date(day) else text


def town_datetime(moment: datetime.datetime, era_display: str) -> str:
    """A moment as the town writes it, in Japan time: 令和8年9月30日 14:05 (or 2026年…)."""
    local = timezone.localtime(moment)
    return f"{town_date(local.date(), era_display)} {local:%H:%M}"


def town_fiscal_year(fiscal_year: int, era_display: str, *, both: bool = False) -> str:
    """A fiscal year as the town writes it: 令和8年度 or 2026年度 (both: 令和8年度（2026年度）)."""
    if era_display != JAPANESE_ERA:
        return western_fiscal_year(fiscal_year)
    text = japanese_fiscal_year(fiscal_year)
    return f"{text}（{western_fiscal_year(fiscal_year)}）" if both else text
