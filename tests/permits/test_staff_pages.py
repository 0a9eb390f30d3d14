"""The workspace pages and lists: sign in, filters, sorting, map points, the request
page (contact details by role, markup shown as text), staff commands and roles."""

import io
import json

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from gis_portal.staff.models import StaffProfile, StaffRole
from gis_portal.staff.services import staff_create
from layers.selectors import can_manage_layers
from parcels.models import Parcel
from permits.access import requests_visible_to

from . import staff_fixtures
from .helpers import XSS_PAYLOADS, XSS_TEXT
from .staff_fixtures import PASSWORD

staff, request_maker = staff_fixtures.staff, staff_fixtures.request_maker
req11, req2 = staff_fixtures.req11, staff_fixtures.req2


def _codes(client, query: str) -> list[str]:
    data = client.get(f"/staff/api/requests/{query}").json()
    return [row["code"] for row in data["results"]]


def test_sign_in_and_out(client, staff, req11):
    response = client.get("/staff/")
    assert response.status_code == 302 and response["Location"].startswith("/staff/login/")
    page = client.get("/staff/login/?lang=en")
    assert page.status_code == 200 and b"Staff sign in" in page.content
    wrong = client.post("/staff/login/?lang=en", {"username": "planner11", "password": "nope"})
    assert wrong.status_code == 200 and b"not right" in wrong.content
    right = client.post("/staff/login/", {"username": "planner11", "password": PASSWORD})
    assert right.status_code == 302 and right["Location"] == "/staff/"
    assert req11.tracking_code.encode() in client.get("/staff/").content


def test_gis_staff_gets_a_403_page_with_a_way_to_layers(client, staff, req11):
    client.force_login(staff["gis"])
    response = client.get(f"/staff/requests/{req11.tracking_code}/?lang=en")
    assert response.status_code == 403 and b"/staff/layers/" in response.content
    assert client.get("/staff/?lang=en").status_code == 403
    client.logout()
    login = client.post("/staff/login/", {"username": "gis", "password": PASSWORD})
    assert login.status_code == 302 and login["Location"] == "/staff/layers/"
    assert client.get("/staff/layers/").status_code == 200  # the layers app's staff page


@pytest.fixture
def varied(request_maker, parcels):
    parcel = Parcel.objects.filter(district__code=11).order_by("renovation_code").first()
    now = timezone.now()
    return {
        "pothole": request_maker(description="Deep hole near the school", supporters=1),
        "light": request_maker(
            service="street-light-out", status="accepted", supporters=5, due_in_days=-1
        ),
        "tree": request_maker(
            service="tree-pruning",
            status="resolved",
            submitted_at=now - timezone.timedelta(days=40),
            closed_at=now - timezone.timedelta(days=35),
            parcel=parcel,
        ),
        "d2": request_maker(district=2, service="street-light-out"),
    }


def test_queue_filters(client, staff, varied):
    client.force_login(staff["supervisor"])
    codes = {name: r.tracking_code for name, r in varied.items()}
    assert set(_codes(client, "")) == set(codes.values())
    assert set(_codes(client, "?status=accepted")) == {codes["light"]}
    assert set(_codes(client, "?status=open")) == {codes["pothole"], codes["light"], codes["d2"]}
    assert set(_codes(client, "?status=closed")) == {codes["tree"]}
    assert set(_codes(client, "?domain=green-space")) == {codes["tree"]}
    assert set(_codes(client, "?service=street-light-out")) == {codes["light"], codes["d2"]}
    assert set(_codes(client, "?district=2")) == {codes["d2"]}
    assert set(_codes(client, "?overdue=1")) == {codes["light"]}
    assert set(_codes(client, "?q=school")) == {codes["pothole"]}
    assert set(_codes(client, f"?q={codes['light'].lower()}")) == {codes["light"]}
    renovation = varied["tree"].parcel.renovation_code
    assert set(_codes(client, f"?parcel={renovation}")) == {codes["tree"]}
    assert set(_codes(client, f"?parcel={renovation.rsplit('-', 1)[0]}")) == {codes["tree"]}
    old = (timezone.localdate() - timezone.timedelta(days=30)).isoformat()
    assert set(_codes(client, f"?to={old}")) == {codes["tree"]}
    assert codes["tree"] not in _codes(client, f"?from={old}")


