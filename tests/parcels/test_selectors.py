"""Spatial rules of DESIGN.md: covers, lowest code on shared edges, GPS tolerance."""

import math

import pytest
from django.contrib.gis.geos import MultiPolygon, Point, Polygon

from parcels.models import District
from parcels.selectors import OutsideCity, district_at, parcel_at, parcel_search
from tests.conftest import inside_point

# A 2×2 grid of square test districts sharing edges at x=59.60 and y=36.30:
#   code 7 | code 4        (north)
#   code 9 | code 2        (south)
X0, X1, X2 = 59.58, 59.60, 59.62
Y0, Y1, Y2 = 36.28, 36.30, 36.32
SQUARES = {7: (X0, Y1, X1, Y2), 4: (X1, Y1, X2, Y2), 9: (X0, Y0, X1, Y1), 2: (X1, Y0, X2, Y1)}
METRES_PER_DEGREE_LON = 111_320 * math.cos(math.radians(36.30))


@pytest.fixture
def grid(db):
    for code, (xmin, ymin, xmax, ymax) in SQUARES.items():
        District.objects.create(
            code=code,
            name_fa=f"منطقه {code}",
            name_en=f"District {code}",
            geom=MultiPolygon(Polygon.from_bbox((xmin, ymin, xmax, ymax)), srid=4326),
        )


def at(lon, lat):
    return district_at(Point(lon, lat, srid=4326))


@pytest.mark.parametrize(
    "lon, lat, code",
    [
        (59.59, 36.31, 7),
        (59.61, 36.31, 4),
        (59.59, 36.29, 9),
        (59.61, 36.29, 2),
        (X1, 36.31, 4),  # shared edge between 7 and 4: the lowest code wins
        (X1, 36.29, 2),  # shared edge between 9 and 2
        (59.59, Y1, 7),  # shared edge between 7 and 9
        (59.61, Y1, 2),  # shared edge between 4 and 2
        (X1, Y1, 2),  # shared vertex of all four
        (X0, Y2, 7),  # outer corner: on the boundary counts as inside
    ],
)
def test_point_belongs_to_the_covering_district_lowest_code_on_edges(grid, lon, lat, code):
    match = at(lon, lat)
    assert match.district.code == code
    assert match.snapped_m is None


def test_point_just_outside_within_tolerance_snaps_to_nearest(grid):
    lon = X2 + 20 / METRES_PER_DEGREE_LON  # 20 m east of District 4's east edge
    match = at(lon, 36.31)
    assert match.district.code == 4
    assert 19 <= match.snapped_m <= 21


def test_point_just_outside_a_shared_corner_snaps_to_the_lowest_code(grid):
    lon = X2 + 10 / METRES_PER_DEGREE_LON  # 10 m east of the edge shared by 4 and 2
    assert at(lon, Y1).district.code == 2


def test_point_beyond_tolerance_is_refused(grid):
    lon = X2 + 100 / METRES_PER_DEGREE_LON
    with pytest.raises(OutsideCity) as refused:
        at(lon, 36.31)
    assert refused.value.code == "outside_city"


def test_tolerance_is_a_setting(grid, settings):
    settings.GPS_TOLERANCE_M = 5
    with pytest.raises(OutsideCity):
        at(X2 + 20 / METRES_PER_DEGREE_LON, 36.31)


def test_far_away_point_is_refused(grid):
    with pytest.raises(OutsideCity):
        at(51.389, 35.689)  # Tehran


def test_demo_districts_share_exact_vertices(districts):
    """Neighbouring demo districts are noded: a shared vertex resolves to the lowest code."""
    d8, d11 = districts[8].geom, districts[11].geom
    shared = set(map(tuple, d8.coords[0][0])) & set(map(tuple, d11.coords[0][0]))
    assert shared, "districts 8 and 11 should be neighbours"
    for lon, lat in shared:
        owners = [
            code
            for code, d in districts.items()
            if (lon, lat) in set(map(tuple, d.geom.coords[0][0]))
        ]
        assert at(lon, lat).district.code == min(owners)


def test_every_demo_district_owns_its_inner_point(districts):
    for code, district in districts.items():
        assert district_at(inside_point(district)).district.code == code


def test_parcel_at_finds_the_parcel_and_none_between_parcels(parcel_11):
    centre = parcel_11.geom.point_on_surface
    found = parcel_at(Point(centre.x, centre.y, srid=4326))
    assert found.renovation_code == parcel_11.renovation_code
    xmin, ymin, _, _ = parcel_11.geom.extent
    assert parcel_at(Point(xmin - 0.00001, ymin - 0.00001, srid=4326)) is None


def test_parcel_area_is_computed_in_utm(parcel_11):
    # demo lots are ~13.8 m × 16.9 m (less insets) — a little under 220 m²
    assert 150 < parcel_11.area_m2 < 230


class TestSearch:
    def test_exact_code(self, parcel_11):
        assert [p.renovation_code for p in parcel_search(parcel_11.renovation_code)] == [
            parcel_11.renovation_code
        ]

    def test_code_with_persian_digits(self, parcel_11):
        persian = parcel_11.renovation_code.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
        assert parcel_search(persian).get().pk == parcel_11.pk

    def test_code_prefix_matches_whole_components(self, parcels):
        results = list(parcel_search("11-1-1"))
        assert results and all(p.renovation_code.startswith("11-1-1-") for p in results)
        assert not any(p.renovation_code.startswith("11-1-10") for p in results)

    def test_address_words(self, parcel_11):
        words = parcel_11.address.split("، ")
        results = parcel_search(f"{words[2]} پلاک")
        assert results.exists()
        assert all(words[2] in p.address for p in results[:20])

    def test_the_full_printed_address_finds_the_parcel(self, parcel_11):
        """District names carry Persian digits, house numbers ASCII: either form matches."""
        printed = parcel_11.address.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
        assert parcel_11 in parcel_search(printed)
        assert parcel_11 in parcel_search(parcel_11.address)

    def test_arabic_yeh_and_kaf_are_normalised(self, parcels):
        assert parcel_search("مشهد").exists()
        assert parcel_search("پلاك").count() == parcel_search("پلاک").count() > 0

    def test_nothing_for_empty_or_unknown(self, parcels):
        assert not parcel_search("   ").exists()
        assert not parcel_search("99-9-9-9").exists()
