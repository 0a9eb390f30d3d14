"""The kernel's parsers: one per kind of input, shared by every surface."""

import datetime

import pytest
from django.utils import timezone

from gis_portal.core.params import (
    InvalidInput,
    parse_bbox,
    parse_date,
    parse_flag,
    parse_instant,
    parse_integer,
    parse_interval,
    parse_list,
    parse_number,
    parse_numbers,
)


def test_integer():
    assert parse_integer("۱۲", "page") == 12
    assert parse_integer(" 7 ", "page") == 7
    assert parse_integer("", "page", default=3) == 3
    assert parse_integer("5000", "limit", maximum=1000, clamp=True) == 1000
    for bad in ("1.5", "abc", "1e3", True, "9" * 50):
        with pytest.raises(InvalidInput) as error:
            parse_integer(bad, "page")
        assert error.value.field == "page"
    with pytest.raises(InvalidInput, match="at least 1"):
        parse_integer("0", "page", minimum=1)
    with pytest.raises(InvalidInput, match="at most 10"):
        parse_integer("11", "page", maximum=10)


def test_number():
    assert parse_number("۳٫۵", "lat") == 3.5
    assert parse_number(2, "lat") == 2.0
    assert parse_number("1,200", "area", thousands_separators=True) == 1200.0
    for bad in ("nan", "inf", "-Infinity", "1e999", "x", None, "", True, [1]):
        with pytest.raises(InvalidInput):
            parse_number(bad, "lat")


def test_numbers_and_bbox():
    assert parse_numbers("1,2", "p", counts=(2,)) == [1.0, 2.0]
    with pytest.raises(InvalidInput, match="2 numbers"):
        parse_numbers("1,2,3", "p", counts=(2,))
    assert parse_bbox("59.5,36.2,59.7,36.4") == (59.5, 36.2, 59.7, 36.4)
    assert parse_bbox("59.5,36.2,0,59.7,36.4,10") == (59.5, 36.2, 59.7, 36.4)
    with pytest.raises(InvalidInput, match="min ≤ max"):
        parse_bbox("59.7,36.2,59.5,36.4")
    with pytest.raises(InvalidInput):
        parse_bbox("1,2,3")


def test_date_gregorian_and_jalali():
    assert parse_date("2026-12-02", "from") == datetime.date(2026, 12, 2)
    assert parse_date("۱۴۰۵/۰۹/۱۱", "from") == datetime.date(2026, 12, 2)
    assert parse_date("", "from") is None
    for bad in ("1405/13/01", "2026-02-30", "02/12/2026", "0001-01-01x"):
        with pytest.raises(InvalidInput) as error:
            parse_date(bad, "from")
        assert error.value.field == "from"


def test_instant_and_interval():
    utc = datetime.UTC
    moment = parse_instant("2026-11-26T10:00:00Z", "datetime")
    assert moment == datetime.datetime(2026, 11, 26, 10, tzinfo=utc)
    naive = parse_instant("2026-11-26T10:00:00", "datetime", naive_in=utc)
    assert naive.tzinfo is utc
    local = parse_instant("2026-11-26T10:00:00", "datetime")
    assert timezone.is_aware(local)
    end_of_day = parse_instant("2026-11-26", "datetime", end=True, naive_in=utc)
    assert end_of_day.time() == datetime.time.max
    for bad in ("", "yesterday", "2026-13-01", "x" * 100):
        with pytest.raises(InvalidInput):
            parse_instant(bad, "datetime")

    start, end = parse_interval("2026-01-01/..", "datetime", naive_in=utc)
    assert start.date() == datetime.date(2026, 1, 1) and end is None
    start, end = parse_interval("2026-01-01", "datetime", naive_in=utc)
    assert (start.time(), end.time()) == (datetime.time.min, datetime.time.max)
    with pytest.raises(InvalidInput, match="ends before it starts"):
        parse_interval("2026-02-01/2026-01-01", "datetime")


def test_flag_and_list():
    assert parse_flag("TRUE") and parse_flag("on") and parse_flag("1")
    assert not parse_flag("") and not parse_flag(None) and not parse_flag("no")
    assert parse_list(" a, ,b ,") == ["a", "b"]
    assert parse_list(None) == []
