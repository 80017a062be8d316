"""The EDTF fast path gives the library's verdict and bounds; the library stays the reference."""

from __future__ import annotations

import calendar
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from validator.errors import EdtfError
from validator.reading import edtf_dates
from validator.reading.edtf_dates import _fast, _library, parse

year = st.integers(0, 2999).map(lambda y: f"{y:04d}")
month = st.integers(0, 25).map(lambda m: f"{m:02d}")
day = st.integers(0, 32).map(lambda d: f"{d:02d}")
qual = st.sampled_from(["", "", "~", "?", "%"])
single = st.one_of(
    year,
    st.tuples(year, month).map("-".join),
    st.tuples(year, month, day).map("-".join),
).flatmap(lambda d: qual.map(lambda q: d + q))
side = st.one_of(single, st.sampled_from(["", ".."]))
value = st.one_of(single, st.tuples(side, side).map("/".join))


def _library_or_error(v: str):
    try:
        return _library(v)
    except EdtfError:
        return None


def _feb_29_of_a_common_year(v: str) -> bool:
    return any(not calendar.isleap(int(y)) for y in re.findall(r"(\d{4})-02-29", v))


@pytest.mark.slow  # 400 generated values: 2 to 5 s
@settings(max_examples=400, deadline=None)
@given(value)
def test_fast_path_agrees_with_the_library(v: str) -> None:
    try:
        fast = _fast(v)
    except EdtfError:
        fast = "invalid"
    if fast is None:
        return  # the fast path declined; the library decides
    lib = _library_or_error(v)
    if fast == "invalid":
        if lib is not None and _feb_29_of_a_common_year(v):
            return  # the library's known leniency; see test_feb_29_only_in_leap_years
        assert lib is None, v
    else:
        assert lib is not None, f"fast path accepted {v!r}, the library rejects it"
        assert (fast.lower, fast.upper) == (lib.lower, lib.upper), v


@pytest.mark.parametrize(
    "v,lower,upper",
    [
        ("2018", (2018, 1, 1), (2018, 12, 31)),
        ("2017-04", (2017, 4, 1), (2017, 4, 30)),
        ("2024-02", (2024, 2, 1), (2024, 2, 29)),
        ("2023-09-20", (2023, 9, 20), (2023, 9, 20)),
        ("2012~", (2012, 1, 1), (2012, 12, 31)),
        ("2015/2017", (2015, 1, 1), (2017, 12, 31)),
        ("2018/..", (2018, 1, 1), None),
        ("../2018", None, (2018, 12, 31)),
        ("2018/", (2018, 1, 1), None),
        ("2019-21", (2019, 3, 1), (2019, 5, 31)),
        ("201X", (2010, 1, 1), (2019, 12, 31)),
    ],
)
def test_valid_values_and_bounds(v, lower, upper) -> None:
    got = parse(v)
    assert (got.lower, got.upper) == (lower, upper)


@pytest.mark.parametrize(
    "v", ["2023-02-30", "2023-13", "20/09/2023", "[2018,2019]", "2004-06~-11", " 2018", "", "/", "2018//2019", "abc"]
)
def test_invalid_values(v) -> None:
    assert edtf_dates.check(v) is not None


def test_reversed_interval_is_flagged() -> None:
    assert parse("2017/2015").reversed
    assert not parse("2015/2017").reversed


def test_day_key_orders_like_the_calendar() -> None:
    days = [(-1, 12, 31), (0, 1, 1), (2017, 12, 31), (2018, 1, 1), (2018, 1, 2)]
    keys = [edtf_dates.day_key(d) for d in days]
    assert keys == sorted(keys)


@pytest.mark.parametrize(
    "v",
    ["2023-02-29", "1900-02-29", "0001-02-29", "2023-02-29/2024", "2023-02-29~", "2023-02-29T10:00:00", "2023-02-29T10:00:00Z"],
)
def test_feb_29_only_in_leap_years(v) -> None:
    # The edtf library accepts 29 February in every year; the validator does not.
    assert edtf_dates.check(v) is not None


@pytest.mark.parametrize("v", ["2024-02-29", "2000-02-29", "0000-02-29", "2020-02-29/2021", "2024-02-29T10:00:00"])
def test_feb_29_of_a_leap_year(v) -> None:
    assert edtf_dates.check(v) is None