def test_queue_sorting(client, staff, varied):
    client.force_login(staff["planner11"])
    assert _codes(client, "?sort=supporters")[0] == varied["light"].tracking_code
    assert _codes(client, "?sort=age")[0] == varied["tree"].tracking_code
    assert _codes(client, "?sort=due")[0] == varied["tree"].tracking_code  # due 30 days ago


@pytest.mark.parametrize(
    "query",
    [
        "?status=archived",
        "?from=1404-13-01",
        "?from=2026-05-01&to=2026-04-01",
        "?sort=price",
        "?parcel=abc",
        "?district=x",
        "?q=" + "x" * 101,
    ],
)
def test_bad_filters_are_400s_with_a_message(client, staff, req11, query):
    client.force_login(staff["planner11"])
    api = client.get(f"/staff/api/requests/{query}")
    assert api.status_code == 400 and api.json()["detail"]
    assert client.get(f"/staff/api/requests.geojson{query}").status_code == 400
    page = client.get(f"/staff/{query}&lang=en")
    assert page.status_code == 400 and b'role="alert"' in page.content


def test_jalali_dates_in_persian(client, staff, varied):
    client.force_login(staff["planner11"])
    import jdatetime

    today = jdatetime.date.fromgregorian(date=timezone.localdate())
    persian = today.strftime("%Y/%m/%d").translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
    codes = _codes(client, f"?from={persian}")
    assert varied["pothole"].tracking_code in codes and varied["tree"].tracking_code not in codes
    page = client.get(f"/staff/?from={persian}&lang=fa").content.decode()
    assert 'class="jalali-date"' in page and persian in page


def test_points_are_geojson_built_in_sql_without_personal_data(client, staff, varied):
    client.force_login(staff["planner11"])
    response = client.get("/staff/api/requests.geojson?status=open")
    assert response["Content-Type"] == "application/geo+json"
    data = json.loads(response.content)
    assert data["type"] == "FeatureCollection"
    by_code = {f["properties"]["code"]: f for f in data["features"]}
    assert set(by_code) == {varied["pothole"].tracking_code, varied["light"].tracking_code}
    light = by_code[varied["light"].tracking_code]
    assert light["properties"]["overdue"] is True and light["properties"]["supporters"] == 5
    assert light["geometry"]["type"] == "Point"
    assert b"sara" not in response.content.lower() and b"0912" not in response.content
    empty = client.get("/staff/api/requests.geojson?status=approved")
    assert json.loads(empty.content)["features"] == []


def test_request_page(client, staff, request_maker, parcels):
    parcel = Parcel.objects.filter(district__code=11).first()
    request = request_maker(description=XSS_TEXT, contact_name=XSS_PAYLOADS[1], parcel=parcel)
    neighbour = request_maker()  # same point
    client.force_login(staff["planner11"])
    page = client.get(f"/staff/requests/{request.tracking_code}/?lang=en").content.decode()
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)" in page
    assert '<img src=x onerror="alert(2)">' not in page
    assert "09123456789" in page  # planner: contact details
    assert parcel.renovation_code in page
    assert neighbour.tracking_code in page  # nearby requests
    assert 'id="transition-form"' in page and 'value="accepted"' in page
    assert 'id="reassign-form"' not in page  # planners do not reassign
    client.force_login(staff["supervisor"])
    page = client.get(f"/staff/requests/{request.tracking_code}/?lang=en").content.decode()
    assert "09123456789" not in page and 'id="reassign-form"' in page
    persian = client.get(f"/staff/requests/{request.tracking_code}/?lang=fa").content.decode()
    assert 'dir="rtl"' in persian


def test_page_actions(client, staff, req11, request_maker, districts):
    client.force_login(staff["planner11"])
    base = f"/staff/requests/{req11.tracking_code}/"
    response = client.post(base + "note/", {"note": "Called the citizen", "public": "1"})
    assert response.status_code == 302
    original = request_maker()
    response = client.post(base + "duplicate/", {"original": original.tracking_code})
    assert response.status_code == 302
    req11.refresh_from_db()
    assert req11.duplicate_of == original
    client.force_login(staff["supervisor"])
    response = client.post(
        f"/staff/requests/{original.tracking_code}/reassign/",
        {"district": "10", "reason": "Across the boundary"},
    )
    assert response.status_code == 302
    original.refresh_from_db()
    assert original.district.code == 10
    assert client.post(base + "explode/").status_code == 404


