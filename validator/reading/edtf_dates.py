"""EDTF (Extended Date/Time Format) values, level 0 and 1, with their strict bounds.

The reference is the ``edtf`` library (Library of Congress EDTF). It costs 2-3 ms a call, so
the forms this dataset uses almost always (``2018``, ``2017-04``, ``2023-09-20``, each with an
optional ``~ ? %`` qualifier, and intervals of them with open ``..`` or unknown ends) are
decided by a fast path; everything else goes to the library. A property test holds the fast
path to the library's verdicts and bounds. Results are cached per distinct value: dates
repeat, so the work grows with the number of distinct values, not of rows.
"""

from __future__ import annotations

import calendar
import re
import time
from dataclasses import dataclass
from functools import lru_cache
from typing import overload

from ..errors import EdtfError
from . import limits

Day = tuple[int, int, int]

# Characters EDTF level 0 and 1 can contain (the library itself tolerates spaces around values).
_CHARSET = re.compile(r"[0-9XY~?%./:TZ+-]+")
_SIMPLE = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?[~?%]?")

# edtf parser classes that belong to levels 0 and 1 (everything else is level 2).
_LEVEL_0_1 = {
    "Date",
    "DateAndTime",
    "Interval",
    "UncertainOrApproximate",
    "Unspecified",
    "Level1Interval",
    "LongYear",
    "Season",
    "UnspecifiedIntervalSection",
}


# The months as English sources write them, for showing a date and finding one in a quote.
MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


@dataclass(frozen=True)
class EdtfValue:
    """A valid EDTF value. ``lower``/``upper`` are the first and last possible day (y, m, d);
    None where the value is open (``..``) or unknown (an empty interval end)."""

    text: str
    lower: Day | None
    upper: Day | None
    interval: bool = False

    @property
    def reversed(self) -> bool:
        """An interval whose end lies entirely before its start."""
        return bool(self.interval and self.lower and self.upper and self.lower > self.upper)


# a calendar date inside any form (a date-time, an interval's side): year, month 01-12, day
_CALENDAR_DAY = re.compile(r"(?<![\d-])(\d{4})-(0[1-9]|1[0-2])-(\d{2})")


# days in each month of a common year (index 1-12): calendar.monthrange also works out the weekday
_MONTH_DAYS = (0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _simple_bounds(m: re.Match[str]) -> tuple[Day, Day] | None:
    year = int(m.group(1))
    if m.group(2) is None:
        return (year, 1, 1), (year, 12, 31)
    month = int(m.group(2))
    if not 1 <= month <= 12:
        return None  # seasons (21-24) and errors go to the library
    leap = month == 2 and calendar.isleap(year if year > 0 else 2000 + year % 400)
    last = 29 if leap else _MONTH_DAYS[month]
    if m.group(3) is None:
        return (year, month, 1), (year, month, last)
    day = int(m.group(3))
    if not 1 <= day <= last:
        raise EdtfError(f"{year:04d}-{month:02d} has no day {day}")
    return (year, month, day), (year, month, day)


def _fast(value: str) -> EdtfValue | None:
    """The common forms, or None to ask the library."""
    m = _SIMPLE.fullmatch(value)
    if m:
        b = _simple_bounds(m)
        return EdtfValue(value, b[0], b[1]) if b else None
    if value.count("/") != 1:
        return None
    left, right = value.split("/")
    sides: list[tuple[Day, Day] | None] = []
    for side in (left, right):
        if side in ("", ".."):
            sides.append(None)
            continue
        sm = _SIMPLE.fullmatch(side)
        if not sm:
            return None
        b = _simple_bounds(sm)
        if b is None:
            return None
        sides.append(b)
    if sides[0] is None and sides[1] is None:
        return None  # '/', '../..' and the like: let the library decide
    if (left == "" and right == "..") or (left == ".." and right == ""):
        return None
    lo = sides[0][0] if sides[0] else None
    hi = sides[1][1] if sides[1] else None
    return EdtfValue(value, lo, hi, interval=True)


def _struct_day(st: object) -> Day | None:
    # the library gives a time.struct_time, or a float (infinity) for an open end
    if isinstance(st, time.struct_time):
        return (st.tm_year, st.tm_mon, st.tm_mday)
    return None


def _library(value: str) -> EdtfValue:
    from edtf import parse_edtf  # edtf loads on first use: every tda command would pay its start-up time otherwise

    try:
        obj = parse_edtf(value)
    except Exception:  # noqa: BLE001 - the library raises several types for bad input
        raise EdtfError("not a valid EDTF date") from None
    kind = type(obj).__name__
    for m in _CALENDAR_DAY.finditer(value):  # the library accepts 29 February in every year
        year, month, day = int(m.group(1)), int(m.group(2)), int(m.group(3))
        if day > calendar.monthrange(year if year > 0 else 2000 + year % 400, month)[1]:
            raise EdtfError(f"{m.group(1)}-{m.group(2)} has no day {day}")
    if kind not in _LEVEL_0_1:
        raise EdtfError(f"EDTF level 2 ({kind}) is not allowed; use level 0 or 1")
    if "/" in value:
        left, right = value.split("/", 1)
        lo = None if left in ("", "..") else _library(left).lower
        hi = None if right in ("", "..") else _library(right).upper
        return EdtfValue(value, lo, hi, interval=True)
    try:
        return EdtfValue(value, _struct_day(obj.lower_strict()), _struct_day(obj.upper_strict()))
    except Exception:  # noqa: BLE001
        return EdtfValue(value, None, None)


@lru_cache(maxsize=65_536)
def parse(value: str) -> EdtfValue:
    """Parse one EDTF value; raise EdtfError with a reason if it is not level 0/1 EDTF."""
    if len(value) > limits.MAX_EDTF_CHARS:
        # The library's cost grows with the length: 'Y' and 20,000 digits took a second.
        raise EdtfError(f"{len(value):,} characters is too long for a date (at most {limits.MAX_EDTF_CHARS})")
    if not _CHARSET.fullmatch(value):
        raise EdtfError("EDTF uses only digits, X, Y, '-', '/', '..', ':', 'T', 'Z', '+' and the qualifiers ~ ? % (no spaces)")
    fast = _fast(value)
    return fast if fast is not None else _library(value)


def check(value: str) -> str | None:
    """None if ``value`` is valid, else the reason."""
    try:
        parse(value)
    except EdtfError as exc:
        return str(exc)
    return None


# Keys are stored as 64-bit integers; a long year (Y-1 and 60 zeros is valid EDTF) is held at
# the ends of that range, where it still sorts before or after every real date.
_KEY_BOUND = 9 * 10**18


@overload
def day_key(day: Day) -> int: ...
@overload
def day_key(day: None) -> None: ...
def day_key(day: Day | None) -> int | None:
    """An integer that orders days as the calendar does (also for negative and long years)."""
    if day is None:
        return None
    return max(-_KEY_BOUND, min(_KEY_BOUND, day[0] * 10_000 + day[1] * 100 + day[2]))


def fmt_day(day: Day) -> str:
    return f"{day[0]:04d}-{day[1]:02d}-{day[2]:02d}"
