"""Dates and quarters: pure parsing and display."""
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.roadmaps.timeframes import BadTimeframe, overlaps, parse_period, parse_timeframe, show_timeframe


@pytest.mark.parametrize("text, end, expected", [
    ("2027-Q1", False, (date(2027, 1, 1), "quarter")),
    ("2027-Q1", True, (date(2027, 3, 31), "quarter")),
    ("2027-q4", True, (date(2027, 12, 31), "quarter")),
    ("2027 Q2", False, (date(2027, 4, 1), "quarter")),
    ("2027-03-15", True, (date(2027, 3, 15), "day")),
    ("", True, (None, "day")),
    (None, False, (None, "day")),
])
def test_dates_and_quarters_are_understood(text, end, expected):
    assert parse_timeframe(text, end=end) == expected


@pytest.mark.parametrize("text", ["2027-Q0", "2027-Q5", "2027-02-30", "27-Q1", "Q1 2027", "1899-Q1", "2027-3-1", 2027])
def test_anything_else_is_refused_with_a_message(text):
    with pytest.raises(BadTimeframe, match=r"^(Give a|\S+ is not a date in the calendar)") as refused:
        parse_timeframe(text, end=False)
    assert str(refused.value).endswith(".")  # a whole sentence a person can act on


@given(st.integers(2000, 2100), st.integers(1, 4), st.booleans())
def test_a_quarter_is_shown_back_as_it_was_given(year, quarter, end):
    day, precision = parse_timeframe(f"{year}-Q{quarter}", end=end)
    assert show_timeframe(day, precision) == f"{year}-Q{quarter}"


def test_periods_and_overlap():
    q1 = parse_period("2027-Q1")
    assert q1 == (date(2027, 1, 1), date(2027, 3, 31))
    assert parse_period("2027") == (date(2027, 1, 1), date(2027, 12, 31))
    assert parse_period("soon") is None
    assert overlaps(date(2026, 6, 1), date(2027, 2, 1), q1)
    assert overlaps(None, date(2027, 3, 31), q1) and not overlaps(None, date(2027, 4, 1), q1)
    assert not overlaps(None, None, q1)
