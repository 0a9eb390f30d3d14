"""OGC API Features: core, CRS, filtering, HTML; every bad parameter is a 400 with detail."""

import json

import pytest
from pyproj import Transformer

from layers.ogc.documents import CONFORMANCE
from layers.services.create import layer_create
from layers.services.imports import layer_import
from layers.services.publish import layer_unpublish

from .conftest import LAT, LON, feature, feature_collection, square, write_geojson

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
EPSG = "http://www.opengis.net/def/crs/EPSG/0/"


@pytest.fixture
def parks(layer, sample_geojson):
    layer_import(layer=layer, path=sample_geojson, publish=True)
    layer.refresh_from_db()
    return layer


def get_json(client, url, **params):
    response = client.get(url, params)
    assert response.status_code == 200, response.content[:300]
    return response, json.loads(response.content)


def test_landing_page_links(client, db):
    _, body = get_json(client, "/ogc/")
    rels = {link["rel"]: link["href"] for link in body["links"]}
    assert rels["service-desc"].endswith("/ogc/api")
    assert rels["conformance"].endswith("/ogc/conformance")
    assert rels["data"].endswith("/ogc/collections")
    api = client.get("/ogc/api")
    assert api["Content-Type"].startswith("application/vnd.oai.openapi+json")
    assert "/collections/{collectionId}/items" in json.loads(api.content)["paths"]


def test_conformance_declares_core_crs_and_filter(client, db):
    _, body = get_json(client, "/ogc/conformance")
    assert body["conformsTo"] == CONFORMANCE
    assert any("ogcapi-features-2" in uri for uri in body["conformsTo"])
    assert any("cql2-text" in uri for uri in body["conformsTo"])


def test_collections_list_layers_districts_and_parcels(client, parks, districts):
    _, body = get_json(client, "/ogc/collections")
    ids = [c["id"] for c in body["collections"]]
    assert ids[:1] == ["parks-test"]
    assert {"districts", "parcels"} <= set(ids)
    parks_doc = body["collections"][0]
    assert parks_doc["extent"]["spatial"]["bbox"][0] == pytest.approx(
        [LON, LAT, LON + 0.022, LAT + 0.002]
    )
    assert CRS84 in parks_doc["crs"] and f"{EPSG}32640" in parks_doc["crs"]
    assert any(link["rel"] == "items" for link in parks_doc["links"])


def test_unpublished_layer_is_not_a_collection(client, parks):
    layer_unpublish(layer=parks)
    assert client.get("/ogc/collections/parks-test").status_code == 404
    ids = [c["id"] for c in json.loads(client.get("/ogc/collections").content)["collections"]]
    assert "parks-test" not in ids


def test_items_paging_with_links_and_counts(client, parks):
    response, body = get_json(client, "/ogc/collections/parks-test/items", limit=2)
    assert response["Content-Type"] == "application/geo+json"
    assert response["Content-Crs"] == f"<{CRS84}>"
    assert body["numberMatched"] == 3 and body["numberReturned"] == 2
    assert [f["id"] for f in body["features"]] == [1, 2]
    links = {link["rel"]: link["href"] for link in body["links"]}
    assert "prev" not in links
    _, second = get_json(client, links["next"].split("testserver")[-1])
    assert [f["id"] for f in second["features"]] == [3]
    assert second["numberReturned"] == 1
    second_links = {link["rel"] for link in second["links"]}
    assert "prev" in second_links and "next" not in second_links


def test_items_bbox(client, parks):
    _, body = get_json(
        client,
        "/ogc/collections/parks-test/items",
        bbox=f"{LON + 0.009},{LAT},{LON + 0.0105},{LAT + 0.001}",
    )
    assert [f["id"] for f in body["features"]] == [2]
    assert body["features"][0]["properties"]["name"] == "پارک ملت"


def test_items_bbox_crs_epsg_4326_is_latitude_first(client, parks):
    bbox = f"{LAT},{LON + 0.009},{LAT + 0.001},{LON + 0.0105}"
    _, body = get_json(
        client, "/ogc/collections/parks-test/items", bbox=bbox, **{"bbox-crs": f"{EPSG}4326"}
    )
    assert [f["id"] for f in body["features"]] == [2]


