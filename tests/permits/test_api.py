"""The JSON API: services at a point, filing, idempotency, public tracking, bad input."""

import json

import pytest
from django.core import mail

from permits import sms
from permits.models import ServiceRequest
from permits.tracking import tracking_code_new
from tests.conftest import inside_point

from .helpers import (
    OUTSIDE_CITY,
    PERMIT_CONTACT,
    XSS_TEXT,
    image_bytes,
    parcel_point,
    permit_attributes,
    point_without_parcel,
)

pytestmark = pytest.mark.django_db

PRIVATE = ("Sara Ahmadi", "09123456789", "sara@example.org", "contact")


def body(point, **overrides):
    data = {
        "service_code": "tree-pruning",
        "lat": point.y,
        "lon": point.x,
        "attributes": {"tree_count": 2, "urgency": "danger"},
        "description": "Branches over the school entrance.",
        "contact": {"name": "Sara Ahmadi", "phone": "09123456789", "email": "sara@example.org"},
    }
    data.update(overrides)
    return data


def post_json(client, data, **headers):
    return client.post(
        "/api/requests/", json.dumps(data), content_type="application/json", headers=headers
    )


def test_services_at_a_point(client, catalogue, district_11_point):
    response = client.get(
        "/api/services/", {"lat": district_11_point.y, "lon": district_11_point.x}
    )
    assert response.status_code == 200
    services = {item["code"]: item for item in response.json()}
    assert "tree-pruning" in services and "tree-planting" in services  # pilot-only service
    pruning = services["tree-pruning"]
    assert set(pruning) >= {"code", "name", "domain", "needs_parcel", "attributes"}
    assert pruning["domain"]["code"] == "green-space" and pruning["needs_parcel"] is False
    assert pruning["attributes"][0]["code"] == "tree_count"
    assert pruning["attributes"][0]["datatype"] == "number"


def test_services_elsewhere_exclude_pilot_only(client, catalogue, districts):
    point = inside_point(districts[3])
    codes = {
        item["code"]
        for item in client.get("/api/services/", {"lat": point.y, "lon": point.x}).json()
    }
    assert "tree-pruning" in codes and "tree-planting" not in codes


def test_parcel_services_only_on_a_parcel(client, catalogue, parcels, districts):
    point = point_without_parcel(districts[11])
    codes = {
        item["code"]
        for item in client.get("/api/services/", {"lat": point.y, "lon": point.x}).json()
    }
    assert "building-permit-new" not in codes and "tree-pruning" in codes


@pytest.mark.parametrize("params", [{"lat": "x", "lon": "59"}, {}, {"lat": "NaN", "lon": "59"}])
def test_services_bad_coordinates(client, catalogue, params):
    response = client.get("/api/services/", params)
    assert response.status_code == 400 and response.json()["detail"]


def test_services_outside_city(client, catalogue):
    response = client.get("/api/services/", {"lat": OUTSIDE_CITY.y, "lon": OUTSIDE_CITY.x})
    assert response.status_code == 400 and response.json()["detail"]


