"""The HTML flow with Django's test client: place → service → form → confirmation → track."""

import re

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile

from permits import sms
from permits.filing import request_file
from permits.models import ServiceRequest
from permits.tracking import tracking_code_new
from tests.conftest import inside_point

from .helpers import (
    OUTSIDE_CITY,
    XSS_PAYLOADS,
    XSS_TEXT,
    image_bytes,
    parcel_point,
    point_without_parcel,
    pruning_attributes,
)

pytestmark = pytest.mark.django_db


def place(point) -> str:
    return f"lat={point.y:.7f}&lon={point.x:.7f}"


def form_data(**overrides):
    data = {
        "token": "tok_" + "a" * 20,
        "attr_tree_count": "2",
        "attr_urgency": "danger",
        "description": "Branches over the school entrance.",
        "contact_name": "",
        "contact_phone": "09121234567",
        "contact_email": "citizen@example.org",
    }
    data.update(overrides)
    return data


def test_no_place_offers_search(client, catalogue, parcels):
    response = client.get("/requests/new/")
    assert response.status_code == 200
    assert 'name="q"' in response.content.decode()
    code = parcels[0].renovation_code
    found = client.get("/requests/new/", {"q": code})
    assert f"?parcel={code}" in found.content.decode()


def test_parcel_path_lists_services(client, catalogue, parcel_11):
    response = client.get("/requests/new/", {"parcel": parcel_11.renovation_code, "lang": "en"})
    page = response.content.decode()
    assert response.status_code == 200
    assert parcel_11.renovation_code in page
    assert "District 11" in page
    assert 'data-service="building-permit-new"' in page
    assert 'data-service="tree-pruning"' in page


def test_point_lists_only_services_online_there(client, catalogue, districts):
    page = client.get(f"/requests/new/?{place(inside_point(districts[3]))}").content.decode()
    assert 'data-service="tree-pruning"' in page
    assert 'data-service="tree-planting"' not in page  # pilot district only


def test_full_flow_in_persian(
    client, catalogue, district_11_point, django_capture_on_commit_callbacks
):
    url = f"/requests/new/?{place(district_11_point)}&service=tree-pruning"
    form_page = client.get(url)
    assert form_page.status_code == 200
    html = form_page.content.decode()
    assert 'dir="rtl"' in html and 'name="attr_tree_count"' in html
    token = re.search(r'name="token" value="([^"]+)"', html).group(1)
    photo = SimpleUploadedFile("p.jpg", image_bytes("JPEG", exif_gps=True), "image/jpeg")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, form_data(token=token, photos=photo))
    assert response.status_code == 302, response.content.decode()[:2000]
    request = ServiceRequest.objects.get()
    assert response["Location"] == f"/requests/filed/{request.tracking_code}/"
    confirmation = client.get(response["Location"]).content.decode()
    assert request.tracking_code in confirmation
    assert request.photos.count() == 1 and request.channel == "web"
    assert len(mail.outbox) == 1 and len(sms.outbox) == 1
    track = client.get(f"/track/{request.tracking_code}/")
    assert track.status_code == 200
    page = track.content.decode()
    assert request.tracking_code in page and 'id="track-status"' in page
    for private in ("09121234567", "citizen@example.org"):
        assert private not in page


def test_double_submission_files_once(client, catalogue, district_11_point):
    url = f"/requests/new/?{place(district_11_point)}&service=tree-pruning"
    first = client.post(url, form_data())
    second = client.post(url, form_data())
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert ServiceRequest.objects.count() == 1


def test_errors_next_to_fields(client, catalogue, district_11_point, nothing_stored):
    snapshot = nothing_stored()
    url = f"/requests/new/?{place(district_11_point)}&service=tree-pruning&lang=en"
    response = client.post(url, form_data(attr_tree_count="many", attr_urgency="whenever"))
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_attr_tree_count_error"' in html and "Enter a number." in html
    assert 'aria-invalid="true"' in html
    assert re.search(r'aria-describedby="[^"]*id_attr_tree_count_error', html)
    assert 'id="id_attr_urgency_error"' in html
    assert 'value="many"' in html  # what the person typed is kept
    snapshot.check()


