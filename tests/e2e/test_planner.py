"""A District 11 planner in a real browser, in Persian and in English: sign in, filter
the queue, open a request, move it to "in progress" with a public note, and see the
change on the citizen's tracking page. The District 2 planner gets a 404 for it."""

import json
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation
from playwright.sync_api import expect

from gis_portal.models import StaffRole
from gis_portal.roles import staff_create
from permits.models import RequestStatus
from permits.services import catalogue_load

from ..permits.staff_fixtures import make_request

PASSWORD = "planner-e2e-pass-1"


@pytest.fixture
def catalogue(districts):
    path = Path(settings.BASE_DIR) / "data/services.json"
    catalogue_load(data=json.loads(path.read_text(encoding="utf-8")))


@pytest.fixture
def workspace(catalogue, districts):
    staff_create(
        username="planner11", role=StaffRole.PLANNER, password=PASSWORD, district_codes=[11]
    )
    staff_create(username="planner2", role=StaffRole.PLANNER, password=PASSWORD, district_codes=[2])
    return {
        "target": make_request(districts, service="pothole", status=RequestStatus.ACCEPTED),
        "other_service": make_request(districts, service="street-light-out"),
        "other_district": make_request(districts, district=2, service="pothole"),
    }


def sign_in(page, username: str) -> None:
    page.goto_portal("/staff/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator(".staff-login button[type=submit]").click()
    expect(page.locator("#queue-table")).to_be_visible()


def test_planner_moves_a_request_and_the_citizen_sees_it(page, language, workspace, browser):
    target = workspace["target"]
    sign_in(page, "planner11")
    rows = page.locator("#queue-table tbody tr[data-code]")
    expect(rows).to_have_count(2)  # only District 11
    expect(
        page.locator(f"tr[data-code='{workspace['other_district'].tracking_code}']")
    ).to_have_count(0)

    # Filter the queue: potholes only; the map shows the same requests.
    page.locator("#f-service").select_option("pothole")
    page.locator("#apply-filters").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-code", target.tracking_code)
    queue_map = page.locator(".queue-map .folium-map")
    expect(queue_map).to_have_attribute("data-ready", "true")
    expect(queue_map).to_have_attribute("data-count", "1")
    page.locator("#mode-heat").click()
    expect(queue_map).to_have_attribute("data-mode", "heat")
    page.locator("#mode-clusters").click()

    # Open the request and move it on with a public note.
    page.locator(f"#queue-table a:text-is('{target.tracking_code}')").click()
    expect(page.locator("#request-status")).to_have_attribute("data-status", "accepted")
    expect(page.locator(".request-map .folium-map")).to_have_attribute("data-ready", "true")
    expect(page.locator("#contact")).to_contain_text("09123456789")
    page.locator("#to-status").select_option("in_progress")
    note = "تیم اجرایی فردا اعزام می‌شود" if language == "fa" else "A crew will be there tomorrow"
    page.locator("#transition-note").fill(note)
    page.locator("#transition-form button[type=submit]").click()
    expect(page.locator("#request-status")).to_have_attribute("data-status", "in_progress")
    with translation.override(language):
        in_progress = str(RequestStatus.IN_PROGRESS.label)
    expect(page.locator("#request-status")).to_have_text(in_progress)
    expect(page.locator("#history")).to_contain_text(note)

    # The citizen's tracking page shows the new status and the public note.
    citizen = browser.new_context(locale="en-US").new_page()
    citizen.goto(f"{page.live_server_url}/track/{target.tracking_code}/?lang={language}")
    expect(citizen.locator("#track-status")).to_have_text(in_progress)
    expect(citizen.locator("#history")).to_contain_text(note)
    expect(citizen.locator("body")).not_to_contain_text("09123456789")
    citizen.context.close()

    # The District 2 planner: a 404 for it, in the page and the API.
    other = browser.new_context(locale="en-US").new_page()
    other.goto(f"{page.live_server_url}/staff/login/?lang={language}")
    other.locator("#id_username").fill("planner2")
    other.locator("#id_password").fill(PASSWORD)
    other.locator(".staff-login button[type=submit]").click()
    expect(other.locator("#queue-table")).to_be_visible()
    response = other.goto(f"{page.live_server_url}/staff/requests/{target.tracking_code}/")
    assert response.status == 404
    api = other.goto(f"{page.live_server_url}/staff/api/requests/{target.tracking_code}/")
    assert api.status == 404
    other.context.close()
    assert page.blocked_requests == []
