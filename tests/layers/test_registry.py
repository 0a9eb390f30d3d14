"""The collection registry: an app registers a builder; layers serves it without knowing it."""

import json

import mapbox_vector_tile
import pytest

from layers.collections import (
    Collection,
    all_collections,
    collection_by_id,
    collection_register,
    collection_unregister,
    registered_collection_ids,
)
from parcels.models import District

from ..conftest import inside_point
from .test_tiles import tile_of


def offices_collection() -> Collection:
    """A collection an app of its own might register: district offices, by name."""
    return Collection(
        id="offices",
        title_fa="دفاتر",
        title_en="Offices",
        description_fa="",
        description_en="District offices.",
        queryset=lambda: District.objects.all(),
        queryables={"code": ("code", "integer")},
        id_lookup="code",
        id_type="integer",
        id_sql="t.code",
        properties_sql="json_build_object('office', t.name_en)",
        from_sql=f"{District._meta.db_table} t",
        tile_columns_sql="t.name_en AS office",
        min_zoom=0,
        max_zoom=18,
    )


@pytest.fixture
def offices():
    collection_register("offices", offices_collection)
    yield
    collection_unregister("offices")


def test_the_apps_register_their_collections_in_app_order():
    assert registered_collection_ids()[:3] == ["districts", "parcels", "requests"]


def test_layers_first_then_registration_order(offices, demo_layers):
    ids = [collection.id for collection in all_collections()]
    layer_ids = sorted(layer.slug for layer in demo_layers.values())
    assert sorted(ids[: len(layer_ids)]) == layer_ids
    assert ids[len(layer_ids) :] == ["districts", "parcels", "requests", "offices"]


def test_a_registered_collection_is_served_by_ogc_and_tiles(offices, client, districts):
    listed = client.get("/ogc/collections?f=json").json()
    assert "offices" in [collection["id"] for collection in listed["collections"]]
    items = client.get("/ogc/collections/offices/items?limit=20&f=json")
    assert items.status_code == 200
    body = json.loads(items.content)
    assert body["numberMatched"] == 13
    assert {feature["properties"]["office"] for feature in body["features"]} == {
        district.name_en for district in districts.values()
    }
    one = client.get("/ogc/collections/offices/items/11?f=json").json()
    assert one["properties"]["office"] == districts[11].name_en
    point = inside_point(districts[11])
    x, y = tile_of(point.x, point.y, 10)
    tile = client.get(f"/tiles/offices/10/{x}/{y}.mvt")
    assert tile.status_code == 200
    decoded = mapbox_vector_tile.decode(tile.content)
    assert "offices" in decoded


def test_unregistered_and_unknown_ids_are_404(client, db):
    assert collection_by_id("offices") is None
    assert client.get("/ogc/collections/offices?f=json").status_code == 404
    assert client.get("/tiles/offices.json").status_code == 404


def test_registering_an_id_again_replaces_it(offices, db):
    collection_register("offices", lambda: None)
    assert collection_by_id("offices") is None
    assert "offices" not in [collection.id for collection in all_collections()]
