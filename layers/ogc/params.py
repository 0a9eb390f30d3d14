"""The query parameters of OGC API – Features: bbox, crs, datetime, limit/offset, and
queryable values. Each refused value raises a DRF ValidationError keyed by the parameter."""

import datetime
import math
import re

from django.contrib.gis.geos import Polygon
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError

from layers.collections import CRS84, CRS_LIST, SUPPORTED_CRS

DEFAULT_LIMIT = 10
MAX_LIMIT = 10_000
MAX_OFFSET = 10_000_000
ITEM_PARAMETERS = {"f", "lang", "bbox", "bbox-crs", "crs", "limit", "offset", "datetime"}
FILTER_PARAMETERS = {"filter", "filter-lang", "filter-crs"}


def parse_finite(text: str, name: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ValidationError({name: _("%(name)s must be numbers.") % {"name": name}}) from None
    if not math.isfinite(value):
        raise ValidationError({name: _("%(name)s must be finite numbers.") % {"name": name}})
    return value


def parse_crs(value: str | None, name: str) -> tuple[int, bool, str]:
    uri = value or CRS84
    uri = uri.strip("<>")
    if uri not in SUPPORTED_CRS:
        raise ValidationError(
            {
                name: _("Unsupported %(name)s; use one of: %(list)s")
                % {"name": name, "list": ", ".join(CRS_LIST)}
            }
        )
    srid, flip = SUPPORTED_CRS[uri]
    return srid, flip, uri


def parse_bbox(text: str, crs: str | None) -> Polygon:
    """A WGS84 polygon from `bbox` (4 or 6 numbers) given in `bbox-crs`."""
    parts = text.split(",")
    if len(parts) not in (4, 6):
        raise ValidationError({"bbox": _("bbox needs 4 numbers: minx,miny,maxx,maxy.")})
    numbers = [parse_finite(part, "bbox") for part in parts]
    if len(numbers) == 6:
        numbers = [numbers[0], numbers[1], numbers[3], numbers[4]]
    srid, flip, _uri = parse_crs(crs, "bbox-crs")
    if flip:
        numbers = [numbers[1], numbers[0], numbers[3], numbers[2]]
    minx, miny, maxx, maxy = numbers
    if minx > maxx or miny > maxy:
        raise ValidationError({"bbox": _("bbox must be minx,miny,maxx,maxy with min ≤ max.")})
    if srid == 4326 and not (
        -180 <= minx <= 180 and -180 <= maxx <= 180 and -90 <= miny <= 90 and -90 <= maxy <= 90
    ):
        raise ValidationError({"bbox": _("bbox is outside the longitude/latitude range.")})
    polygon = Polygon.from_bbox((minx, miny, maxx, maxy))
    polygon.srid = srid
    if srid != 4326:
        polygon.transform(4326)
    return polygon


DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _instant(text: str, end: bool) -> datetime.datetime | None:
    if text in ("", ".."):
        return None
    moment = None if DATE_ONLY.match(text) else parse_datetime(text)
    if moment is None:
        day = parse_date(text)
        if day is None:
            raise ValidationError(
                {
                    "datetime": _(
                        "datetime must be RFC 3339, e.g. 2026-01-31T10:00:00Z or an interval a/b."
                    )
                }
            )
        moment = datetime.datetime.combine(day, datetime.time.max if end else datetime.time.min)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.UTC)
    return moment


def parse_datetime_filter(text: str) -> tuple[datetime.datetime | None, datetime.datetime | None]:
    try:
        if "/" in text:
            start, end = text.split("/", 1)
            return _instant(start, False), _instant(end, True)
        if DATE_ONLY.match(text):  # a whole day
            return _instant(text, False), _instant(text, True)
        moment = _instant(text, False)
        return moment, moment
    except ValueError:
        raise ValidationError({"datetime": _("datetime is not a valid date.")}) from None


def parse_int_param(params, name: str, default: int, minimum: int, maximum: int) -> int:
    text = params.get(name)
    if text is None or text == "":
        return default
    try:
        value = int(text)
    except ValueError:
        raise ValidationError(
            {name: _("%(name)s must be a whole number.") % {"name": name}}
        ) from None
    if value < minimum:
        raise ValidationError(
            {name: _("%(name)s must be at least %(min)s.") % {"name": name, "min": minimum}}
        )
    return min(value, maximum)


def parse_typed(value: str, kind: str, name: str):
    if kind == "integer":
        try:
            return int(value)
        except ValueError:
            raise ValidationError(
                {name: _("%(name)s must be a whole number.") % {"name": name}}
            ) from None
    if kind == "number":
        return parse_finite(value, name)
    return value