def test_staff_api_reassign_and_duplicate(client, staff, request_maker):
    first, second = request_maker(), request_maker()
    client.force_login(staff["planner11"])
    response = client.post(
        f"/staff/api/requests/{second.tracking_code}/duplicate/",
        {"original": first.tracking_code.lower()},
        content_type="application/json",
    )
    assert response.status_code == 200 and response.json()["duplicate_of"] == first.tracking_code
    missing = client.post(
        f"/staff/api/requests/{first.tracking_code}/duplicate/",
        {"original": "MHD-2222-2222"},
        content_type="application/json",
    )
    assert missing.status_code == 400
    client.force_login(staff["supervisor"])
    bad = client.post(
        f"/staff/api/requests/{first.tracking_code}/reassign/",
        {"district": 42, "reason": "x"},
        content_type="application/json",
    )
    assert bad.status_code == 400
    ok = client.post(
        f"/staff/api/requests/{first.tracking_code}/reassign/",
        {"department": "transport", "reason": "It is a traffic sign"},
        content_type="application/json",
    )
    assert ok.status_code == 200 and ok.json()["department"] == "transport"


def test_create_staff_command(districts):
    out = io.StringIO()
    call_command(
        "create_staff",
        "p7",
        "--role",
        "planner",
        "--district",
        "7",
        "--district",
        "8",
        "--password",
        "a-long-pass-77",
        stdout=out,
    )
    user = User.objects.get(username="p7")
    assert user.check_password("a-long-pass-77")
    assert sorted(user.staff_profile.districts.values_list("code", flat=True)) == [7, 8]
    call_command("create_staff", "p7", "--role", "supervisor", "--no-password", stdout=out)
    user.refresh_from_db()
    assert user.staff_profile.role == "supervisor" and user.check_password("a-long-pass-77")
    assert not user.staff_profile.districts.exists()
    with pytest.raises(CommandError, match="district"):
        call_command("create_staff", "p8", "--role", "planner", "--password", "x", stdout=out)
    with pytest.raises(CommandError, match="unknown district"):
        call_command(
            "create_staff",
            "p9",
            "--role",
            "planner",
            "--district",
            "40",
            "--password",
            "x",
            stdout=out,
        )
    assert not User.objects.filter(username__in=["p8", "p9"]).exists()


def test_load_demo_staff_is_idempotent(districts):
    call_command("load_demo_staff", stdout=io.StringIO())
    call_command("load_demo_staff", stdout=io.StringIO())
    roles = dict(StaffProfile.objects.values_list("user__username", "role"))
    assert roles == {
        "planner11": "planner",
        "planner2": "planner",
        "supervisor": "supervisor",
        "gisstaff": "gis_staff",
    }
    client = Client()
    assert client.login(username="planner11", password="planner11-demo-pass")


def test_roles_and_layers(staff, req11, req2):
    assert can_manage_layers(staff["gis"]) and can_manage_layers(staff["admin"])
    assert not can_manage_layers(staff["planner11"]) and not can_manage_layers(staff["supervisor"])
    assert list(requests_visible_to(staff["planner11"])) == [req11]
    assert set(requests_visible_to(staff["supervisor"])) == {req11, req2}
    assert not requests_visible_to(staff["gis"]).exists()
    superuser = User.objects.create_superuser("root", password="root-pass-1")
    assert set(requests_visible_to(superuser)) == {req11, req2}
    staff["planner11"].is_active = False
    assert not requests_visible_to(staff["planner11"]).exists()
    two = staff_create(
        username="both", role=StaffRole.PLANNER, password=PASSWORD, district_codes=[2, 11]
    )
    assert set(requests_visible_to(two)) == {req11, req2}


def test_user_admin_has_the_staff_inline(client, staff):
    client.force_login(User.objects.create_superuser("root", password="root-pass-1"))
    page = client.get(f"/admin/auth/user/{staff['planner11'].pk}/change/")
    assert page.status_code == 200 and b"staff_profile-0-role" in page.content
