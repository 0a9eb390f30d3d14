"""Vector tiles (ST_AsMVT), TileJSON, ETag, zoom ranges; and the GiST index in query plans."""

import math

import mapbox_vector_tile
import pytest
from django.db import connection

from layers.collections import collection_by_id, features_json, page_sql, tile_sql_for_explain
from layers.services.imports import layer_import
from parcels.models import Parcel

from .conftest import LAT, LON, feature, feature_collection, square, write_geojson


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    n = 2**z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return x, y


@pytest.fixture
def parks(layer, sample_geojson):
    layer_import(layer=layer, path=sample_geojson, publish=True)
    layer.refresh_from_db()
    return layer


def test_layer_tile_decodes_with_the_layer_name_and_features(client, parks):
    x, y = tile_of(LON + 0.001, LAT + 0.001, 14)
    response = client.get(f"/tiles/parks-test/14/{x}/{y}.mvt")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.mapbox-vector-tile"
    assert "max-age" in response["Cache-Control"]
    tile = mapbox_vector_tile.decode(response.content)
    assert list(tile) == ["parks-test"]
    features = tile["parks-test"]["features"]
    assert {f["properties"]["fid"] for f in features} == {1, 2, 3}
    names = {f["properties"]["name"] for f in features}
    assert "پارک ملت" in names
    assert features[0]["geometry"]["type"] == "Polygon"


def test_parcel_tile_has_only_the_needed_columns(client, parcels):
    parcel = Parcel.objects.filter(district__code=11).first()
    point = parcel.geom.point_on_surface
    x, y = tile_of(point.x, point.y, 16)
    tile = mapbox_vector_tile.decode(client.get(f"/tiles/parcels/16/{x}/{y}.mvt").content)
    properties = tile["parcels"]["features"][0]["properties"]
    assert set(properties) == {"renovation_code", "land_use"}
    codes = {f["properties"]["renovation_code"] for f in tile["parcels"]["features"]}
    assert parcel.renovation_code in codes


def test_empty_tile(client, parks):
    response = client.get("/tiles/parks-test/14/0/0.mvt")
    assert response.status_code == 200 and response.content == b""


def test_etag_and_not_modified_and_change_on_publish(client, parks, tmp_path):
    x, y = tile_of(LON + 0.001, LAT + 0.001, 14)
    url = f"/tiles/parks-test/14/{x}/{y}.mvt"
    first = client.get(url)
    etag = first["ETag"]
    again = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again["ETag"] == etag
    one = write_geojson(tmp_path / "one.geojson", feature_collection([feature(square(), a=1)]))
    layer_import(layer=parks, path=one, publish=True)
    changed = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag
    assert len(mapbox_vector_tile.decode(changed.content)["parks-test"]["features"]) == 1


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/tiles/parks-test/14/16384/0.mvt", 400),  # x outside the grid
        ("/tiles/parks-test/3/0/8.mvt", 400),  # y outside the grid
        ("/tiles/parks-test/30/0/0.mvt", 400),  # zoom too deep
        ("/tiles/parks-test/-1/0/0.mvt", 400),
        ("/tiles/parks-test/a/b/c.mvt", 400),
        ("/tiles/parks-test/5/20/12.mvt", 404),  # below the layer's zoom range
        ("/tiles/parcels/10/680/401.mvt", 404),  # parcels start at zoom 14
        ("/tiles/nope/14/0/0.mvt", 404),
    ],
)
def test_bad_tiles(client, parks, url, status):
    response = client.get(url)
    assert response.status_code == status
    assert response.json()["detail"]


def test_tilejson(client, parks):
    body = client.get("/tiles/parks-test.json").json()
    assert body["tilejson"] == "3.0.0"
    assert body["minzoom"] == parks.min_zoom and body["maxzoom"] == parks.max_zoom
    assert body["tiles"][0].endswith(f"/tiles/parks-test/{{z}}/{{x}}/{{y}}.mvt?v={body['version']}")
    assert body["vector_layers"][0]["id"] == "parks-test"
    assert body["bounds"] == pytest.approx([LON, LAT, LON + 0.022, LAT + 0.002])
    assert client.get("/tiles/districts.json").json()["minzoom"] == 0


# --- query plans: every spatial filter on a GiST index ------------------------------------


def explain(sql: str, params) -> str:
    with connection.cursor() as cursor:
        # The test tables are tiny, so a sequential scan would be cheaper: forbid it to see
        # whether the query *can* use the index (a filter that cannot would still seq-scan).
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


def uses_gist(index: str, plan: str) -> bool:
    """`index` is in the plan, or, for layer features, another GiST index on their geometry
    (the column's own and the (version, geom) one serve the same filter; which one the
    planner takes depends on the statistics earlier tests left)."""
    if index in plan:
        return True
    if not index.startswith("layer_feature"):
        return False
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'layers_feature' "
            "AND indexdef ILIKE '%%USING gist%%' AND indexdef LIKE '%%geom%%'"
        )
        return any(name in plan for (name,) in cursor.fetchall())


@pytest.mark.parametrize(
    ("collection_id", "index"),
    [
        ("parks-test", "layer_feature_geom_gist"),
        ("parcels", "parcel_geom_gist"),
        ("districts", "district_geom_gist"),
    ],
)
def test_bbox_item_queries_use_the_gist_index(parks, parcels, collection_id, index):
    """The page and the count that /items runs for a bbox both filter on the GiST index."""
    from layers.ogc.params import parse_bbox

    collection = collection_by_id(collection_id)
    bbox = parse_bbox(f"{LON},{LAT},{LON + 0.01},{LAT + 0.01}", None)
    queryset = collection.queryset().filter(geom__intersects=bbox)
    sql, params = page_sql(queryset, offset=10, limit=10, spatial=True)
    assert uses_gist(index, explain(sql, params))
    count_sql, count_params = queryset.order_by().values("pk").query.sql_with_params()
    assert uses_gist(index, explain(f"SELECT count(*) FROM ({count_sql}) c", count_params))
    features_json(collection, queryset, srid=4326, flip=False, limit=10, spatial=True)


@pytest.mark.parametrize(
    ("collection_id", "index"),
    [
        ("parks-test", "layer_feature_geom_gist"),
        ("parcels", "parcel_geom_gist"),
        ("districts", "district_geom_gist"),
    ],
)
def test_tile_query_uses_the_gist_index(parks, parcels, collection_id, index):
    x, y = tile_of(LON, LAT, 15)
    sql, params = tile_sql_for_explain(collection_by_id(collection_id), 15, x, y)
    assert uses_gist(index, explain(sql, params))


@pytest.mark.parametrize("purpose", ["zoning", "routing_override"])
def test_routing_and_zoning_lookups_use_the_gist_index(demo_layers, district_11_point, purpose):
    from django.test.utils import CaptureQueriesContext

    from layers.selectors import routing_override_for
    from permits.zoning import zoning_check

    with CaptureQueriesContext(connection) as captured:
        if purpose == "zoning":
            zoning_check(point=district_11_point, use="residential", floors=2)
        else:
            routing_override_for(point=district_11_point, service_code="tree-pruning")
    feature_queries = [q["sql"] for q in captured.captured_queries if "ST_Covers" in q["sql"]]
    assert len(feature_queries) == 1
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE layers_feature")
    assert "layer_feature_geom_gist" in explain(feature_queries[0], None)
