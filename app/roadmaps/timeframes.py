"""Start and due dates given as a day ("2027-03-15") or a quarter ("2027-Q1").

Pure functions. A quarter is stored as a date plus the precision "quarter":
its first day when it is a start, its last day when it is a due date, so
that comparing and sorting plain dates gives the right answer and the
quarter is shown back exactly as it was given.
"""
from __future__ import annotations

import re
from datetime import date, timedelta

from app.i18n import gettext

_QUARTER = re.compile(r"^(\d{4})\s*-?\s*Q([1-4])$", re.IGNORECASE)
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
EARLIEST_YEAR, LATEST_YEAR = 2000, 2100


class BadTimeframe(ValueError):
    pass


def quarter_of(day: date) -> tuple[int, int]:
    return day.year, (day.month - 1) // 3 + 1


def quarter_bounds(year: int, quarter: int) -> tuple[date, date]:
    first = date(year, 3 * (quarter - 1) + 1, 1)
    next_first = date(year + 1, 1, 1) if quarter == 4 else date(year, 3 * quarter + 1, 1)
    return first, next_first - timedelta(days=1)


def quarter_label(year: int, quarter: int) -> str:
    return f"{year}-Q{quarter}"


def parse_timeframe(value, *, end: bool) -> tuple[date | None, str]:
    """(date, precision) for "2027-03-15", "2027-Q1" or nothing; BadTimeframe with a message otherwise."""
    if value is None:
        return None, "day"
    if not isinstance(value, str):
        raise BadTimeframe(gettext("Give a date such as 2027-03-15 or a quarter such as 2027-Q1."))
    text = value.strip()
    if not text:
        return None, "day"
    match = _QUARTER.match(text)
    if match:
        year, quarter = int(match.group(1)), int(match.group(2))
        if not EARLIEST_YEAR <= year <= LATEST_YEAR:
            raise BadTimeframe(gettext("Give a year between %(first)s and %(last)s.", first=EARLIEST_YEAR,
                                          last=LATEST_YEAR))
        first, last = quarter_bounds(year, quarter)
        return (last if end else first), "quarter"
    if _DAY.match(text):
        try:
            day = date.fromisoformat(text)
        except ValueError:
            raise BadTimeframe(gettext("%(day)s is not a date in the calendar.", day=text)) from None
        if not EARLIEST_YEAR <= day.year <= LATEST_YEAR:
            raise BadTimeframe(gettext("Give a year between %(first)s and %(last)s.", first=EARLIEST_YEAR,
                                          last=LATEST_YEAR))
        return day, "day"
    raise BadTimeframe(gettext("Give a date such as 2027-03-15 or a quarter such as 2027-Q1."))


def show_timeframe(day: date | None, precision: str | None) -> str | None:
    """"2027-Q1" for a quarter, "2027-03-15" for a day, None when not set."""
    if day is None:
        return None
    if precision == "quarter":
        return quarter_label(*quarter_of(day))
    return day.isoformat()


def timeframe_words(shown: str | None) -> str:
    """A timeframe as show_timeframe gives it ("2027-Q1", "2027-03-15"), as the reader's language writes it:
    a quarter through gettext (each language orders year and quarter its own way), a day in ISO form, which
    reads the same everywhere. What is not a timeframe comes back as it is."""
    if not shown:
        return ""
    match = _QUARTER.match(shown)
    if match:
        # TRANSLATORS: a quarter of a year, e.g. "2027-Q1"; may be written "T1 2027", "1. Quartal 2027", ...
        return gettext("%(year)s-Q%(quarter)s", year=match.group(1), quarter=match.group(2))
    return shown


def parse_period(value) -> tuple[date, date] | None:
    """A filter period: a year ("2027") or a quarter ("2027-Q1"); None when empty or not understood."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    if re.fullmatch(r"\d{4}", text) and EARLIEST_YEAR <= int(text) <= LATEST_YEAR:
        return date(int(text), 1, 1), date(int(text), 12, 31)
    match = _QUARTER.match(text)
    if match and EARLIEST_YEAR <= int(match.group(1)) <= LATEST_YEAR:
        return quarter_bounds(int(match.group(1)), int(match.group(2)))
    return None


def overlaps(start: date | None, due: date | None, period: tuple[date, date]) -> bool:
    """Whether an action running from start to due (either may be open) touches the period.
    An action without any date touches no period."""
    if start is None and due is None:
        return False
    first, last = period
    return (start or due) <= last and (due or start) >= first


def quarters_between(first: date, last: date, limit: int = 40) -> list[tuple[int, int]]:
    """Every quarter from the one holding `first` to the one holding `last`, at most `limit`."""
    year, quarter = quarter_of(first)
    end = quarter_of(last)
    out = []
    while (year, quarter) <= end and len(out) < limit:
        out.append((year, quarter))
        year, quarter = (year + 1, 1) if quarter == 4 else (year, quarter + 1)
    return out
