"""A District 11 planner in a real browser, in Persian and in English: sign in, filter
the queue, open a request, move it to "in progress" with a public note, and see the
change on the citizen's tracking page. The District 2 planner gets a 404 for it."""

import pytest
from django.utils import translation
from playwright.sync_api import expect

from gis_portal.staff.models import StaffRole
from gis_portal.staff.services import staff_create
from permits.models import RequestStatus

from ..permits.staff_fixtures import make_request

PASSWORD = "planner-e2e-pass-1"


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
    page.wait_for_url("**service=pothole*")
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


def test_jalali_date_picker_on_a_phone(phone_page, workspace):
    """In Persian the submitted-date filters have a Jalali picker (also on a 360 px phone);
    its calendar arithmetic agrees with jdatetime."""
    import datetime

    import jdatetime

    page = phone_page
    sign_in(page, "planner11")
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0  # the wide table scrolls inside its own box
    picker = page.locator("#f-from + .jalali-picker")
    expect(picker).to_be_attached()  # the picker script has run: focusing now opens it
    page.locator("#f-from").focus()
    expect(picker).to_be_visible()
    today = jdatetime.date.fromgregorian(date=datetime.date.today())
    expected = today.strftime("%Y/%m/%d").translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
    picker.locator("[data-today=true]").click()
    expect(page.locator("#f-from")).to_have_value(expected)
    expect(picker).to_be_hidden()
    page.locator("#apply-filters").click()
    page.wait_for_url("**/staff/?*from=*")
    expect(page.locator("#f-from")).to_have_value(expected)  # kept by the filtered page
    expect(page.locator("#queue-table tbody tr[data-code]")).to_have_count(2)  # filed today
    page.wait_for_function("() => window.JalaliPicker !== undefined")
    for day in [
        datetime.date(2026, 3, 20),
        datetime.date(2026, 3, 21),
        datetime.date(2025, 3, 20),
        datetime.date(2024, 12, 31),
        datetime.date(2030, 3, 20),
    ]:
        converted = page.evaluate(
            "([y, m, d]) => JalaliPicker.toJalali(JalaliPicker.g2d(y, m, d))",
            [day.year, day.month, day.day],
        )
        jalali = jdatetime.date.fromgregorian(date=day)
        assert (converted["jy"], converted["jm"], converted["jd"]) == (
            jalali.year,
            jalali.month,
            jalali.day,
        ), day


def _serious_violations(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, context={"include": [["main"]], "exclude": [[".leaflet-container"]]})
    return [
        f"{v['id']}: {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_workspace_pages_pass_axe(page, workspace):
    sign_in(page, "planner11")
    expect(page.locator(".queue-map .folium-map")).to_have_attribute("data-ready", "true")
    assert _serious_violations(page) == []
    page.goto_portal(f"/staff/requests/{workspace['target'].tracking_code}/")
    expect(page.locator(".request-map .folium-map")).to_have_attribute("data-ready", "true")
    assert _serious_violations(page) == []
    page.goto_portal("/staff/dashboard/")
    expect(page.locator(".dashboard-map .folium-map")).to_have_attribute("data-ready", "true")
    assert _serious_violations(page) == []
    page.goto_portal("/staff/?from=nonsense")
    expect(page.locator("#filter-error")).to_be_visible()
    assert _serious_violations(page) == []
