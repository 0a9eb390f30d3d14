"""Safe construction of points from user input, shared by every app.

User-supplied strings never reach GEOSGeometry or GDAL: a GeoJSON `crs` link would
make GDAL fetch a URL, and deeply nested WKT can crash GEOS. Coordinates are parsed
as numbers here and the Point is built from floats.
"""

import math
from typing import Any

from django.contrib.gis.geos import Point
from django.utils.translation import gettext as _

from gis_portal.core.params import InvalidInput, parse_number

WGS84 = 4326
METRES_PER_DEGREE_LAT = 111_320.0


class InvalidCoordinates(InvalidInput):
    """The input is not a usable WGS84 point; the message says why, for a person."""

    def __init__(self, message: str, field: str = "location"):
        super().__init__(field, message)


def _number(value: Any, name: str) -> float:
    try:
        return parse_number(value, name)
    except InvalidInput as error:
        raise InvalidCoordinates(error.message, error.field) from None


def point_from_lat_lon(lat: Any, lon: Any) -> Point:
    """A WGS84 Point from latitude and longitude given as numbers or numeric strings."""
    latitude = _number(lat, "lat")
    longitude = _number(lon, "lon")
    if not -90 <= latitude <= 90:
        raise InvalidCoordinates(_("lat must be between -90 and 90."), "lat")
    if not -180 <= longitude <= 180:
        raise InvalidCoordinates(_("lon must be between -180 and 180."), "lon")
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


def degrees_at_least(metres: float, latitude: float) -> float:
    """A distance in degrees that is at least `metres` in every direction at `latitude`:
    a `dwithin` radius on a 4326 column that stays on its GiST index (then refine with an
    exact distance)."""
    return metres / (METRES_PER_DEGREE_LAT * max(math.cos(math.radians(latitude)), 0.01))