def test_items_bbox_in_utm(client, parks):
    to_utm = Transformer.from_crs(4326, 32640, always_xy=True)
    x0, y0 = to_utm.transform(LON + 0.019, LAT + 0.0005)
    x1, y1 = to_utm.transform(LON + 0.021, LAT + 0.0015)
    _, body = get_json(
        client,
        "/ogc/collections/parks-test/items",
        bbox=f"{x0},{y0},{x1},{y1}",
        **{"bbox-crs": f"{EPSG}32640"},
    )
    assert [f["id"] for f in body["features"]] == [3]


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("4326", lambda x, y: (y, x)),  # latitude first
        ("3857", Transformer.from_crs(4326, 3857, always_xy=True).transform),
        ("32640", Transformer.from_crs(4326, 32640, always_xy=True).transform),
    ],
)
def test_items_in_other_crs(client, parks, code, expected):
    response, body = get_json(
        client, "/ogc/collections/parks-test/items", crs=f"{EPSG}{code}", limit=1
    )
    assert response["Content-Crs"] == f"<{EPSG}{code}>"
    first = body["features"][0]["geometry"]["coordinates"][0][0]
    assert first == pytest.approx(list(expected(LON, LAT)), abs=0.01)


def test_single_item(client, parks):
    response, body = get_json(client, "/ogc/collections/parks-test/items/2")
    assert response["Content-Type"] == "application/geo+json"
    assert body["id"] == 2 and body["properties"]["rank"] == 2
    assert client.get("/ogc/collections/parks-test/items/99").status_code == 404
    assert client.get("/ogc/collections/parks-test/items/abc").status_code == 404
    assert client.get("/ogc/collections/parks-test/items/99999999999999999999").status_code == 404


def test_districts_and_parcels_collections(client, parcels):
    _, district = get_json(client, "/ogc/collections/districts/items/11")
    assert district["properties"]["name_en"] == "District 11"
    code = parcels[0].renovation_code
    _, parcel = get_json(client, f"/ogc/collections/parcels/items/{code}")
    assert parcel["properties"]["renovation_code"] == code
    assert parcel["properties"]["district"] == parcels[0].district.code
    _, page = get_json(client, "/ogc/collections/parcels/items", limit=1000)
    assert page["numberMatched"] == len(parcels) and page["numberReturned"] == 1000


@pytest.mark.parametrize(
    ("cql", "ids"),
    [
        ("kind = 'park'", [1, 2]),
        ("rank > 1 AND kind <> 'park'", [3]),
        ("rank BETWEEN 2 AND 3", [2, 3]),
        ("name LIKE 'Gar%'", [3]),
        ("kind IN ('garden')", [3]),
        (f"S_INTERSECTS(geometry, POINT({LON + 0.021} {LAT + 0.001}))", [3]),
        (
            f"S_INTERSECTS(geometry, POLYGON(({LON - 1} {LAT - 1}, {LON + 0.015} {LAT - 1}, "
            f"{LON + 0.015} {LAT + 1}, {LON - 1} {LAT + 1}, {LON - 1} {LAT - 1})))",
            [1, 2],
        ),
    ],
)
def test_cql2_text_filter(client, parks, cql, ids):
    _, body = get_json(client, "/ogc/collections/parks-test/items", filter=cql)
    assert [f["id"] for f in body["features"]] == ids


def test_queryables(client, parks):
    response, body = get_json(client, "/ogc/collections/parks-test/queryables")
    assert response["Content-Type"] == "application/schema+json"
    assert body["properties"]["rank"]["type"] == "integer"
    assert body["properties"]["name"]["type"] == "string"
    assert body["properties"]["geometry"]["format"] == "geometry-any"


def test_property_equality_query_parameter(client, parks):
    _, body = get_json(client, "/ogc/collections/parks-test/items", kind="garden")
    assert [f["id"] for f in body["features"]] == [3]


