"""Fixtures for the layers tests: small vector files made on the fly, demo layers, GIS staff."""

import json
import subprocess
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission, User

from layers.models import Layer
from layers.services.create import layer_create

# A small square in District 11 of the demo city (lon/lat).
LON, LAT = 59.545, 36.268


def square(lon: float = LON, lat: float = LAT, size: float = 0.002) -> dict:
    return {
        "type": "Polygon",
        "coordinates": [
            [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
        ],
    }


def feature_collection(features: list[dict], **extra) -> dict:
    return {"type": "FeatureCollection", "features": features, **extra}


def feature(geometry: dict | None, **properties) -> dict:
    return {"type": "Feature", "properties": properties, "geometry": geometry}


def write_geojson(path: Path, document: dict) -> Path:
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return path


def ogr2ogr(*args: str) -> None:
    subprocess.run(["ogr2ogr", *args], check=True, capture_output=True, timeout=60)


@pytest.fixture
def sample_geojson(tmp_path) -> Path:
    """Three parks: one with HTML in its name, one with Persian text."""
    return write_geojson(
        tmp_path / "parks.geojson",
        feature_collection(
            [
                feature(
                    square(), name="<b>Park</b> <script>alert(1)</script>", kind="park", rank=1
                ),
                feature(square(LON + 0.01), name="پارک ملت", kind="park", rank=2),
                feature(square(LON + 0.02), name="Garden", kind="garden", rank=3),
            ]
        ),
    )


@pytest.fixture
def sample_gpkg(tmp_path, sample_geojson) -> Path:
    target = tmp_path / "parks.gpkg"
    ogr2ogr("-f", "GPKG", str(target), str(sample_geojson), "-nln", "parks")
    return target


@pytest.fixture
def layer(db) -> Layer:
    return layer_create(slug="parks-test", name_fa="پارک‌های آزمایشی", name_en="Test parks")


@pytest.fixture
def gis_user(db) -> User:
    user = User.objects.create_user("gis", password="gis-staff-pass-1")
    user.user_permissions.add(Permission.objects.get(codename="add_layer"))
    return user


@pytest.fixture
def plain_user(db) -> User:
    return User.objects.create_user("citizen", password="citizen-pass-1", is_staff=True)


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Collection stamps and extents are cached; every test starts without them."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _english():
    """Messages are asserted in English here; Persian is tested where the test says so."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def client(client):
    """The test client in English (the portal's default is Persian)."""
    from django.conf import settings

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client