def test_file_and_track(client, catalogue, district_11_point, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = post_json(client, body(district_11_point))
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["status"] == "submitted"
    assert data["district"]["code"] == 11 and data["district"]["name"]
    assert len(mail.outbox) == 1 and len(sms.outbox) == 1
    detail = client.get(f"/api/requests/{data['tracking_code']}/")
    assert detail.status_code == 200
    public = detail.json()
    assert public["status"] == "submitted"
    assert [event["kind"] for event in public["history"]] == ["submitted", "routed"]
    text = detail.content.decode()
    for private in PRIVATE:
        assert private not in text
    assert ServiceRequest.objects.get().channel == "api"


def test_multipart_with_photos(client, catalogue, district_11_point):
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = body(district_11_point)
    form = {
        "service_code": data["service_code"],
        "lat": data["lat"],
        "lon": data["lon"],
        "attributes": json.dumps(data["attributes"]),
        "contact": json.dumps(data["contact"]),
        "photos": [
            SimpleUploadedFile("a.jpg", image_bytes("JPEG", exif_gps=True), "image/jpeg"),
            SimpleUploadedFile("b.png", image_bytes("PNG"), "image/png"),
        ],
    }
    response = client.post("/api/requests/", form)
    assert response.status_code == 201, response.content
    assert response.json()["photos"] == 2


def test_idempotency_key(client, catalogue, district_11_point):
    first = post_json(client, body(district_11_point), **{"Idempotency-Key": "abc-123"})
    again = post_json(client, body(district_11_point), **{"Idempotency-Key": "abc-123"})
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert again["Idempotent-Replayed"] == "true"
    assert ServiceRequest.objects.count() == 1
    other = post_json(
        client, body(district_11_point, description="changed"), **{"Idempotency-Key": "abc-123"}
    )
    assert other.status_code == 409 and other.json()["detail"]
    assert ServiceRequest.objects.count() == 1


def test_permit_via_api(client, catalogue, parcel_11):
    point = parcel_point(parcel_11)
    response = post_json(
        client,
        body(
            point,
            service_code="building-permit-new",
            attributes=permit_attributes(),
            contact=PERMIT_CONTACT,
        ),
    )
    assert response.status_code == 201, response.content
    assert response.json()["parcel"] == parcel_11.renovation_code


# --- bad input: 4xx, a message, nothing stored -----------------------------------------


def _bad_cases(districts, parcels):
    d11 = inside_point(districts[11])
    return {
        "outside": body(OUTSIDE_CITY),
        "not_online": body(
            inside_point(districts[3]), service_code="tree-planting", attributes={"place": "park"}
        ),
        "no_parcel": body(
            point_without_parcel(districts[11]),
            service_code="building-permit-new",
            attributes=permit_attributes(),
            contact=PERMIT_CONTACT,
        ),
        "missing_attribute": body(d11, attributes={"urgency": "danger"}),
        "wrong_type": body(d11, attributes={"tree_count": "lots", "urgency": "danger"}),
        "not_allowed": body(d11, attributes={"tree_count": 1, "urgency": "tomorrow"}),
        "unknown_service": body(d11, service_code="teleport"),
        "bad_lat": body(d11, lat="north"),
        "attributes_not_object": body(d11, attributes="tree_count=2"),
        "contact_not_object": body(d11, contact=["Sara"]),
        "description_not_text": body(d11, description={"a": 1}),
    }


def test_every_bad_body_is_a_4xx_storing_nothing(
    client, catalogue, parcels, districts, nothing_stored
):
    cases = _bad_cases(districts, parcels)
    snapshot = nothing_stored()
    for name, data in cases.items():
        response = post_json(client, data)
        assert 400 <= response.status_code < 500, (name, response.content)
        assert response.json()["detail"], name
    snapshot.check()


def test_not_online_message_names_the_pilot(client, catalogue, districts):
    data = body(
        inside_point(districts[3]), service_code="tree-planting", attributes={"place": "park"}
    )
    response = client.post(
        "/api/requests/?lang=en", json.dumps(data), content_type="application/json"
    )
    assert response.status_code == 400
    assert "District 11" in response.json()["detail"]
    persian = client.post(
        "/api/requests/?lang=fa", json.dumps(data), content_type="application/json"
    )
    assert "منطقه ۱۱" in persian.json()["detail"]


@pytest.mark.parametrize(
    "raw",
    ['{"service_code": "tree-pruning", "lat": 36.3,', "[1, 2, 3]", "not json", "", "null"],
)
def test_malformed_json(client, catalogue, raw, nothing_stored):
    snapshot = nothing_stored()
    response = client.post("/api/requests/", raw, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["detail"]
    snapshot.check()


def test_huge_body(client, catalogue, district_11_point, nothing_stored):
    snapshot = nothing_stored()
    data = body(district_11_point, description="x" * (6 * 1024 * 1024))
    response = post_json(client, data)
    assert response.status_code in (400, 413)
    assert response.json()["detail"]
    declared = client.generic(
        "POST",
        "/api/requests/",
        b"{}",
        content_type="application/json",
        CONTENT_LENGTH=str(64 * 1024 * 1024),
    )
    assert declared.status_code == 413
    snapshot.check()


def test_fake_images_refused(client, catalogue, district_11_point, nothing_stored):
    from django.core.files.uploadedfile import SimpleUploadedFile

    snapshot = nothing_stored()
    for name, payload, mime in [
        ("x.jpg", b"<html><body><script>alert(1)</script></body></html>", "image/jpeg"),
        (
            "x.jpg",
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
            "image/jpeg",
        ),
        ("big.png", image_bytes("PNG") + b"\0" * (5 * 1024 * 1024 + 10), "image/png"),
    ]:
        response = client.post(
            "/api/requests/",
            {
                "service_code": "tree-pruning",
                "lat": district_11_point.y,
                "lon": district_11_point.x,
                "attributes": json.dumps({"tree_count": 2, "urgency": "danger"}),
                "photos": [SimpleUploadedFile(name, payload, mime)],
            },
        )
        assert response.status_code == 400, response.content
        assert "photos" in response.json()["errors"]
    snapshot.check()


def test_xss_payload_returned_as_data(client, catalogue, district_11_point):
    response = post_json(client, body(district_11_point, description=XSS_TEXT))
    code = response.json()["tracking_code"]
    detail = client.get(f"/api/requests/{code}/")
    assert detail["Content-Type"] == "application/json"
    assert detail.json()["description"] == XSS_TEXT


# --- tracking lookups ---------------------------------------------------------------------


def test_unknown_and_malformed_codes(client, catalogue):
    assert client.get(f"/api/requests/{tracking_code_new()}/").status_code == 404
    assert client.get("/api/requests/MHD-0000-0000/").status_code == 404
    assert client.get("/api/requests/' OR 1=1 --/").status_code == 404


def test_lookups_are_rate_limited(client, catalogue, settings):
    from permits import tracking as api

    limit, _window = api.TRACK_RATE
    for _ in range(limit):
        assert client.get(f"/api/requests/{tracking_code_new()}/").status_code == 404
    response = client.get(f"/api/requests/{tracking_code_new()}/")
    assert response.status_code == 429 and response.json()["detail"]
    other_client = client.get(f"/api/requests/{tracking_code_new()}/", REMOTE_ADDR="10.0.0.9")
    assert other_client.status_code == 404


def test_support_via_api(client, catalogue, district_11_point):
    code = post_json(client, body(district_11_point)).json()["tracking_code"]
    response = client.post(
        f"/api/requests/{code}/support/",
        {"contact": "09120000000"},
        content_type="application/json",
    )
    assert response.status_code == 200 and response.json()["supporters"] == 1
    again = client.post(
        f"/api/requests/{code}/support/",
        {"contact": "09120000000"},
        content_type="application/json",
    )
    assert again.status_code == 409


def test_zoning_check_without_layer(client, catalogue, parcel_11):
    point = parcel_point(parcel_11)
    response = client.get(
        "/api/zoning-check/", {"lat": point.y, "lon": point.x, "use": "residential", "floors": 3}
    )
    assert response.status_code == 200
    assert "zone" in response.json()
    bad = client.get("/api/zoning-check/", {"lat": point.y, "lon": point.x, "floors": "many"})
    assert bad.status_code == 400
