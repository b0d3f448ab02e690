import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from courses.fiscal import (
    fiscal_year_bounds,
    fiscal_year_of,
    japanese_date,
    japanese_fiscal_year,
    same_day_a_year_later,
    western_date,
)


@pytest.mark.parametrize(
    ("day", "fiscal_year"),
    [
        (datetime.date(2026, 3, 31), 2025),
        (datetime.date(2026, 4, 1), 2026),
        (datetime.date(2026, 12, 31), 2026),
        (datetime.date(2027, 1, 1), 2026),
    ],
)
def test_fiscal_year_runs_april_to_march(day, fiscal_year):
    assert fiscal_year_of(day) == fiscal_year


def test_fiscal_year_bounds():
    assert fiscal_year_bounds(2026) == (datetime.date(2026, 4, 1), datetime.date(2027, 3, 31))


@pytest.mark.parametrize(
    ("day", "a_year_later"),
    [
        (datetime.date(2026, 9, 30), datetime.date(2027, 9, 30)),
        (datetime.date(2027, 3, 31), datetime.date(2028, 3, 31)),
        (datetime.date(2024, 2, 29), datetime.date(2025, 2, 28)),
        (datetime.date(2027, 2, 28), datetime.date(2028, 2, 28)),
    ],
)
def test_the_same_day_a_year_later_turns_29_february_into_28_february(day, a_year_later):
    assert same_day_a_year_later(day) == a_year_later


@given(st.dates(min_value=datetime.date(2000, 1, 1), max_value=datetime.date(2199, 12, 31)))
def test_a_day_a_year_later_falls_in_the_next_fiscal_year_in_the_same_month(day):
    later = same_day_a_year_later(day)

    assert fiscal_year_of(later) == fiscal_year_of(day) + 1
    assert (later.month, later.day) == (day.month, min(day.day, 28 if day.month == 2 else 31))


@pytest.mark.parametrize(
    ("fiscal_year", "japanese"),
    [
        (2026, "令和8年度"),
        (2020, "令和2年度"),
        (2019, "令和元年度"),  # April 2019 – March 2020: named by Reiwa, as town halls do
        (2018, "平成30年度"),
        (1989, "平成元年度"),
        (1988, "1988年度"),  # before the eras the platform knows: the Western year
    ],
)
def test_a_fiscal_year_in_the_japanese_calendar(fiscal_year, japanese):
    assert japanese_fiscal_year(fiscal_year) == japanese


@pytest.mark.parametrize(
    ("day", "japanese"),
    [
        (datetime.date(2026, 9, 30), "令和8年9月30日"),
        (datetime.date(2019, 5, 1), "令和元年5月1日"),  # the first day of 令和
        (datetime.date(2019, 4, 30), "平成31年4月30日"),  # the last day of 平成
        (datetime.date(2020, 1, 1), "令和2年1月1日"),
        (datetime.date(1989, 1, 8), "平成元年1月8日"),
        (datetime.date(1989, 1, 7), "昭和64年1月7日"),
        (datetime.date(1926, 12, 25), "昭和元年12月25日"),
        (datetime.date(1926, 12, 24), "大正15年12月24日"),  # the last day of 大正
        (datetime.date(1872, 12, 31), "1872年12月31日"),  # before the Gregorian calendar: 西暦
    ],
)
def test_a_date_in_the_japanese_calendar(day, japanese):
    assert japanese_date(day) == japanese


def test_an_aware_datetime_is_the_day_in_japan():
    # 15:30 UTC on 31 March is 00:30 on 1 April in Tokyo.
    moment = datetime.datetime(2027, 3, 31, 15, 30, tzinfo=datetime.UTC)
    assert japanese_date(moment) == "令和9年4月1日"
    assert western_date(moment) == "2027年4月1日"


@given(st.dates(min_value=datetime.date(2019, 5, 1), max_value=datetime.date(2100, 12, 31)))
def test_reiwa_years_count_from_2019(day):
    year = day.year - 2018
    expected = f"令和{'元' if year == 1 else year}年{day.month}月{day.day}日"
    assert japanese_date(day) == expected
