"""Safe construction of points from user input, shared by every app.

User-supplied strings never reach GEOSGeometry or GDAL: a GeoJSON `crs` link would
make GDAL fetch a URL, and deeply nested WKT can crash GEOS. Coordinates are parsed
as numbers here and the Point is built from floats.
"""

import math
from typing import Any

from django.contrib.gis.geos import Point
from django.utils.translation import gettext as _

WGS84 = 4326


class InvalidCoordinates(ValueError):
    """The input is not a usable WGS84 point; the message says why, for a person."""


def _number(value: Any, name: str) -> float:
    if value is None or (isinstance(value, str) and not value.strip()):
        raise InvalidCoordinates(_("%(name)s is required.") % {"name": name})
    if isinstance(value, bool):
        raise InvalidCoordinates(_("%(name)s must be a number.") % {"name": name})
    if isinstance(value, str):
        text = value.strip().translate(PERSIAN_DIGITS)
        if len(text) > 40:
            raise InvalidCoordinates(_("%(name)s must be a number.") % {"name": name})
        try:
            number = float(text)
        except ValueError:
            raise InvalidCoordinates(_("%(name)s must be a number.") % {"name": name}) from None
    elif isinstance(value, int | float):
        number = float(value)
    else:
        raise InvalidCoordinates(_("%(name)s must be a number.") % {"name": name})
    if not math.isfinite(number):
        raise InvalidCoordinates(_("%(name)s must be a finite number.") % {"name": name})
    return number


#: Persian (U+06F0…) then Arabic-Indic (U+0660…) digits, each 0–9.
EASTERN_DIGITS = "۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩"
#: Input: Persian and Arabic-Indic digits (and the Arabic decimal separator) to ASCII.
PERSIAN_DIGITS = str.maketrans(EASTERN_DIGITS + "٫", "0123456789" * 2 + ".")
#: Output: ASCII digits to Persian (display, and matching text stored in Persian).
TO_PERSIAN_DIGITS = str.maketrans("0123456789", EASTERN_DIGITS[:10])


def point_from_lat_lon(lat: Any, lon: Any) -> Point:
    """A WGS84 Point from latitude and longitude given as numbers or numeric strings."""
    latitude = _number(lat, "lat")
    longitude = _number(lon, "lon")
    if not -90 <= latitude <= 90:
        raise InvalidCoordinates(_("lat must be between -90 and 90."))
    if not -180 <= longitude <= 180:
        raise InvalidCoordinates(_("lon must be between -180 and 180."))
    return Point(longitude, latitude, srid=WGS84)


def point_from_geojson(geometry: Any) -> Point:
    """A WGS84 Point from a parsed GeoJSON geometry object (a dict, never a string).

    Strict: type Point, exactly two (or three) finite coordinates, no `crs` member
    (RFC 7946 removed it; a link there would make GDAL fetch it).
    """
    if not isinstance(geometry, dict):
        raise InvalidCoordinates(_("The geometry must be a GeoJSON object."))
    if "crs" in geometry:
        raise InvalidCoordinates(_("GeoJSON 'crs' is not accepted: coordinates are WGS84."))
    if geometry.get("type") != "Point":
        raise InvalidCoordinates(_("The geometry must be a GeoJSON Point."))
    coordinates = geometry.get("coordinates")
    if not isinstance(coordinates, list) or len(coordinates) not in (2, 3):
        raise InvalidCoordinates(_("A Point needs [longitude, latitude]."))
    return point_from_lat_lon(coordinates[1], coordinates[0])
