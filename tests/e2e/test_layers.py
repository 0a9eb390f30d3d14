"""GIS staff publish a layer in a real browser; it appears in the catalogue and on the map."""

import re

import pytest
from playwright.sync_api import expect

from tests.layers.conftest import (
    LAT,
    LON,
    feature,
    feature_collection,
    ogr2ogr,
    square,
    write_geojson,
)

SLUG = "browser-parks"
HTML_NAME = "<b>Park</b> <script>window.pwned = 1</script>"


@pytest.fixture
def gis_staff(transactional_db):
    from gis_portal.staff.services import staff_create

    return staff_create(username="gis-staff", role="gis_staff", password="gis-staff-pass-1")


@pytest.fixture
def small_gpkg(tmp_path):
    source = write_geojson(
        tmp_path / "parks.geojson",
        feature_collection(
            [
                feature(square(size=0.004), name=HTML_NAME, kind="park"),
                feature(square(LON + 0.01, size=0.004), name="پارک ملت", kind="park"),
            ]
        ),
    )
    target = tmp_path / "browser-parks.gpkg"
    ogr2ogr("-f", "GPKG", str(target), str(source), "-nln", "parks")
    return target


def digits(text: str, language: str) -> str:
    return text.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")) if language == "fa" else text


def test_gis_staff_upload_validate_publish_and_see_it_on_the_map(
    page, language, districts, gis_staff, small_gpkg
):
    # Log in (the admin's login form; GIS staff are staff users).
    page.goto_portal("/admin/login/?next=/staff/layers/")
    page.fill("#id_username", "gis-staff")
    page.fill("#id_password", "gis-staff-pass-1")
    page.locator("input[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/staff/layers/$"))

    # Upload a GeoPackage as a new layer.
    form = page.locator("#upload-form")
    form.locator("#id_layer").select_option("__new__")
    form.locator("#id_slug").fill(SLUG)
    form.locator("#id_name_fa").fill("پارک‌های مرورگر")
    form.locator("#id_name_en").fill("Browser parks")
    form.locator("#id_purpose").select_option("green_space")
    form.locator("#id_file").set_input_files(str(small_gpkg))
    form.locator("button[type=submit]").click()

    # The validation report, before anything is published.
    report = page.locator("#validation-report")
    expect(report).to_be_visible()
    expect(report.locator(".report-imported")).to_have_text(digits("2", language))
    expect(report.locator(".report-types")).to_have_text("Polygon: 2")
    expect(report.locator(".report-crs")).to_contain_text("EPSG:4326")
    expect(page.locator(".report-schema")).to_contain_text("kind")
    assert page.request.get(f"{page.live_server_url}/ogc/collections/{SLUG}").status == 404

    page.locator("#publish-button").click()
    expect(page).to_have_url(re.compile(r"/staff/layers/$"))
    expect(page.locator(f".staff-layer[data-slug={SLUG}] .badge")).to_be_visible()

    # The public catalogue lists it with its formats.
    page.goto_portal("/layers/")
    card = page.locator(f"#layer-{SLUG}")
    expect(card.locator("h2")).to_have_text(
        "پارک‌های مرورگر" if language == "fa" else "Browser parks"
    )
    expect(card.locator(".layer-count")).to_have_text(digits("2", language))
    expect(card.locator(f"a[href='/layers/{SLUG}.gpkg']")).to_be_visible()

    # And it is an overlay on the home map.
    page.goto_portal("/")
    page.wait_for_selector(".folium-map[data-overlays=ready]")
    panel = page.locator("#layer-overlays")
    expect(panel.locator("legend")).to_have_text(
        "لایه‌های نقشه" if language == "fa" else "Map layers"
    )
    toggle = panel.locator(f"#overlay-{SLUG}")
    expect(panel.locator(f"label[for=overlay-{SLUG}]")).to_contain_text(
        "پارک‌های مرورگر" if language == "fa" else "Browser parks"
    )
    page.evaluate(
        "([lat, lon]) => window.portalHome.map.setView([lat, lon], 15, {animate: false})",
        [LAT + 0.002, LON + 0.002],
    )
    toggle.check()
    expect(toggle).to_have_attribute("data-loaded", "true")
    paths = page.locator(f"path.overlay-{SLUG}")
    expect(paths).to_have_count(2)

    # A popup shows attribute markup as text.
    box = paths.first.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    popup = page.locator(".leaflet-popup .overlay-popup")
    expect(popup).to_contain_text(HTML_NAME)
    expect(popup.locator("script, b")).to_have_count(0)
    assert page.evaluate("window.pwned") is None
    # The click reached the map too: the lookup still finds the district.
    expect(page.locator("#lookup-result .district-name")).to_be_visible()
    page.wait_for_load_state("networkidle")

    toggle.uncheck()
    expect(paths).to_have_count(0)
    assert page.blocked_requests == []


def test_big_layers_are_drawn_from_vector_tiles(page, language, districts, monkeypatch, tmp_path):
    from layers.ogc import maps as api
    from layers.services.create import layer_create
    from layers.services.imports import layer_import

    monkeypatch.setattr(api, "SMALL_LAYER", 0)  # every layer counts as big
    layer = layer_create(slug="tiled", name_fa="کاشی‌شده", name_en="Tiled", min_zoom=9)
    source = write_geojson(
        tmp_path / "tiled.geojson",
        feature_collection([feature(square(size=0.004), name=HTML_NAME)]),
    )
    layer_import(layer=layer, path=source, publish=True)
    page.goto_portal("/")
    page.wait_for_selector(".folium-map[data-overlays=ready]")
    page.evaluate(
        "([lat, lon]) => window.portalHome.map.setView([lat, lon], 15, {animate: false})",
        [LAT + 0.002, LON + 0.002],
    )
    with page.expect_response(re.compile(r"/tiles/tiled/15/\d+/\d+\.mvt\?v=")) as tile:
        page.locator("#overlay-tiled").check()
    assert tile.value.status == 200
    expect(page.locator("#overlay-tiled")).to_have_attribute("data-loaded", "true")
    # Click the middle of the square: VectorGrid opens the popup, built with textContent.
    box = page.locator(".folium-map").bounding_box()
    x, y = page.evaluate(
        "([lat, lon]) => { const p = window.portalHome.map.latLngToContainerPoint([lat, lon]);"
        " return [p.x, p.y]; }",
        [LAT + 0.002, LON + 0.002],
    )
    page.mouse.click(box["x"] + x, box["y"] + y)
    popup = page.locator(".leaflet-popup .overlay-popup")
    expect(popup).to_contain_text(HTML_NAME)
    expect(popup.locator("script, b")).to_have_count(0)
    expect(page.locator("#lookup-result .district-name")).to_be_visible()
    page.wait_for_load_state("networkidle")  # nothing in flight when the database is reset
    assert page.blocked_requests == []
