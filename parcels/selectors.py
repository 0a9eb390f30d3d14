"""Spatial reads: which district and parcel are at a point, and parcel search.

The rules (DESIGN.md, "Spatial rules"):
- a point belongs to the district whose boundary covers it (ST_Covers: the boundary
  counts); on a shared edge or vertex the lowest district code wins;
- a point outside every district but within GPS_TOLERANCE_M metres of one is snapped
  to the nearest (ties again to the lowest code); farther out it is refused.
"""

import re
from dataclasses import dataclass

from django.conf import settings
from django.contrib.gis.db.models.functions import Distance
from django.contrib.gis.geos import Point
from django.db import connection
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from gis_portal.core.geo import degrees_at_least
from gis_portal.core.i18n import PERSIAN_DIGITS, TO_PERSIAN_DIGITS
from parcels.models import District, Parcel


class OutsideCity(LookupError):
    """The point is farther than the GPS tolerance from every district."""

    code = "outside_city"

    def __init__(self, point: Point, nearest_m: float | None):
        self.point = point
        self.nearest_m = nearest_m
        super().__init__(
            _("This point is outside the city's districts; choose a point inside the city.")
        )


@dataclass(frozen=True)
class DistrictMatch:
    district: District
    snapped_m: float | None = None  # metres to the district when snapped from outside

    @property
    def snapped(self) -> bool:
        return self.snapped_m is not None


def district_at(point: Point, *, tolerance_m: float | None = None) -> DistrictMatch:
    """The district that owns `point`, or OutsideCity.

    Both queries are index-assisted: `covers` and `dwithin` on the geometry column
    use the GiST index; the exact distance is computed only for the few candidates.
    """
    tolerance = settings.GPS_TOLERANCE_M if tolerance_m is None else tolerance_m
    inside = District.objects.filter(geom__covers=point).order_by("code").first()
    if inside is not None:
        return DistrictMatch(inside)
    candidates = (
        District.objects.filter(geom__dwithin=(point, degrees_at_least(tolerance, point.y)))
        .annotate(distance=Distance("geom", point))
        .order_by("distance", "code")
    )
    nearest = candidates.first()
    if nearest is None or nearest.distance.m > tolerance:
        raise OutsideCity(point, nearest.distance.m if nearest else None)
    return DistrictMatch(nearest, snapped_m=round(nearest.distance.m, 1))


def parcel_at(point: Point) -> Parcel | None:
    """The parcel whose outline covers `point` (lowest renovation code on a shared edge)."""
    return (
        Parcel.objects.filter(geom__covers=point)
        .select_related("district")
        .order_by("renovation_code")
        .first()
    )


_DISTRICT_FIELDS = (
    "id",
    "code",
    "name_fa",
    "name_en",
    "office_address",
    "office_phone",
    "office_email",
)
_PARCEL_FIELDS = (
    "id",
    "renovation_code",
    "district_id",
    "area_m2",
    "land_use",
    "address",
    "postal_code",
)

DISTRICT_AND_PARCEL_AT_SQL = f"""
    SELECT {", ".join(f"d.{name}" for name in _DISTRICT_FIELDS)},
           {", ".join(f"p.{name}" for name in _PARCEL_FIELDS)}
    FROM (SELECT {", ".join(_DISTRICT_FIELDS)} FROM parcels_district
          WHERE ST_Covers(geom, ST_SetSRID(ST_MakePoint(%(x)s, %(y)s), 4326))
          ORDER BY code LIMIT 1) d
    LEFT JOIN LATERAL (
        SELECT {", ".join(_PARCEL_FIELDS)} FROM parcels_parcel
        WHERE ST_Covers(geom, ST_SetSRID(ST_MakePoint(%(x)s, %(y)s), 4326))
        ORDER BY renovation_code LIMIT 1) p ON true"""  # noqa: S608 - fixed column names


def district_and_parcel_at(point: Point) -> tuple[DistrictMatch, Parcel | None]:
    """`district_at(point)` and `parcel_at(point)` (the same rules) in one round trip for
    a point inside a district, the common case; outside, the GPS tolerance path of
    district_at. The geometries are not read (deferred on the returned instances)."""
    with connection.cursor() as cursor:
        cursor.execute(DISTRICT_AND_PARCEL_AT_SQL, {"x": point.x, "y": point.y})
        row = cursor.fetchone()
    if row is None:
        return district_at(point), parcel_at(point)
    size = len(_DISTRICT_FIELDS)
    district = District.from_db("default", _DISTRICT_FIELDS, row[:size])
    parcel = None
    if row[size] is not None:
        parcel = Parcel.from_db("default", _PARCEL_FIELDS, row[size:])
        if parcel.district_id == district.pk:
            parcel.district = district
    return DistrictMatch(district), parcel


RENOVATION_CODE_PREFIX = re.compile(r"^\d{1,2}(-\d{0,5}){0,3}$")
ARABIC_LETTERS = str.maketrans({"ي": "ی", "ك": "ک", "ة": "ه"})


def normalize_search_text(text: str) -> str:
    """Persian/Arabic digits to ASCII, Arabic Yeh/Kaf to Persian, spaces folded."""
    text = text.translate(PERSIAN_DIGITS).translate(ARABIC_LETTERS)
    text = text.replace("\u200c", " ")  # zero-width non-joiner
    return " ".join(text.split())


def parcel_search(text: str) -> QuerySet[Parcel]:
    """Parcels by renovation code (exact or prefix, e.g. `11-2-`) or by address words.

    A code is matched on its prefix with whole components: `11-2-13` finds
    `11-2-13-*` and `11-2-13`, not `11-2-130-*`. Address search needs every word to
    appear (trigram GIN index), so `وکیل آباد ۱۲` narrows as the citizen types.
    """
    query = normalize_search_text(text)
    parcels = Parcel.objects.select_related("district")
    if not query:
        return parcels.none()
    compact = query.replace(" ", "")
    if RENOVATION_CODE_PREFIX.match(compact):
        if compact.endswith("-") or compact.count("-") < 3:
            stem = compact.rstrip("-")
            return parcels.filter(
                Q(renovation_code=stem) | Q(renovation_code__startswith=stem + "-")
            ).order_by("renovation_code")
        return parcels.filter(renovation_code=compact)
    condition = Q()
    for word in query.split(" ")[:8]:
        # Addresses may carry either digits (imported data, district names): match both.
        as_persian = word.translate(TO_PERSIAN_DIGITS)
        word_condition = Q(address__icontains=word)
        if as_persian != word:
            word_condition |= Q(address__icontains=as_persian)
        condition &= word_condition
    return parcels.filter(condition).order_by("renovation_code")


def district_list() -> QuerySet[District]:
    return District.objects.order_by("code")
