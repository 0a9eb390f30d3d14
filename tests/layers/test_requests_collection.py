"""The public `requests` collection: status, service, district, dates — no personal data."""

import datetime
import json
import math

import mapbox_vector_tile
import pytest
from django.utils import timezone

from layers.collections import collection_by_id

from ..conftest import inside_point


def test_the_requests_collection_is_there(db):
    assert collection_by_id("requests") is not None


SECRET = "Secret Person"
PHONE = "09121234567"
EMAIL = "secret.person@example.org"


@pytest.fixture
def service_request(districts):
    from permits.models import Department, ServiceDomain, ServiceRequest, ServiceType

    department = Department.objects.create(code="parks", name_fa="پارک‌ها", name_en="Parks")
    domain = ServiceDomain.objects.create(code="green-space", name_fa="فضای سبز", name_en="Green")
    service = ServiceType.objects.create(
        code="tree-pruning",
        name_fa="هرس درخت",
        name_en="Tree pruning",
        domain=domain,
        department=department,
    )
    now = timezone.now()
    return ServiceRequest.objects.create(
        tracking_code="ABC123XYZ",
        service_type=service,
        location=inside_point(districts[11]),
        district=districts[11],
        department=department,
        status="submitted",
        description=f"call {SECRET} at {PHONE}",
        contact_name=SECRET,
        contact_phone=PHONE,
        contact_email=EMAIL,
        submitted_at=now - datetime.timedelta(days=2),
        due_at=now + datetime.timedelta(days=12),
    )


def _no_personal_data(content: bytes) -> None:
    text = content.decode("utf-8", "replace")
    for secret in (SECRET, PHONE, EMAIL, "ABC123XYZ", "contact_"):
        assert secret not in text


def test_requests_items_have_public_fields_only(client, service_request):
    response = client.get("/ogc/collections/requests/items")
    assert response.status_code == 200
    _no_personal_data(response.content)
    feature = json.loads(response.content)["features"][0]
    assert feature["properties"]["service_code"] == "tree-pruning"
    assert feature["properties"]["status"] == "submitted"
    assert feature["properties"]["district"] == 11
    assert set(feature["properties"]) == {
        "service_code",
        "service_name_fa",
        "service_name_en",
        "status",
        "district",
        "submitted_at",
        "updated_at",
    }
    one = client.get(f"/ogc/collections/requests/items/{service_request.pk}?f=html")
    _no_personal_data(one.content)


def test_requests_filters_and_time(client, service_request):
    for params, count in [
        ({"filter": "status = 'submitted' AND district = 11"}, 1),
        ({"service_code": "pothole"}, 0),
        ({"datetime": f"{(timezone.now() - datetime.timedelta(days=1)).date()}/.."}, 0),
        ({"datetime": f"../{timezone.now().date()}"}, 1),
    ]:
        body = client.get("/ogc/collections/requests/items", params).json()
        assert body["numberMatched"] == count, params


@pytest.mark.parametrize("field", ["contact_email", "contact_phone", "contact_name", "description"])
def test_personal_fields_cannot_be_queried(client, service_request, field):
    response = client.get("/ogc/collections/requests/items", {"filter": f"{field} LIKE 'S%'"})
    assert response.status_code == 400
    queryables = client.get("/ogc/collections/requests/queryables").json()
    assert field not in queryables["properties"]


def test_request_tiles_carry_no_personal_data(client, service_request):
    point = service_request.location
    z = 15
    x = int((point.x + 180) / 360 * 2**z)
    y = int((1 - math.asinh(math.tan(math.radians(point.y))) / math.pi) / 2 * 2**z)
    response = client.get(f"/tiles/requests/{z}/{x}/{y}.mvt")
    assert response.status_code == 200
    _no_personal_data(response.content)
    tile = mapbox_vector_tile.decode(response.content)
    assert tile["requests"]["features"][0]["properties"] == {
        "id": service_request.pk,
        "status": "submitted",
    }


def test_request_bbox_and_tile_queries_use_the_gist_index(service_request):
    from django.db import connection

    from layers.collections import collection_by_id, page_sql, tile_sql_for_explain
    from layers.ogc.params import parse_bbox

    collection = collection_by_id("requests")
    point = service_request.location
    bbox = parse_bbox(f"{point.x - 0.01},{point.y - 0.01},{point.x + 0.01},{point.y + 0.01}", None)
    queryset = collection.queryset().filter(location__intersects=bbox)
    queries = [
        page_sql(queryset, limit=10, spatial=True),
        tile_sql_for_explain(collection, 15, 21800, 12840),
    ]
    for sql, params in queries:
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("EXPLAIN " + sql, params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
        assert "request_location_gist" in plan