def test_permit_form_requires_contact(client, catalogue, parcel_11, nothing_stored):
    snapshot = nothing_stored()
    url = f"/requests/new/?parcel={parcel_11.renovation_code}&service=building-permit-new"
    html = client.get(url).content.decode()
    assert 'id="zoning-precheck"' in html
    response = client.post(
        url,
        {
            "attr_floors": "3",
            "attr_built_area_m2": "300",
            "attr_intended_use": "residential",
        },
    )
    assert response.status_code == 400
    assert 'id="id_contact_name_error"' in response.content.decode()
    snapshot.check()


def test_html_bad_places(client, catalogue, parcels, districts, nothing_stored):
    snapshot = nothing_stored()
    outside = client.get(f"/requests/new/?{place(OUTSIDE_CITY)}")
    assert outside.status_code == 400 and 'id="location-error"' in outside.content.decode()
    garbage = client.get("/requests/new/?lat=abc&lon=59")
    assert garbage.status_code == 400
    unknown_parcel = client.get("/requests/new/?parcel=99-9-9-9")
    assert unknown_parcel.status_code == 400
    not_online = client.get(
        f"/requests/new/?{place(inside_point(districts[3]))}&service=tree-planting&lang=en"
    )
    assert not_online.status_code == 400
    assert "District 11" in not_online.content.decode()
    no_parcel = point_without_parcel(districts[11])
    response = client.post(
        f"/requests/new/?{place(no_parcel)}&service=building-permit-new",
        {"attr_floors": "3", "contact_name": "A", "contact_phone": "09120000000"},
    )
    assert response.status_code == 400
    unknown = client.get(
        f"/requests/new/?{place(districts[11].geom.point_on_surface)}&service=nope"
    )
    assert unknown.status_code == 400
    snapshot.check()


def test_html_fake_photo(client, catalogue, district_11_point, nothing_stored):
    snapshot = nothing_stored()
    url = f"/requests/new/?{place(district_11_point)}&service=tree-pruning&lang=en"
    fake = SimpleUploadedFile("cat.jpg", b"<svg onload=alert(1)></svg>", "image/jpeg")
    response = client.post(url, form_data(photos=fake))
    assert response.status_code == 400
    assert 'id="id_photos_error"' in response.content.decode()
    snapshot.check()


def test_xss_is_shown_as_text(client, catalogue, district_11_point, admin_client):
    request = request_file(
        service_code="tree-pruning",
        point=district_11_point,
        attributes={**pruning_attributes(), "tree_kind": XSS_PAYLOADS[1]},
        description=XSS_TEXT,
    )
    url = f"/requests/new/?{place(district_11_point)}&service=tree-pruning"
    pages = [
        client.get(f"/track/{request.tracking_code}/").content.decode(),
        client.get(url).content.decode(),  # the nearby-duplicates panel shows the description
    ]
    for html in pages:
        assert "<script>alert(1)</script>" not in html
        assert "<img src=x onerror" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "`${alert(4)}`" in pages[0]  # backticks are inert in HTML text
    # The form re-rendered after an error keeps the payload, escaped.
    bad = client.post(url, form_data(description=XSS_TEXT, attr_tree_count="x"))
    assert "<script>alert(1)</script>" not in bad.content.decode()


def test_admin_escapes(catalogue, district_11_point, admin_client):
    from django.contrib import admin

    from permits.models import ServiceRequest as Model

    if Model not in admin.site._registry:
        pytest.skip("ServiceRequest is not in the admin")
    request = request_file(
        service_code="tree-pruning",
        point=district_11_point,
        attributes=pruning_attributes(),
        description=XSS_TEXT,
    )
    html = admin_client.get(f"/admin/permits/servicerequest/{request.pk}/change/").content.decode()
    assert "<script>alert(1)</script>" not in html


def test_nearby_duplicates_and_support(client, catalogue, district_11_point):
    existing = request_file(
        service_code="tree-pruning", point=district_11_point, attributes=pruning_attributes()
    )
    url = f"/requests/new/?{place(district_11_point)}&service=tree-pruning"
    html = client.get(url).content.decode()
    assert existing.tracking_code in html and f"/track/{existing.tracking_code}/support/" in html
    response = client.post(f"/track/{existing.tracking_code}/support/")
    assert response.status_code == 302
    existing.refresh_from_db()
    assert existing.supporters == 1
    client.post(f"/track/{existing.tracking_code}/support/")  # same browser: counted once
    existing.refresh_from_db()
    assert existing.supporters == 1
    # another service type's form does not list it
    other = client.get(f"/requests/new/?{place(district_11_point)}&service=park-damage")
    assert existing.tracking_code not in other.content.decode()


