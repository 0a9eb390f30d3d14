"""One parser per kind of input, used by every surface (HTML, JSON API, Open311, OGC).

Each parser takes the raw value (a query-string text, a form value or a JSON value)
and the name of the field it came from, and returns a Python value or raises
`InvalidInput(field, message)`, a message a person can act on. Each surface turns
that into its own error shape (DRF's 400 body, Open311's error list, a form error).

Text is read leniently where people type it: surrounding spaces are ignored and
Persian or Arabic-Indic digits count as digits. Everything else is strict: no NaN or
Infinity, no absurdly long numbers, no out-of-range values.
"""

import datetime
import math
import re
from typing import Any

import jdatetime
from django.utils import timezone
from django.utils.dateparse import parse_date as django_parse_date
from django.utils.dateparse import parse_datetime as django_parse_datetime
from django.utils.translation import gettext as _

from gis_portal.core.i18n import PERSIAN_DIGITS

#: Longer texts are never numbers or dates worth parsing (and cost time to try).
MAX_TEXT = 40
DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
DAY = re.compile(r"^(\d{4})[-/](\d{1,2})[-/](\d{1,2})$")
#: Years below this, written YYYY/MM/DD, are Jalali (the Jalali year is ~621 behind).
JALALI_YEARS_BELOW = 1700


class InvalidInput(ValueError):
    """An input value that cannot be used: `field` names it, `message` says why."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


def _text(value: Any) -> str:
    return str(value).strip().translate(PERSIAN_DIGITS)


def parse_integer(
    value: Any,
    field: str,
    *,
    default: int | None = None,
    minimum: int | None = None,
    maximum: int | None = None,
    clamp: bool = False,
) -> int | None:
    """A whole number. Empty gives `default`; below `minimum` is refused; above
    `maximum` is refused, or lowered to it when `clamp` (paging limits)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return default
    if isinstance(value, bool):
        raise InvalidInput(field, _("%(name)s must be a whole number.") % {"name": field})
    if isinstance(value, int):
        number = value
    else:
        text = _text(value)
        if len(text) > MAX_TEXT or not re.fullmatch(r"[+-]?\d+", text):
            raise InvalidInput(field, _("%(name)s must be a whole number.") % {"name": field})
        number = int(text)
    if minimum is not None and number < minimum:
        raise InvalidInput(
            field, _("%(name)s must be at least %(min)s.") % {"name": field, "min": minimum}
        )
    if maximum is not None and number > maximum:
        if clamp:
            return maximum
        raise InvalidInput(
            field, _("%(name)s must be at most %(max)s.") % {"name": field, "max": maximum}
        )
    return number


def parse_number(value: Any, field: str, *, thousands_separators: bool = False) -> float:
    """A finite number, from a JSON number or a numeric text."""
    if value is None or (isinstance(value, str) and not value.strip()):
        raise InvalidInput(field, _("%(name)s is required.") % {"name": field})
    if isinstance(value, bool):
        raise InvalidInput(field, _("%(name)s must be a number.") % {"name": field})
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        text = _text(value)
        if thousands_separators:
            text = text.replace(",", "").replace("٬", "")
        if len(text) > MAX_TEXT:
            raise InvalidInput(field, _("%(name)s must be a number.") % {"name": field})
        try:
            number = float(text)
        except ValueError:
            raise InvalidInput(field, _("%(name)s must be a number.") % {"name": field}) from None
    else:
        raise InvalidInput(field, _("%(name)s must be a number.") % {"name": field})
    if not math.isfinite(number):
        raise InvalidInput(field, _("%(name)s must be a finite number.") % {"name": field})
    return number


def parse_numbers(text: str, field: str, *, counts: tuple[int, ...]) -> list[float]:
    """A comma-separated list of numbers, of one of the lengths in `counts`."""
    parts = str(text).split(",")
    if len(parts) not in counts:
        raise InvalidInput(
            field,
            _("%(name)s needs %(counts)s numbers separated by commas.")
            % {"name": field, "counts": _(" or ").join(str(count) for count in counts)},
        )
    return [parse_number(part, field) for part in parts]


