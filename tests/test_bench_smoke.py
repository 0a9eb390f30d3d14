"""The benchmark's building blocks on a tiny data set (no timed assertions).

`make bench` runs them on 1M parcels; here: the generator hash, the SQL request
generator, the raw-SQL references giving the same answers as the endpoints they are
compared with, one measurement of 10 iterations over real HTTP, and the load generator.
"""

import dataclasses
import json
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.gis.geos import Point
from django.db import connection

from gis_portal.bench import load, sql
from gis_portal.bench.client import Client, percentile, summary_ms
from gis_portal.bench.config import BENCH_PASSWORD, BENCH_USERNAME, BenchConfig
from gis_portal.bench.context import Context, city_points
from gis_portal.bench.data import CLOSED_STATUSES, OPEN_STATUSES, requests_generate
from gis_portal.bench.rows.features import bbox_for
from gis_portal.bench.rows.lookup import row_lookup
from gis_portal.bench.rows.tiles import tile_of
from gis_portal.staff.services import staff_create
from permits.catalogue import catalogue_load

CATALOGUE = Path(settings.BASE_DIR) / "data/services.json"


@pytest.fixture
def city(parcels):
    catalogue_load(data=json.loads(CATALOGUE.read_text(encoding="utf-8")))
    staff_create(username=BENCH_USERNAME, role="supervisor", password=BENCH_PASSWORD)
    with connection.cursor() as cursor:
        requests_generate(cursor, count=1000, years=2, seed=11)
    return parcels


def test_generator_hash_follows_the_parameters():
    config = BenchConfig()
    assert config.generator_hash() == BenchConfig().generator_hash()
    assert config.generator_hash() != dataclasses.replace(config, parcels=999).generator_hash()
    assert config.generator_hash() != dataclasses.replace(config, seed=12).generator_hash()
    # Measurement sizes are not data: changing them reuses the database.
    assert config.generator_hash() == dataclasses.replace(config, lookup_points=9).generator_hash()


def test_requests_are_generated_in_sql_with_their_history(city):
    from parcels.selectors import district_at
    from permits.models import RequestEvent, ServiceRequest

    requests = ServiceRequest.objects.filter(tracking_code__startswith="BEN-")
    assert requests.count() == 1000
    assert set(requests.values_list("status", flat=True)) <= set(OPEN_STATUSES + CLOSED_STATUSES)
    assert not requests.filter(status__in=CLOSED_STATUSES, closed_at__isnull=True).exists()
    assert not requests.exclude(status__in=CLOSED_STATUSES).filter(closed_at__isnull=False).exists()
    assert requests.filter(status__in=CLOSED_STATUSES).exists()
    assert requests.exclude(status__in=CLOSED_STATUSES).exists()
    for request in requests.select_related("district", "parcel", "service_type")[:50]:
        assert district_at(request.location).district.pk == request.district_id
        assert request.parcel.geom.covers(request.location)
        online = set(request.service_type.online_districts.values_list("pk", flat=True))
        assert not online or request.district_id in online
    assert RequestEvent.objects.filter(kind="submitted").count() == 1000
    assert RequestEvent.objects.filter(kind="routed").count() == 1000
    assert RequestEvent.objects.filter(actor__username=BENCH_USERNAME).exists()


def test_lookup_sql_gives_the_api_answer(city):
    from parcels.api import lookup_payload

    with connection.cursor() as cursor:
        points = city_points(cursor, 30, 11)
        for lon, lat in points:
            district, parcel = sql.lookup(cursor, lon, lat)
            payload = lookup_payload(lat, lon)
            assert payload["district"]["code"] == district[0]
            assert (payload["parcel"] or {}).get("code") == (parcel[0] if parcel else None)


@pytest.mark.parametrize(("collection", "z"), [("parcels", 16), ("requests", 14)])
def test_tile_sql_is_the_tile_the_portal_serves(city, collection, z):
    from layers.collections import collection_by_id, tile_mvt

    lon, lat = city[0].geom.point_on_surface.coords
    x, y = tile_of(lon, lat, z)
    with connection.cursor() as cursor:
        expected = sql.tile(cursor, collection, z, x, y)
    assert expected
    assert tile_mvt(collection_by_id(collection), z, x, y) == expected


@pytest.mark.parametrize("collection", ["parcels", "requests"])
def test_page_sql_is_the_page_the_portal_serves(city, collection):
    from layers.collections import collection_by_id, features_json

    portal = collection_by_id(collection)
    served = json.loads(
        features_json(portal, portal.queryset(), srid=4326, flip=False, offset=100, limit=50)
    )
    with connection.cursor() as cursor:
        reference = json.loads(sql.ogc_page(cursor, collection, 100, 50))
    assert len(served) == 50
    assert reference == served


