"""The catalogue page, the layer list API, the GIS staff pages and the admin upload."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from layers.models import Layer, LayerVersion
from layers.services.imports import layer_import


@pytest.fixture
def parks(layer, sample_geojson):
    layer_import(layer=layer, path=sample_geojson, publish=True)
    layer.refresh_from_db()
    return layer


@pytest.mark.parametrize(
    ("language", "name", "version"), [("fa", "پارک‌های آزمایشی", "۱"), ("en", "Test parks", "1")]
)
def test_catalogue_lists_published_layers(client, parks, districts, language, name, version):
    page = client.get("/layers/", {"lang": language}).content.decode()
    assert name in page
    assert f'<dd class="layer-version">{version}</dd>' in page
    for link in [
        "/layers/parks-test.geojson",
        "/layers/parks-test.gpkg",
        "/ogc/collections/parks-test?f=html",
        "/tiles/parks-test.json",
    ]:
        assert link in page
    if language == "fa":
        assert "۱۴۰" in page  # a Jalali year (1404/1405)
    assert "/ogc/collections/districts?f=html" in page


def test_catalogue_hides_unpublished_layers(client, db, layer):
    assert "Test parks" not in client.get("/layers/", {"lang": "en"}).content.decode()


def test_layer_list_api(client, parks):
    body = client.get("/api/layers/").json()
    assert [item["slug"] for item in body] == ["parks-test"]
    item = body[0]
    assert item["render"] == "geojson" and item["feature_count"] == 3
    assert item["items_url"] == "/ogc/collections/parks-test/items"
    assert item["tiles_url"].startswith("/tiles/parks-test/{z}/{x}/{y}.mvt?v=")
    assert item["style"]["color"]


def test_home_page_loads_the_overlays(client, districts):
    page = client.get("/").content.decode()
    assert "vendor/leaflet.vectorgrid/Leaflet.VectorGrid.bundled.min.js" in page
    assert "js/layer-overlays.js" in page
    assert "LayerOverlays.attach(" in page


def test_staff_pages_need_login_and_the_gis_role(client, plain_user, gis_user):
    response = client.get("/staff/layers/")
    assert response.status_code == 302 and "/staff/login/" in response["Location"]
    client.force_login(plain_user)
    assert client.get("/staff/layers/").status_code == 403
    assert client.post("/staff/layers/upload/").status_code == 403
    client.force_login(gis_user)
    assert client.get("/staff/layers/").status_code == 200


def upload(client, path, **fields):
    data = {
        "layer": "__new__",
        "slug": "uploaded",
        "name_fa": "لایه بارگذاری‌شده",
        "name_en": "Uploaded layer",
        "purpose": "reference",
        **fields,
        "file": SimpleUploadedFile(path.name, path.read_bytes()),
    }
    return client.post("/staff/layers/upload/", data)


def test_upload_report_then_publish(client, gis_user, sample_gpkg):
    client.force_login(gis_user)
    response = upload(client, sample_gpkg)
    assert response.status_code == 302
    version = LayerVersion.objects.get(layer__slug="uploaded")
    assert response["Location"] == f"/staff/layers/versions/{version.pk}/"
    assert version.created_by == gis_user
    report = client.get(response["Location"], {"lang": "en"}).content.decode()
    assert "Features imported" in report and "GPKG" in report
    assert "&lt;b&gt;Park&lt;/b&gt;" not in report  # values are not in the report, names are
    assert Layer.objects.get(slug="uploaded").published_version is None
    client.post(f"/staff/layers/versions/{version.pk}/publish/")
    assert Layer.objects.get(slug="uploaded").published_version == version
    client.post("/staff/layers/uploaded/unpublish/")
    assert Layer.objects.get(slug="uploaded").published_version is None


def test_refused_upload_is_a_400_with_the_reason_and_changes_nothing(client, gis_user, tmp_path):
    client.force_login(gis_user)
    evil = tmp_path / "evil.geojson"
    evil.write_text('<OGRVRTDataSource><OGRVRTLayer name="x"/></OGRVRTDataSource>')
    response = upload(client, evil)
    assert response.status_code == 400
    assert "VRT" in response.content.decode()
    assert not Layer.objects.filter(slug="uploaded").exists()
    assert not LayerVersion.objects.exists()


def test_upload_form_errors_are_400(client, gis_user, sample_geojson, parks):
    client.force_login(gis_user)
    response = upload(client, sample_geojson, slug="", name_en="")
    assert response.status_code == 400
    response = upload(client, sample_geojson, slug="parks-test")
    assert response.status_code == 400
    assert "exists" in response.content.decode()
    assert parks.versions.count() == 1


def test_upload_a_new_version_of_an_existing_layer(client, gis_user, sample_geojson, parks):
    client.force_login(gis_user)
    response = upload(client, sample_geojson, layer="parks-test")
    assert response.status_code == 302
    assert parks.versions.count() == 2
    parks.refresh_from_db()
    assert parks.published_version.number == 1  # not published until staff say so


def test_publish_needs_post_and_the_role(client, plain_user, parks):
    version = parks.published_version
    client.force_login(plain_user)
    assert client.post(f"/staff/layers/versions/{version.pk}/publish/").status_code == 403
    assert client.post("/staff/layers/parks-test/unpublish/").status_code == 403
    parks.refresh_from_db()
    assert parks.published_version == version


def test_admin_upload_imports_a_version(admin_client, layer, sample_geojson):
    response = admin_client.post(
        f"/admin/layers/layer/{layer.pk}/change/",
        {
            "slug": layer.slug,
            "name_fa": layer.name_fa,
            "name_en": layer.name_en,
            "description_fa": "",
            "description_en": "",
            "purpose": "reference",
            "style": '{"color": "#123456"}',
            "time_property": "",
            "min_zoom": 10,
            "max_zoom": 18,
            "upload": SimpleUploadedFile("parks.geojson", sample_geojson.read_bytes()),
            "versions-TOTAL_FORMS": 0,
            "versions-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 302, response.content[:2000]
    assert layer.versions.get().feature_count == 3
    assert admin_client.get("/admin/layers/layerversion/").status_code == 200


def test_gis_staff_by_role_use_the_layers_admin_and_see_the_manage_link(client, districts):
    from gis_portal.staff.services import staff_create

    gis = staff_create(username="gis-role", role="gis_staff", password="gis-role-pass-1")
    client.force_login(gis)
    assert client.get("/admin/layers/layer/").status_code == 200
    assert client.get("/admin/layers/layer/add/").status_code == 200
    assert "/staff/layers/" in client.get("/layers/").content.decode()
    planner = staff_create(
        username="planner-x", role="planner", password="planner-pass-1", district_codes=[11]
    )
    client.force_login(planner)
    assert "/staff/layers/" not in client.get("/layers/").content.decode()
