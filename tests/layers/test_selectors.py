"""routing_override_for and zoning_check (the permits app's contract) and can_manage_layers."""

import pytest
from django.contrib.auth.models import AnonymousUser, User
from django.contrib.gis.geos import Point
from django.utils import translation

from layers.models import Feature
from layers.selectors import can_manage_layers, routing_override_for
from layers.services.create import layer_create
from layers.services.imports import layer_import
from layers.services.publish import layer_unpublish
from permits.demo_layers import GREEN_SPACE_SERVICES, IN_PARK_SERVICES, PARKS_DEPARTMENT
from permits.zoning import ZoningVerdict, zoning_check

from ..conftest import inside_point
from .conftest import LAT, LON, feature, feature_collection, square, write_geojson


def _large_park_point(demo_layers) -> Point:
    park = Feature.objects.filter(version=demo_layers["parks-routing"].published_version).first()
    point = park.geom.point_on_surface
    point.srid = 4326
    return point


def test_routing_override_inside_a_large_park(demo_layers):
    point = _large_park_point(demo_layers)
    for code in GREEN_SPACE_SERVICES + IN_PARK_SERVICES:
        assert routing_override_for(point=point, service_code=code) == PARKS_DEPARTMENT


def test_routing_override_ignores_other_services_and_other_places(demo_layers, districts):
    point = _large_park_point(demo_layers)
    assert routing_override_for(point=point, service_code="building-permit") is None
    outside = Point(59.0, 36.0, srid=4326)
    assert routing_override_for(point=outside, service_code=GREEN_SPACE_SERVICES[0]) is None


def test_routing_override_stops_when_unpublished(demo_layers):
    point = _large_park_point(demo_layers)
    layer_unpublish(layer=demo_layers["parks-routing"])
    assert routing_override_for(point=point, service_code=GREEN_SPACE_SERVICES[0]) is None


def test_routing_override_reads_list_properties_and_wildcards(db, tmp_path):
    layer = layer_create(slug="override", name_fa="x", name_en="x", purpose="routing_override")
    source = write_geojson(
        tmp_path / "o.geojson",
        feature_collection(
            [
                feature(square(), service_codes=["pothole", "lighting"], department="roads"),
                feature(square(LON + 0.01), service_codes="*", department="everything"),
            ]
        ),
    )
    layer_import(layer=layer, path=source, publish=True)
    inside_first = Point(LON + 0.001, LAT + 0.001, srid=4326)
    assert routing_override_for(point=inside_first, service_code="lighting") == "roads"
    assert routing_override_for(point=inside_first, service_code="graffiti") is None
    inside_second = Point(LON + 0.011, LAT + 0.001, srid=4326)
    assert routing_override_for(point=inside_second, service_code="graffiti") == "everything"
    # A point exactly on the boundary is covered.
    assert routing_override_for(point=Point(LON, LAT, srid=4326), service_code="pothole") == "roads"


def test_zoning_check_in_the_core_of_district_11(demo_layers, districts):
    point = inside_point(districts[11])
    with translation.override("en"):
        verdict = zoning_check(point=point, use="commercial", floors=5)
    assert isinstance(verdict, ZoningVerdict)
    assert verdict.zone_code in ("C11", "R11")
    core = verdict.zone_code == "C11"
    assert verdict.use_allowed is core
    assert verdict.max_floors == (8 if core else 4)
    assert verdict.floors_allowed is core
    assert verdict.zone_code in verdict.explanation


def test_zoning_check_says_what_is_wrong_in_english_and_persian(demo_layers, districts):
    residential = Feature.objects.get(
        version=demo_layers["zoning"].published_version, properties__zone_code="R11"
    )
    point = residential.geom.point_on_surface
    point.srid = 4326
    with translation.override("en"):
        verdict = zoning_check(point=point, use="commercial", floors=6)
        assert not verdict.allowed
        assert not verdict.use_allowed and not verdict.floors_allowed
        assert "Commercial use is not allowed here" in verdict.explanation
        assert "6 floors exceed the maximum of 4" in verdict.explanation
        ok = zoning_check(point=point, use="residential", floors=3)
        assert ok.allowed
        assert "Residential use is allowed here" in ok.explanation
    with translation.override("fa"):
        persian = zoning_check(point=point, use="commercial", floors=6)
    assert "منطقه ۱۱" in persian.zone_name
    assert "۶" in persian.explanation and "۴" in persian.explanation


def test_zoning_check_without_use_or_floors(demo_layers, districts):
    verdict = zoning_check(point=inside_point(districts[3]), use=None, floors=None)
    assert verdict.allowed


def test_zoning_check_outside_every_zone(demo_layers):
    assert zoning_check(point=Point(58.0, 35.0, srid=4326), use="residential", floors=2) is None


def test_zoning_check_without_a_published_zoning_layer(districts):
    assert zoning_check(point=inside_point(districts[11]), use="residential", floors=2) is None


def test_can_manage_layers(gis_user, plain_user, db):
    assert can_manage_layers(gis_user)
    assert not can_manage_layers(plain_user)  # staff, but not GIS staff
    assert not can_manage_layers(AnonymousUser())
    admin = User.objects.create_superuser("root", password="root-pass-1")
    assert can_manage_layers(admin)
    gis_user.is_active = False
    assert not can_manage_layers(gis_user)


@pytest.mark.parametrize("use", ["commercial", "industrial"])
def test_unknown_floors_are_not_judged(demo_layers, districts, use):
    verdict = zoning_check(point=inside_point(districts[11]), use=use, floors=None)
    assert verdict.floors_allowed


@pytest.mark.parametrize(
    ("role", "allowed"),
    [("gis_staff", True), ("admin", True), ("planner", False), ("supervisor", False)],
)
def test_can_manage_layers_by_staff_role(districts, role, allowed):
    from gis_portal.staff.services import staff_create

    codes = [11] if role == "planner" else []
    user = staff_create(
        username=f"u-{role}", role=role, password="pass-1234-x", district_codes=codes
    )
    assert can_manage_layers(user) is allowed


def test_overlapping_override_layers_are_read_in_slug_order(db, tmp_path):
    for slug, department in [("b-second", "second"), ("a-first", "first")]:
        layer = layer_create(slug=slug, name_fa=slug, name_en=slug, purpose="routing_override")
        source = write_geojson(
            tmp_path / f"{slug}.geojson",
            feature_collection([feature(square(), service_codes="*", department=department)]),
        )
        layer_import(layer=layer, path=source, publish=True)
    point = Point(LON + 0.001, LAT + 0.001, srid=4326)
    assert routing_override_for(point=point, service_code="pothole") == "first"