def test_bbox_sql_counts_what_the_items_api_matches(city):
    from django.contrib.gis.geos import Polygon

    from parcels.models import Parcel

    lon, lat = city[0].geom.point_on_surface.coords
    with connection.cursor() as cursor:
        bbox = bbox_for(cursor, 200, lon, lat)
        body = json.loads(sql.geojson_bbox(cursor, bbox))
        count = sql.geojson_bbox_count(cursor, bbox)
    polygon = Polygon.from_bbox(bbox)
    polygon.srid = 4326
    assert 160 <= count <= 200  # close to the asked size, never over it
    assert len(body["features"]) == count == Parcel.objects.filter(geom__intersects=polygon).count()


def test_dashboard_sql_matches_the_dashboard(city):
    import datetime

    from django.contrib.auth import get_user_model

    from permits.staff import dashboard

    user = get_user_model().objects.get(username=BENCH_USERNAME)
    today = datetime.date.today()
    period = dashboard.Period(today - datetime.timedelta(days=800), today)
    with connection.cursor() as cursor:
        total, districts, services, weeks, steps = sql.dashboard(cursor, *period.bounds)
    figures = dashboard.figures(user, period)
    kpis = figures["total"]
    assert total[0][:4] == (kpis["received"], kpis["open"], kpis["closed"], kpis["overdue"])
    assert total[0][4:] == pytest.approx((kpis["median_days"], kpis["p90_days"]))
    assert kpis["received"] == 1000
    assert [row[0] for row in districts] == [row["district__code"] for row in figures["districts"]]
    assert [row[3] for row in districts] == [row["received"] for row in figures["districts"]]
    assert [row[0] for row in services] == [
        row["service_type__code"] for row in figures["services"]
    ]
    assert [row[1] for row in weeks] == [row["count"] for row in figures["weeks"]]
    assert [(row[0], row[4], row[5]) for row in steps] == [
        (row["request__service_type__code"], row["closed"], row["steps"])
        for row in figures["steps"]
    ]


def test_filing_sql_reference_writes_a_routed_request(city):
    from permits.models import ServiceRequest

    point = city[0].geom.point_on_surface
    with connection.cursor() as cursor:
        request_id = sql.filing(
            cursor, lon=point.x, lat=point.y, service_code="pothole", code="SQL-TEST-1"
        )
    request = ServiceRequest.objects.get(pk=request_id)
    assert request.district_id == city[0].district_id
    assert request.parcel_id == city[0].pk
    assert request.events.count() == 2


def test_percentiles_are_nearest_rank():
    values = list(range(1, 2001))
    assert percentile(values, 0.99) == 1980
    assert percentile(values, 0.5) == 1000
    assert summary_ms([0.001, 0.002, 0.003])["p50"] == 2.0


@pytest.mark.django_db
@pytest.mark.parametrize("z", [12, 14, 16])
def test_tile_numbers_agree_with_postgis(z):
    assert tile_of(0.0, 0.0, 1) == (1, 1)
    lon, lat = 59.6062, 36.2970
    x, y = tile_of(lon, lat, z)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT ST_Covers(ST_Transform(ST_TileEnvelope(%s, %s, %s), 4326), "
            "ST_SetSRID(ST_MakePoint(%s, %s), 4326))",
            [z, x, y, lon, lat],
        )
        assert cursor.fetchone()[0] is True


@pytest.mark.django_db(transaction=True)
def test_one_lookup_measurement_of_ten_points_over_http(city, live_server):
    port = int(live_server.url.rsplit(":", 1)[1])
    with connection.cursor() as cursor:
        points = city_points(cursor, 10, 11)
    ctx = Context(
        config=BenchConfig(), port=port, connection=connection, points=points, log=lambda _: None
    )
    row = row_lookup(ctx, points)
    assert row["http"]["n"] == 10
    assert row["sql"]["n"] == 10
    assert row["answers_differing_from_sql"] == 0
    assert row["verdict"] in ("met", "MISSED")


@pytest.mark.django_db(transaction=True)
def test_load_generator_on_loopback(city, live_server):
    port = int(live_server.url.rsplit(":", 1)[1])
    point = city[0].geom.point_on_surface
    payloads = [{"method": "GET", "path": f"/api/lookup/?lat={point.y}&lon={point.x}"}]
    result = load.run(port=port, clients=2, seconds=1, payloads=payloads, rate=None)
    assert result["completed"] > 0
    assert result["status"] == {"200": result["completed"]}
    assert result["errors"] == 0
    paced = load.run(port=port, clients=2, seconds=1, payloads=payloads, rate=10)
    assert 1 <= paced["completed"] <= 10  # never more than offered
    client = Client(port)
    status, body, _seconds, _response = client.get(payloads[0]["path"])
    client.close()
    assert status == 200
    assert json.loads(body)["inside_city"] is True
    assert Point(point.x, point.y).x == point.x