def parse_bbox(text: str, field: str = "bbox") -> tuple[float, float, float, float]:
    """`minx,miny,maxx,maxy` (or the 6-number 3D form, heights dropped), min ≤ max.
    The numbers are in the caller's CRS: range checks belong to the caller."""
    numbers = parse_numbers(text, field, counts=(4, 6))
    if len(numbers) == 6:
        numbers = [numbers[0], numbers[1], numbers[3], numbers[4]]
    minx, miny, maxx, maxy = numbers
    if minx > maxx or miny > maxy:
        raise InvalidInput(
            field, _("%(name)s must be minx,miny,maxx,maxy with min ≤ max.") % {"name": field}
        )
    return minx, miny, maxx, maxy


def parse_date(value: Any, field: str) -> datetime.date | None:
    """A calendar day typed as YYYY-MM-DD (Gregorian) or YYYY/MM/DD (Jalali when the
    year is below 1700), in Latin or Persian digits; empty gives None."""
    text = _text(value or "")
    if not text:
        return None
    match = DAY.match(text[:20])
    try:
        if match is None:
            raise ValueError
        year, month, day = (int(part) for part in match.groups())
        if year < JALALI_YEARS_BELOW:
            return jdatetime.date(year, month, day).togregorian()
        return datetime.date(year, month, day)
    except (ValueError, OverflowError):
        raise InvalidInput(
            field, _("Enter a date as YYYY/MM/DD (Jalali, e.g. 1404/09/05) or YYYY-MM-DD.")
        ) from None


def parse_instant(
    value: Any,
    field: str,
    *,
    end: bool = False,
    naive_in: datetime.tzinfo | None = None,
) -> datetime.datetime:
    """A moment: RFC 3339 / ISO 8601 date-time, or a bare date (its first moment, or
    its last when `end`). A time without an offset is in `naive_in` (default: the
    portal's time zone)."""
    text = _text(value or "")
    moment = None
    if text and len(text) <= MAX_TEXT:
        try:
            day = django_parse_date(text) if DATE_ONLY.match(text) else None
            if day is not None:
                moment = datetime.datetime.combine(
                    day, datetime.time.max if end else datetime.time.min
                )
            else:
                moment = django_parse_datetime(text)
        except ValueError:
            moment = None
    if moment is None:
        raise InvalidInput(
            field,
            _("%(name)s is not a date: use RFC 3339 / ISO 8601, e.g. 2026-11-26T10:00:00Z.")
            % {"name": field},
        )
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=naive_in or timezone.get_current_timezone())
    return moment


def parse_interval(
    value: Any, field: str, *, naive_in: datetime.tzinfo | None = None
) -> tuple[datetime.datetime | None, datetime.datetime | None]:
    """An instant or an interval `start/end` (either side open as `..` or empty).
    A bare date means that whole day. Returns (start, end); None is unbounded."""
    text = _text(value or "")
    zone = {"naive_in": naive_in}
    if "/" in text:
        start_text, end_text = text.split("/", 1)
        open_ends = ("", "..")
        start = None if start_text in open_ends else parse_instant(start_text, field, **zone)
        end = None if end_text in open_ends else parse_instant(end_text, field, end=True, **zone)
        if start and end and end < start:
            raise InvalidInput(field, _("%(name)s ends before it starts.") % {"name": field})
        return start, end
    if DATE_ONLY.match(text):
        return (
            parse_instant(text, field, naive_in=naive_in),
            parse_instant(text, field, end=True, naive_in=naive_in),
        )
    moment = parse_instant(text, field, naive_in=naive_in)
    return moment, moment


def parse_flag(value: Any) -> bool:
    """true/1/yes/on (any case) is True; anything else, or nothing, is False."""
    return str(value or "").strip().lower() in ("true", "1", "yes", "on")


def parse_list(value: Any) -> list[str]:
    """A comma-separated text as its non-empty, stripped items."""
    return [item.strip() for item in str(value or "").split(",") if item.strip()]


def parse_date_or_datetime(value: Any, field: str) -> datetime.date | datetime.datetime:
    """A date (YYYY-MM-DD) or an ISO 8601 date-time, as written: a time without an offset
    stays naive, for values kept as the person gave them (not instants to compare)."""
    text = _text(value or "")
    parsed = None
    if text and len(text) <= MAX_TEXT:
        try:
            parsed = django_parse_date(text) if len(text) <= 10 else django_parse_datetime(text)
        except ValueError:
            parsed = None
    if parsed is None:
        raise InvalidInput(field, _("Enter a date as YYYY-MM-DD."))
    return parsed
