"""The lookup, district and parcel APIs, the health check and the pages."""

import pytest

from tests.conftest import inside_point


def lookup(client, **params):
    return client.get("/api/lookup/", params)


def test_lookup_inside_a_parcel(client, parcel_11):
    centre = parcel_11.geom.point_on_surface
    body = lookup(client, lat=centre.y, lon=centre.x).json()
    assert body["inside_city"] is True
    assert body["district"] == {
        "code": 11,
        "name": "منطقه ۱۱",
        "name_fa": "منطقه ۱۱",
        "name_en": "District 11",
    }
    assert body["parcel"]["code"] == parcel_11.renovation_code
    assert body["parcel"]["area_m2"] == pytest.approx(parcel_11.area_m2, abs=0.1)
    assert body["snapped_m"] is None


def test_lookup_in_english_names_the_district_in_english(client, districts):
    point = inside_point(districts[2])
    body = client.get("/api/lookup/", {"lat": point.y, "lon": point.x, "lang": "en"}).json()
    assert body["district"]["name"] == "District 2"
    assert body["parcel"] is None or body["parcel"]["district"] == 2


def test_lookup_outside_the_city_is_a_clear_machine_readable_answer(client, districts):
    response = lookup(client, lat=35.689, lon=51.389)
    assert response.status_code == 200
    body = response.json()
    assert body["inside_city"] is False
    assert body["reason"] == "outside_city"
    assert body["detail"]


def test_lookup_with_swapped_lat_lon_says_so(client, districts):
    point = inside_point(districts[11])
    body = lookup(client, lat=point.x, lon=point.y).json()
    assert body["inside_city"] is False
    assert body["hint"] == "swapped_lat_lon"


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"lat": "36.3"},
        {"lon": "59.6"},
        {"lat": "", "lon": ""},
        {"lat": "abc", "lon": "59.6"},
        {"lat": "NaN", "lon": "59.6"},
        {"lat": "36.3", "lon": "Infinity"},
        {"lat": "-inf", "lon": "59.6"},
        {"lat": "91", "lon": "59.6"},
        {"lat": "36.3", "lon": "181"},
        {"lat": "1e400", "lon": "59.6"},
        {"lat": "36.3" * 30, "lon": "59.6"},
        {"lat": "POINT(59 36)", "lon": "59.6"},
    ],
)
def test_lookup_bad_input_is_a_400_with_a_message(client, districts, params):
    response = lookup(client, **params)
    assert response.status_code == 400
    assert response.json()["detail"]


def test_lookup_accepts_persian_digits(client, districts):
    point = inside_point(districts[11])
    to_fa = str.maketrans("0123456789.", "۰۱۲۳۴۵۶۷۸۹٫")
    body = lookup(
        client, lat=f"{point.y:.6f}".translate(to_fa), lon=f"{point.x:.6f}".translate(to_fa)
    )
    assert body.status_code == 200
    assert body.json()["district"]["code"] == 11


def test_districts_geojson(client, districts):
    body = client.get("/api/districts/").json()
    assert body["type"] == "FeatureCollection"
    assert len(body["features"]) == 13
    first = body["features"][0]
    assert first["geometry"]["type"] == "MultiPolygon"
    assert first["properties"]["name_en"] == "District 1"
    assert {f["id"] for f in body["features"]} == set(range(1, 14))


def test_parcel_search_paginated(client, parcels):
    body = client.get("/api/parcels/", {"q": "11-", "page_size": 5}).json()
    assert body["count"] > 5
    assert len(body["results"]) == 5
    assert body["next"]
    assert all(r["code"].startswith("11-") for r in body["results"])


@pytest.mark.parametrize("query", ["", "   ", "x" * 201])
def test_parcel_search_bad_query(client, parcels, query):
    response = client.get("/api/parcels/", {"q": query})
    assert response.status_code == 400
    assert response.json()["detail"]


def test_parcel_search_bad_page_is_404_not_500(client, parcels):
    assert client.get("/api/parcels/", {"q": "11-", "page": "999"}).status_code == 404
    assert client.get("/api/parcels/", {"q": "11-", "page": "x"}).status_code == 404


def test_parcel_detail_feature(client, parcel_11):
    body = client.get(f"/api/parcels/{parcel_11.renovation_code}/").json()
    assert body["type"] == "Feature"
    assert body["id"] == parcel_11.renovation_code
    assert body["geometry"]["type"] == "MultiPolygon"
    assert body["properties"]["district"]["code"] == 11


def test_unknown_parcel_is_404(client, parcels):
    response = client.get("/api/parcels/99-9-9-9/")
    assert response.status_code == 404
    assert response.json()["detail"]


def test_healthz_ok(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_healthz_503_when_postgis_does_not_answer(client, db, monkeypatch):
    from django.db.utils import OperationalError

    class Unreachable:
        def cursor(self):
            raise OperationalError("connection refused")

    monkeypatch.setattr("gis_portal.site.views.connection", Unreachable())
    response = client.get("/healthz")
    assert response.status_code == 503


def test_home_is_persian_rtl_by_default_and_english_ltr(client, districts):
    persian = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US")
    assert b'lang="fa" dir="rtl"' in persian.content
    english = client.get("/?lang=en")
    assert b'lang="en" dir="ltr"' in english.content
    assert client.get("/").content.count(b'dir="ltr"') >= 1  # the cookie now says English


def test_pages_load_no_external_assets(client, districts):
    html = client.get("/").content.decode()
    assert "cdn" not in html.lower()
    assert "https://" not in html.replace("https://www.w3.org", "")


def test_unknown_api_path_is_json_404(client, db):
    response = client.get("/api/nothing-here/")
    assert response.status_code == 404


def test_admin_parcel_change_page_has_an_offline_map(admin_client, parcel_11):
    response = admin_client.get(f"/admin/parcels/parcel/{parcel_11.pk}/change/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/vendor/ol/dist/ol.js" in html
    assert "cdn.jsdelivr" not in html and "ol.source.OSM" not in html


def test_the_default_login_address_leads_to_the_staff_sign_in(client, db):
    response = client.get("/accounts/login/?next=/staff/")
    assert response.status_code == 302
    assert response["Location"] == "/staff/login/?next=/staff/"
