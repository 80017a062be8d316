"""EDTF dates as a reader sees them, no more precise than the data.

``describe("2018")`` is "2018" (a year, drawn as the whole year), ``"2012~"`` is "about 2012"
(approximate: marked), ``"2019?"`` is "2019 (uncertain)", ``"2015/2017"`` is "2015 to 2017"
(an interval spans), ``"2018/.."`` is "from 2018 on (open end)". The bounds are those of
``validator.reading.edtf_dates`` (the first and last possible day); a value the reading below does not
know (seasons, unspecified digits such as ``201X``) is shown as written, with its bounds.

The timeline places each event by the record's derived columns ``date_earliest``/``date_latest``
(``validator/publish/derived.py``), the same bounds a release's tables carry: ``day_of`` reads them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from ...errors import EdtfError
from ...reading.edtf_dates import MONTHS, Day, parse

_SIMPLE = re.compile(r"(-?\d{4})(?:-(\d{2})(?:-(\d{2}))?)?([~?%]?)")


@dataclass(frozen=True)
class DateView:
    text: str  # the EDTF value as stored
    label: str  # in words: "about 2012", "April 2017", "2015 to 2017"
    precision: str  # day | month | year | interval | other
    approximate: bool  # ~ or % somewhere in the value
    uncertain: bool  # ? or % somewhere in the value
    lower: Day | None  # first possible day; None when open or unknown
    upper: Day | None  # last possible day; None when open or unknown
    open_start: bool = False  # an interval whose start is open (..) or unknown (empty)
    open_end: bool = False

    @property
    def sort_key(self) -> tuple[int, int, str]:
        """Earliest first; values without a lower bound after those with one."""
        lo = self.lower or self.upper
        return (0 if lo else 1, lo[0] * 10_000 + lo[1] * 100 + lo[2] if lo else 0, self.text)

    @property
    def iso_lower(self) -> str | None:
        return iso(self.lower)

    @property
    def iso_upper(self) -> str | None:
        return iso(self.upper)


def iso(day: Day | None) -> str | None:
    """(y, m, d) as an ISO date; None for None."""
    return f"{day[0]:04d}-{day[1]:02d}-{day[2]:02d}" if day else None


def _simple_label(value: str) -> tuple[str, str] | None:
    """(label, precision) of one date (not an interval), or None when it is not a plain form."""
    m = _SIMPLE.fullmatch(value)
    if not m:
        return None
    year, month, day, qualifier = m.groups()
    if month and not 1 <= int(month) <= 12:
        return None  # a season (21-24) or other level-1 code: shown as written
    if day:
        text, precision = f"{int(day)} {MONTHS[int(month) - 1]} {int(year)}", "day"
    elif month:
        text, precision = f"{MONTHS[int(month) - 1]} {int(year)}", "month"
    else:
        text, precision = str(int(year)), "year"
    if qualifier == "~":
        text = f"about {text}"
    elif qualifier == "?":
        text = f"{text} (uncertain)"
    elif qualifier == "%":
        text = f"about {text} (uncertain)"
    return text, precision


def describe(value: str) -> DateView:
    """The reading of one EDTF value; raises EdtfError for a value that is not EDTF level 0/1."""
    parsed = parse(value)
    approximate = "~" in value or "%" in value
    uncertain = "?" in value or "%" in value
    if not parsed.interval:
        simple = _simple_label(value)
        label, precision = simple if simple else (value, "other")
        return DateView(value, label, precision, approximate, uncertain, parsed.lower, parsed.upper)
    left, right = value.split("/", 1)
    left_label = _side_label(left)
    right_label = _side_label(right)
    open_start, open_end = left in ("", ".."), right in ("", "..")
    if open_start and open_end:
        label = "at an unknown time"
    elif open_end:
        label = f"from {left_label} on" + (" (open end)" if right == ".." else " (end unknown)")
    elif open_start:
        label = f"until {right_label}" + (" (open start)" if left == ".." else " (start unknown)")
    else:
        label = f"{left_label} to {right_label}"
    return DateView(
        value, label, "interval", approximate, uncertain, parsed.lower, parsed.upper, open_start=open_start, open_end=open_end
    )


def _side_label(side: str) -> str:
    if side in ("", ".."):
        return ""
    simple = _simple_label(side)
    return simple[0] if simple else side


def describe_or_none(value: str | None) -> DateView | None:
    """``describe`` for a cell that may be empty; a value that is not EDTF is shown as written."""
    if not value:
        return None
    try:
        return describe(value)
    except EdtfError:
        return DateView(value, value, "other", False, False, None, None)


def day_of(iso: str | None) -> Day | None:
    """An ISO date (``2018-12-31``, as the derived bound columns hold it) as (y, m, d); None for None."""
    if not iso:
        return None
    year, month, day = iso.split("-")
    return int(year), int(month), int(day)


def day_number(day: Day) -> int:
    """Days since 0001-01-01 (proleptic Gregorian), for placing a day on an axis."""
    year = min(max(day[0], 1), 9999)
    return date(year, day[1], day[2]).toordinal()


def span(start: DateView | None, end: DateView | None) -> str:
    """The words for a row's start and end columns: "from about 2013", "2010 until about 2012"."""
    if start and end:
        return f"{start.label} until {end.label}"
    if start:
        return f"from {start.label}"
    if end:
        return f"until {end.label}"
    return ""
