"""The access matrix: role × action × own/other district.

A planner sees and changes only their districts' requests: another district's request
is a 404 in pages and API alike, and absent from lists, map points and exports.
Supervisors and administrators see every district; only they reassign. GIS staff and
citizens get 403; anonymous visitors are sent to sign in (pages) or refused (API).
Every refusal changes nothing.
"""

import json

import pytest
from django.contrib.auth.models import User

from permits.models import RequestEvent, ServiceRequest

from . import staff_fixtures
from .staff_fixtures import PASSWORD

# The shared fixtures of the workspace tests.
staff, request_maker = staff_fixtures.staff, staff_fixtures.request_maker
req11, req2 = staff_fixtures.req11, staff_fixtures.req2

ROLES = ["planner11", "planner2", "supervisor", "admin", "gis", "citizen", "anonymous"]
ACTIONS = [
    "page",
    "api",
    "transition_api",
    "transition_page",
    "note_api",
    "reassign_api",
    "queue_api",
    "points",
    "export_csv",
    "export_geojson",
]
READS = {"page", "api"}
WRITES = {"transition_api", "transition_page", "note_api"}
LISTS = {"queue_api", "points", "export_csv", "export_geojson"}


def _expected(role: str, action: str, own: bool):
    """'ok', 'listed', 'unlisted', or an HTTP status."""
    if role == "anonymous":
        return 302 if action in {"page", "transition_page", "export_csv", "export_geojson"} else 403
    if role in ("gis", "citizen"):
        return 403
    sees = role in ("supervisor", "admin") or own
    if action in LISTS:
        return "listed" if sees else "unlisted"
    if not sees:
        return 404
    if action == "reassign_api" and role.startswith("planner"):
        return 403
    return "ok"


def _act(client, action: str, code: str):
    base = f"/staff/api/requests/{code}/"
    if action == "page":
        return client.get(f"/staff/requests/{code}/")
    if action == "api":
        return client.get(base)
    if action == "transition_api":
        return client.post(
            base + "transition/",
            {"to_status": "accepted", "from_status": "submitted", "note": "On it"},
            content_type="application/json",
        )
    if action == "transition_page":
        return client.post(
            f"/staff/requests/{code}/transition/",
            {"to_status": "accepted", "from_status": "submitted", "note": "On it"},
        )
    if action == "note_api":
        return client.post(base + "notes/", {"note": "checked"}, content_type="application/json")
    if action == "reassign_api":
        return client.post(
            base + "reassign/",
            {"department": "transport", "reason": "Wrong department"},
            content_type="application/json",
        )
    if action == "queue_api":
        return client.get("/staff/api/requests/")
    if action == "points":
        return client.get("/staff/api/requests.geojson")
    if action == "export_csv":
        return client.get("/staff/export.csv")
    if action == "export_geojson":
        return client.get("/staff/export.geojson")
    raise AssertionError(action)


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.mark.parametrize("own_district", [11, 2], ids=["district11", "district2"])
@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("role", ROLES)
def test_access_matrix(client, staff, req11, req2, role, action, own_district):
    """The request under test is in District 11 or 2; `own` is from planner11's view
    for District 11 and planner2's for District 2."""
    target = req11 if own_district == 11 else req2
    own = (role == "planner11" and own_district == 11) or (role == "planner2" and own_district == 2)
    if role == "citizen":
        User.objects.create_user("citizen", password=PASSWORD)
        client.login(username="citizen", password=PASSWORD)
    elif role != "anonymous":
        client.force_login(staff[role])
    before = (
        ServiceRequest.objects.filter(pk=target.pk)
        .values("status", "department_id", "district_id")
        .get(),
        RequestEvent.objects.filter(request=target).count(),
    )
    response = _act(client, action, target.tracking_code)
    expected = _expected(role, action, own)
    after = (
        ServiceRequest.objects.filter(pk=target.pk)
        .values("status", "department_id", "district_id")
        .get(),
        RequestEvent.objects.filter(request=target).count(),
    )
    if expected == "ok":
        assert response.status_code in (200, 201, 302), response.content[:300]
        if action == "transition_page":
            assert response.status_code == 302 and "/staff/requests/" in response["Location"]
        if action in WRITES | {"reassign_api"}:
            assert after[1] == before[1] + 1  # exactly one new history row
        if action == "api":
            data = response.json()
            assert data["code"] == target.tracking_code
            assert ("contact" in data) == (role in ("planner11", "planner2", "admin"))
    elif expected in ("listed", "unlisted"):
        assert response.status_code == 200
        assert (target.tracking_code.encode() in _body(response)) == (expected == "listed")
        assert after == before
    else:
        assert response.status_code == expected, response.content[:300]
        assert after == before
        if expected == 302:
            assert response["Location"].startswith("/staff/login/")
        if action.endswith("api") or action in ("api", "points", "queue_api"):
            assert "detail" in json.loads(response.content)