def test_track_form(client, catalogue, district_11_point):
    request = request_file(
        service_code="tree-pruning", point=district_11_point, attributes=pruning_attributes()
    )
    typed = request.tracking_code.lower().replace("-", " ")
    response = client.get("/track/", {"code": typed})
    assert (
        response.status_code == 302 and response["Location"] == f"/track/{request.tracking_code}/"
    )
    wrong_check = request.tracking_code[:-1] + ("2" if request.tracking_code[-1] != "2" else "3")
    invalid = client.get("/track/", {"code": wrong_check})
    assert invalid.status_code == 400 and 'id="track-error"' in invalid.content.decode()
    missing = client.get(f"/track/{tracking_code_new()}/")
    assert missing.status_code == 404


def test_track_page_in_persian_uses_jalali(client, catalogue, district_11_point):
    import jdatetime
    from django.utils import timezone

    request = request_file(
        service_code="tree-pruning", point=district_11_point, attributes=pruning_attributes()
    )
    html = client.get(f"/track/{request.tracking_code}/?lang=fa").content.decode()
    jalali_year = jdatetime.date.fromgregorian(date=timezone.localdate()).year
    assert str(jalali_year).translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")) in html
    english = client.get(f"/track/{request.tracking_code}/?lang=en").content.decode()
    assert str(timezone.localdate().year) in english


def test_confirmation_only_for_the_filer(client, catalogue, district_11_point):
    request = request_file(
        service_code="tree-pruning", point=district_11_point, attributes=pruning_attributes()
    )
    response = client.get(f"/requests/filed/{request.tracking_code}/")
    assert response.status_code == 302
    assert response["Location"] == f"/track/{request.tracking_code}/"


def test_html_lookups_rate_limited(client, catalogue):
    from permits import tracking as api

    limit, _window = api.TRACK_RATE
    for _ in range(limit):
        client.get(f"/track/{tracking_code_new()}/")
    response = client.get(f"/track/{tracking_code_new()}/")
    assert response.status_code == 429


def test_permit_on_parcel_files(client, catalogue, parcel_11):
    url = f"/requests/new/?parcel={parcel_11.renovation_code}&service=building-permit-new"
    response = client.post(
        url,
        {
            "attr_floors": "۳",
            "attr_built_area_m2": "300",
            "attr_intended_use": "residential",
            "contact_name": "Sara",
            "contact_phone": "۰۹۱۲۱۲۳۴۵۶۷",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    request = ServiceRequest.objects.get()
    assert request.parcel == parcel_11 and request.attributes["floors"] == 3
    assert request.contact_phone == "09121234567"
    assert parcel_point(parcel_11)  # the location is inside the parcel
    assert request.parcel.geom.covers(request.location)


def test_track_page_shows_public_history_only(client, catalogue, district_11_point):
    from permits.models import EventKind, RequestEvent

    request = request_file(
        service_code="tree-pruning", point=district_11_point, attributes=pruning_attributes()
    )
    RequestEvent.objects.create(
        request=request,
        kind=EventKind.STATUS_CHANGE,
        from_status="submitted",
        to_status="in_progress",
        public=True,
        note="Crew booked.",
    )
    RequestEvent.objects.create(
        request=request, kind=EventKind.INTERNAL_NOTE, note="Owner is difficult", public=False
    )
    html = client.get(f"/track/{request.tracking_code}/?lang=en").content.decode()
    assert "In progress" in html and "Crew booked." in html
    assert "Owner is difficult" not in html
    api = client.get(f"/api/requests/{request.tracking_code}/").json()
    assert [e["kind"] for e in api["history"]] == ["submitted", "routed", "status_change"]
    assert "Owner is difficult" not in str(api)


def test_html_huge_body(client, catalogue, district_11_point, nothing_stored):
    snapshot = nothing_stored()
    url = f"/requests/new/?{place(district_11_point)}&service=tree-pruning"
    declared = client.generic(
        "POST",
        url,
        b"",
        content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(64 * 1024 * 1024),
    )
    assert declared.status_code == 413
    long_text = client.post(url, form_data(description="x" * (6 * 1024 * 1024)))
    assert long_text.status_code == 400
    snapshot.check()
