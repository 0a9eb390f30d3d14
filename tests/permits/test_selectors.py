"""Selectors (services at a point, nearby duplicates, public lookup) and tracking codes."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from parcels.selectors import OutsideCity
from permits.filing import request_file
from permits.models import ServiceRequest
from permits.selectors import nearby_open_requests, request_public, services_at
from permits.tracking import ALPHABET, check_character, tracking_code_new, tracking_code_normalize
from tests.conftest import inside_point

from .helpers import OUTSIDE_CITY, parcel_point, point_without_parcel, pruning_attributes

# --- tracking codes ---------------------------------------------------------------------------


def test_alphabet_has_no_ambiguous_characters():
    assert not set("0O1IL") & set(ALPHABET)
    assert len(set(ALPHABET)) == len(ALPHABET) == 31


def test_codes_are_well_formed_random_and_valid():
    codes = {tracking_code_new() for _ in range(2000)}
    assert len(codes) == 2000
    for code in list(codes)[:200]:
        prefix, first, second = code.split("-")
        assert prefix == "MHD" and len(first) == len(second) == 4
        assert set(first + second) <= set(ALPHABET)
        assert tracking_code_normalize(code) == code


def test_check_character_catches_typos_and_swaps():
    code = tracking_code_new()
    compact = code.replace("-", "")[3:]
    for position in range(len(compact)):
        for symbol in ALPHABET:
            if symbol == compact[position]:
                continue
            typo = compact[:position] + symbol + compact[position + 1 :]
            assert tracking_code_normalize(typo) is None
    for position in range(len(compact) - 1):
        a, b = compact[position], compact[position + 1]
        if a != b:
            swapped = compact[:position] + b + a + compact[position + 2 :]
            assert tracking_code_normalize(swapped) is None


def test_normalize_accepts_how_people_type():
    code = tracking_code_new()
    body = code.replace("-", "")[3:]
    persian = str.maketrans("23456789", "۲۳۴۵۶۷۸۹")
    for typed in (code.lower(), body, f" {body[:4]} {body[4:]} ", code.translate(persian)):
        assert tracking_code_normalize(typed) == code
    for junk in ("", "MHD", "x" * 100, None, 42, "MHD-0000-0000"):
        assert tracking_code_normalize(junk) is None
    assert check_character("2222222") in ALPHABET


# --- selectors on the database ----------------------------------------------------------------


@pytest.mark.django_db
def test_services_at(catalogue, parcel_11, districts):
    on_parcel = services_at(parcel_point(parcel_11))
    codes = {s.code for s in on_parcel.services}
    assert on_parcel.district.code == 11 and on_parcel.parcel == parcel_11
    assert {"building-permit-new", "building-permit-renovation", "tree-planting"} <= codes
    domains = [domain.code for domain, _services in on_parcel.by_domain()]
    assert domains[0] == "urban-planning" and len(domains) == len(set(domains))
    elsewhere = {s.code for s in services_at(inside_point(districts[5])).services}
    assert "tree-planting" not in elsewhere and "tree-pruning" in elsewhere
    no_parcel = {s.code for s in services_at(point_without_parcel(districts[11])).services}
    assert "building-permit-new" not in no_parcel
    with pytest.raises(OutsideCity):
        services_at(OUTSIDE_CITY)


@pytest.mark.django_db
def test_nearby_open_requests(catalogue, district_11_point):
    near = request_file(
        service_code="tree-pruning", point=district_11_point, attributes=pruning_attributes()
    )
    # ~80 m north: outside the 50 m radius
    from django.contrib.gis.geos import Point

    far_point = Point(district_11_point.x, district_11_point.y + 0.00072, srid=4326)
    request_file(service_code="tree-pruning", point=far_point, attributes=pruning_attributes())
    other_kind = request_file(
        service_code="park-damage",
        point=district_11_point,
        attributes={"damaged_items": ["bench"]},
    )
    old = request_file(
        service_code="tree-pruning", point=district_11_point, attributes=pruning_attributes()
    )
    ServiceRequest.objects.filter(pk=old.pk).update(
        submitted_at=timezone.now() - timedelta(days=31)
    )
    closed = request_file(
        service_code="tree-pruning", point=district_11_point, attributes=pruning_attributes()
    )
    ServiceRequest.objects.filter(pk=closed.pk).update(status="resolved")
    found = list(nearby_open_requests(district_11_point, "tree-pruning"))
    assert [r.pk for r in found] == [near.pk]
    assert found[0].distance.m < 1
    assert other_kind.pk not in [r.pk for r in nearby_open_requests(far_point, "tree-pruning")]


@pytest.mark.django_db
def test_nearby_query_uses_the_gist_index(catalogue, districts, district_11_point):
    """With a city's worth of requests (and statistics), the plan starts from the GiST index."""
    import random

    from django.contrib.gis.geos import Point

    from permits.models import Department, ServiceType

    rng = random.Random(3)
    service = ServiceType.objects.get(code="tree-pruning")
    department = Department.objects.get(code="parks")
    now = timezone.now()
    ServiceRequest.objects.bulk_create(
        ServiceRequest(
            tracking_code=f"T{i:07d}",
            service_type=service,
            location=Point(59.45 + rng.random() * 0.3, 36.20 + rng.random() * 0.2, srid=4326),
            district=districts[11],
            department=department,
            submitted_at=now - timedelta(days=rng.randint(0, 365)),
            due_at=now,
        )
        for i in range(5000)
    )
    sql, params = nearby_open_requests(district_11_point, "tree-pruning").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE permits_servicerequest")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "request_location_gist" in plan, plan


@pytest.mark.django_db
def test_request_public_checks_the_code_first(
    catalogue, district_11_point, django_assert_num_queries
):
    filed = request_file(
        service_code="tree-pruning", point=district_11_point, attributes=pruning_attributes()
    )
    found = request_public(filed.tracking_code.lower())
    assert found.pk == filed.pk
    assert [e.kind for e in found.public_events] == ["submitted", "routed"]
    wrong = filed.tracking_code[:-1] + ("2" if filed.tracking_code[-1] != "2" else "3")
    with django_assert_num_queries(0):
        assert request_public(wrong) is None
