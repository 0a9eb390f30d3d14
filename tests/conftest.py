"""Shared fixtures: the parts of the demo city on the real PostGIS, built once a session.

`districts`, `parcels`, `catalogue` and `demo_layers` each restore one part of the
demo city (tests/demo_city.py) into the test's database; a test asks for the parts it
needs and sees nothing else. Smaller states are made with tests/factories.py.
"""

from collections.abc import Sequence

import pytest
from django.contrib.gis.geos import Point
from django.utils import translation

from layers.models import Layer
from parcels.demo import DISTRICT_SEEDS
from parcels.models import District, Parcel

from .demo_city import DemoCity


@pytest.fixture(autouse=True)
def english_outside_requests():
    """Code called directly by a test speaks English; requests still choose their own
    language (Persian unless ?lang=en or the cookie says otherwise)."""
    with translation.override("en"):
        yield


class ParcelList(Sequence):
    """The demo parcels (with their districts) as a list, read on first use.

    Making 1,300 GEOS geometries costs about a second, and most tests that ask for the
    parcels only need them to be in the database.
    """

    def __init__(self):
        self._parcels: list[Parcel] | None = None

    def _list(self) -> list[Parcel]:
        if self._parcels is None:
            self._parcels = list(Parcel.objects.select_related("district"))
        return self._parcels

    def __getitem__(self, index):
        return self._list()[index]

    def __len__(self) -> int:
        return len(self._list())


@pytest.fixture(scope="session")
def demo_city(django_db_setup, django_db_blocker) -> DemoCity:
    """The demo city, built by the app's loaders the first time a test needs a part."""
    city = DemoCity()
    with django_db_blocker.unblock():
        city.build()
    return city


@pytest.fixture
def districts(demo_city, db) -> dict[int, District]:
    """The 13 demo districts, by code."""
    demo_city.restore("districts")
    return {district.code: district for district in District.objects.all()}


@pytest.fixture
def parcels(demo_city, districts) -> "ParcelList":
    """About 1,300 demo parcels: a dense core in every district."""
    demo_city.restore("parcels")
    return ParcelList()


@pytest.fixture
def catalogue(demo_city, districts) -> None:
    """The demo catalogue (data/services.json): departments, domains, service types."""
    demo_city.restore("catalogue")


@pytest.fixture
def demo_layers(demo_city, districts) -> dict[str, Layer]:
    """The demo layers (zoning, routing overrides, parks…), published, by slug."""
    demo_city.restore("demo_layers")
    return {layer.slug: layer for layer in Layer.objects.select_related("published_version")}


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