def test_datetime_on_a_layer_with_time(client, tmp_path, db):
    timed = layer_create(slug="events", name_fa="رویداد", name_en="Events", time_property="day")
    source = write_geojson(
        tmp_path / "e.geojson",
        feature_collection(
            [
                feature(square(), day="2026-01-10"),
                feature(square(LON + 0.01), day="2026-03-21T08:00:00Z"),
                feature(square(LON + 0.02), day="2026-06-01"),
            ]
        ),
    )
    layer_import(layer=timed, path=source, publish=True)
    url = "/ogc/collections/events/items"
    for value, ids in [
        ("2026-03-21", [2]),
        ("2026-03-01T00:00:00Z/..", [2, 3]),
        ("../2026-02-01", [1]),
        ("2026-01-01/2026-03-31", [1, 2]),
    ]:
        _, body = get_json(client, url, datetime=value)
        assert [f["id"] for f in body["features"]] == ids, value
    _, collection = get_json(client, "/ogc/collections/events")
    assert collection["extent"]["temporal"]["interval"][0][0].startswith("2026-01-10")


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"bbox": "1,2,3"}, "bbox"),
        ({"bbox": "a,b,c,d"}, "bbox"),
        ({"bbox": "10,10,0,0"}, "min"),
        ({"bbox": "0,0,400,10"}, "range"),
        ({"bbox": "nan,0,1,1"}, "finite"),
        ({"bbox": "0,0,1,1", "bbox-crs": "EPSG:9999"}, "bbox-crs"),
        ({"bbox-crs": f"{EPSG}4326"}, "needs a bbox"),
        ({"crs": "http://example.com/crs"}, "crs"),
        ({"limit": "0"}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"offset": "-1"}, "offset"),
        ({"datetime": "2026-01-01"}, "no time"),
        ({"filter": "rank >>> 1"}, "could not be parsed"),
        ({"filter": "secret = 1"}, "Unknown property"),
        ({"filter": "S_INTERSECTS(geometry, LINESTRING(0 0))"}, "geometry in the filter"),
        ({"filter": "S_INTERSECTS(kind, POINT(1 1))"}, "cannot be used"),
        ({"filter": "NOT " * 3000 + "rank = 1"}, "filter"),
        ({"filter": "rank = 1", "filter-lang": "cql2-json"}, "cql2-text"),
        ({"rank": "one"}, "whole number"),
        ({"colour": "red"}, "Unknown parameter"),
        ({"f": "xml"}, "f=json"),
    ],
)
def test_bad_parameters_are_400_with_detail(client, parks, params, message):
    response = client.get("/ogc/collections/parks-test/items", params)
    assert response.status_code == 400
    assert message in response.json()["detail"]


def test_unknown_collection_is_404_with_detail(client, db):
    response = client.get("/ogc/collections/nope/items")
    assert response.status_code == 404
    assert "nope" in response.json()["detail"]


def test_geojson_accept_header_is_answered(client, parks):
    response = client.get("/ogc/collections/parks-test/items", HTTP_ACCEPT="application/geo+json")
    assert response.status_code == 200
    assert json.loads(response.content)["type"] == "FeatureCollection"


def test_html_pages_escape_attribute_markup(client, parks):
    for url in [
        "/ogc/?f=html",
        "/ogc/conformance?f=html",
        "/ogc/collections?f=html",
        "/ogc/collections/parks-test?f=html",
        "/ogc/collections/parks-test/queryables?f=html",
    ]:
        assert client.get(url).status_code == 200, url
    page = client.get("/ogc/collections/parks-test/items", HTTP_ACCEPT="text/html").content
    assert b"<script>alert(1)</script>" not in page
    assert b"&lt;script&gt;alert(1)&lt;/script&gt;" in page
    item = client.get("/ogc/collections/parks-test/items/1?f=html").content
    assert b"<b>Park</b>" not in item and b"&lt;b&gt;Park&lt;/b&gt;" in item


def test_geojson_download_and_gpkg_download(client, parks, tmp_path):
    response = client.get("/layers/parks-test.geojson")
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    document = json.loads(response.content)
    assert len(document["features"]) == 3
    gpkg = client.get("/layers/parks-test.gpkg")
    assert gpkg.status_code == 200
    path = tmp_path / "download.gpkg"
    path.write_bytes(b"".join(gpkg.streaming_content))
    from gis_portal.core.vector_files import open_vector

    source = open_vector(path)
    assert source.driver.name == "GPKG" and source[0].num_feat == 3
    assert client.get("/layers/nope.geojson").status_code == 404
