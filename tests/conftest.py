"""Shared fixtures: the demo districts and a small set of parcels on the real PostGIS."""

import pytest
from django.contrib.gis.geos import Point
from django.utils import translation

from parcels.demo import DISTRICT_SEEDS
from parcels.models import District, Parcel
from parcels.services import districts_load_demo, parcels_generate


@pytest.fixture(autouse=True)
def english_outside_requests():
    """Code called directly by a test speaks English; requests still choose their own
    language (Persian unless ?lang=en or the cookie says otherwise)."""
    with translation.override("en"):
        yield


@pytest.fixture
def districts(db) -> dict[int, District]:
    """The 13 demo districts, by code."""
    districts_load_demo()
    return {district.code: district for district in District.objects.all()}


@pytest.fixture
def parcels(districts) -> list[Parcel]:
    """About 1,300 demo parcels: a dense core in every district."""
    parcels_generate(count=1300)
    return list(Parcel.objects.select_related("district"))


def inside_point(district: District) -> Point:
    """A point well inside the district (its point on surface)."""
    point = district.geom.point_on_surface
    point.srid = 4326
    return point


@pytest.fixture
def district_11_point(districts) -> Point:
    return inside_point(districts[11])


@pytest.fixture
def parcel_11(parcels) -> Parcel:
    """A District 11 parcel."""
    return Parcel.objects.filter(district__code=11).order_by("renovation_code").first()


SEED_BY_CODE = {code: (lon, lat) for code, _fa, _en, lon, lat in DISTRICT_SEEDS}
