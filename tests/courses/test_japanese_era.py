"""和暦: eras and their first years, checked against an independent computation."""

import datetime
import re

from hypothesis import given
from hypothesis import strategies as st

from courses.fiscal import (
    JAPANESE_ERA,
    WESTERN,
    japanese_date,
    japanese_era_year,
    japanese_fiscal_year,
    town_date,
    town_fiscal_year,
)

# The first day of each era (Gregorian), written out here independently of courses/fiscal.py.
ERA_STARTS = {
    "明治": (1873, 1, 1),  # the Gregorian calendar's first day in Japan
    "大正": (1912, 7, 30),
    "昭和": (1926, 12, 25),
    "平成": (1989, 1, 8),
    "令和": (2019, 5, 1),
}
PATTERN = re.compile(r"^(明治|大正|昭和|平成|令和)(元|\d+)年(\d+)月(\d+)日$")


def _back_to_western(text: str) -> datetime.date:
    era, year, month, day = PATTERN.match(text).groups()
    start_year = ERA_STARTS[era][0]
    number = 1 if year == "元" else int(year)
    return datetime.date(start_year + number - 1, int(month), int(day))


def _era_by_comparison(day: datetime.date) -> str:
    """The era in force: the one whose start is the latest not after ``day`` (tuples compare)."""
    key = (day.year, day.month, day.day)
    return max((start, era) for era, start in ERA_STARTS.items() if start <= key)[1]


@given(st.dates(min_value=datetime.date(1873, 1, 1), max_value=datetime.date(2200, 12, 31)))
def test_a_japanese_date_reads_back_as_the_same_day_in_the_era_in_force(day):
    text = japanese_date(day)
    assert PATTERN.match(text), text
    assert _back_to_western(text) == day
    assert text.startswith(_era_by_comparison(day))
    # 元年 is written for the first year of an era, never 1年.
    first_year = day.year == ERA_STARTS[_era_by_comparison(day)][0]
    assert ("元年" in text) == first_year and not re.match(r"^\D+1年", text)


@given(st.dates(min_value=datetime.date(1873, 1, 1), max_value=datetime.date(2200, 12, 31)))
def test_the_year_of_an_era_counts_new_years_since_its_first_day(day):
    era, number = japanese_era_year(day)
    start = datetime.date(*ERA_STARTS[era])
    new_years_since = sum(1 for year in range(start.year + 1, day.year + 1))
    assert number == 1 + new_years_since


@given(st.integers(min_value=2019, max_value=2200))
def test_a_reiwa_fiscal_year_counts_from_reiwa_gannen(fiscal_year):
    text = japanese_fiscal_year(fiscal_year)
    number = fiscal_year - 2019 + 1
    assert text == ("令和元年度" if number == 1 else f"令和{number}年度")
    assert town_fiscal_year(fiscal_year, WESTERN) == f"{fiscal_year}年度"
    assert town_fiscal_year(fiscal_year, JAPANESE_ERA, both=True) == f"{text}（{fiscal_year}年度）"


@given(st.dates(min_value=datetime.date(1873, 1, 1), max_value=datetime.date(2200, 12, 31)))
def test_the_town_setting_picks_the_calendar_and_both_puts_the_western_beside(day):
    western = f"{day.year}年{day.month}月{day.day}日"
    assert town_date(day, WESTERN) == western
    assert town_date(day, JAPANESE_ERA) == japanese_date(day)
    assert town_date(day, JAPANESE_ERA, both=True) == f"{japanese_date(day)}（{western}）"


def test_the_boundaries():
    assert japanese_date(datetime.date(2019, 4, 30)) == "平成31年4月30日"
    assert japanese_date(datetime.date(2019, 5, 1)) == "令和元年5月1日"
    assert japanese_date(datetime.date(2019, 12, 31)) == "令和元年12月31日"
    assert japanese_date(datetime.date(2020, 1, 1)) == "令和2年1月1日"
    assert japanese_date(datetime.date(1989, 1, 7)) == "昭和64年1月7日"
    assert japanese_date(datetime.date(1989, 1, 8)) == "平成元年1月8日"
    assert japanese_date(datetime.date(2026, 9, 30)) == "令和8年9月30日"
    assert japanese_fiscal_year(2026) == "令和8年度"
    assert japanese_date(datetime.date(1872, 12, 31)) == "1872年12月31日"


def test_a_moment_is_written_in_japan_time_with_the_towns_date():
    import datetime as dt

    from courses.fiscal import WESTERN, town_datetime

    moment = dt.datetime(2026, 3, 31, 15, 5, tzinfo=dt.UTC)  # 4/1 00:05 in Tokyo

    assert town_datetime(moment, JAPANESE_ERA) == "令和8年4月1日 00:05"
    assert town_datetime(moment, WESTERN) == "2026年4月1日 00:05"
