"""External clients against a live server: OWSLib, GDAL (ogrinfo, ogr2ogr), an MVT decoder."""

import json
import subprocess

import mapbox_vector_tile
import pytest
import requests
from owslib.ogcapi.features import Features

from layers.services.imports import layer_import

from .conftest import LAT, LON
from .test_tiles import tile_of


@pytest.fixture
def served(live_server, layer, sample_geojson, districts):
    layer_import(layer=layer, path=sample_geojson, publish=True)
    return live_server.url


def test_owslib_lists_collections_and_reads_items_with_a_bbox(served):
    client = Features(f"{served}/ogc/")
    ids = [c["id"] for c in client.collections()["collections"]]
    assert {"parks-test", "districts", "parcels"} <= set(ids)
    assert (
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core"
        in (client.conformance()["conformsTo"])
    )
    items = client.collection_items(
        "parks-test", bbox=[LON + 0.009, LAT, LON + 0.0105, LAT + 0.001], limit=5
    )
    assert items["numberMatched"] == 1
    assert items["features"][0]["properties"]["name"] == "پارک ملت"
    queryables = client.collection_queryables("parks-test")
    assert "rank" in queryables["properties"]


def run(*args: str) -> str:
    result = subprocess.run(args, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_ogrinfo_reads_the_service(served):
    out = run("ogrinfo", "-ro", "-so", f"OAPIF:{served}/ogc/")
    assert "parks-test" in out
    assert "districts" in out and "parcels" in out
    detail = run("ogrinfo", "-ro", "-so", f"OAPIF:{served}/ogc/", "parks-test")
    assert "Feature Count: 3" in detail or "Polygon" in detail


def test_ogr2ogr_copies_a_collection_to_a_geopackage(served, tmp_path):
    target = tmp_path / "copy.gpkg"
    run("ogr2ogr", "-f", "GPKG", str(target), f"OAPIF:{served}/ogc/", "parks-test")
    out = run("ogrinfo", "-ro", "-al", str(target))
    assert "Feature Count: 3" in out
    assert "پارک ملت" in out
    districts = tmp_path / "districts.gpkg"
    run("ogr2ogr", "-f", "GPKG", str(districts), f"OAPIF:{served}/ogc/", "districts")
    assert "Feature Count: 13" in run("ogrinfo", "-ro", "-so", "-al", str(districts))


def test_a_served_tile_decodes_as_mvt(served):
    x, y = tile_of(LON + 0.001, LAT + 0.001, 15)
    response = requests.get(f"{served}/tiles/parks-test/15/{x}/{y}.mvt", timeout=30)
    assert response.status_code == 200
    tile = mapbox_vector_tile.decode(response.content)
    assert "parks-test" in tile and tile["parks-test"]["features"]
    tilejson = requests.get(f"{served}/tiles/districts.json", timeout=30).json()
    template = tilejson["tiles"][0]
    x, y = tile_of(59.6, 36.3, 10)
    url = template.replace("{z}", "10").replace("{x}", str(x)).replace("{y}", str(y))
    districts = mapbox_vector_tile.decode(requests.get(url, timeout=30).content)
    assert {f["properties"]["code"] for f in districts["districts"]["features"]} >= {11}


def test_geojson_download_is_readable_by_gdal(served, tmp_path):
    response = requests.get(f"{served}/layers/parks-test.geojson", timeout=30)
    path = tmp_path / "download.geojson"
    path.write_bytes(response.content)
    assert len(json.loads(response.content)["features"]) == 3
    assert "Feature Count: 3" in run("ogrinfo", "-ro", "-so", "-al", str(path))
