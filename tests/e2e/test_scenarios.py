"""The issue's citizen scenarios not covered by test_home/test_filing, in a real browser.

- Scenario 2: a service online only in the pilot district is not offered elsewhere.
- Scenario 3: a nearby open request of the same kind is offered; supporting it instead
  of filing works (once per browser).
- Scenario 6: right-to-left in Persian with the map controls mirrored, left-to-right in
  English; Persian digits and Jalali dates on the tracking page in Persian, Gregorian
  in English.
- Scenario 1 at 360 px: search a parcel by code, file a building permit with a photo,
  get the tracking code, open the tracking page.
"""

import io
import re
from pathlib import Path

import jdatetime
import pytest
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from permits.models import RequestStatus, ServiceRequest, ServiceType

from ..conftest import inside_point
from ..permits.staff_fixtures import make_request

PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
LATIN_DIGITS = re.compile(r"[0-9]")


def click_map_at(page, lat: float, lon: float) -> None:
    """Click the page's Leaflet map at a geographic point."""
    expect(page.locator(".folium-map")).to_have_attribute("data-ready", "true")
    name = page.evaluate("() => Object.keys(window).find(k => k.startsWith('map_'))")
    x, y = page.evaluate(
        f"([lat, lon]) => {{ const m = window['{name}']; m.setView([lat, lon], 17, "
        "{animate: false}); const p = m.latLngToContainerPoint([lat, lon]); return [p.x, p.y]; }",
        [lat, lon],
    )
    box = page.locator(".folium-map").bounding_box()
    page.mouse.click(box["x"] + x, box["y"] + y)


# Scenario 2 ---------------------------------------------------------------------------


def test_a_pilot_only_service_is_not_offered_in_another_district(page, language, catalogue):
    from parcels.models import District

    pilot = ServiceType.objects.get(code="tree-planting")
    pilot.online_districts.set([District.objects.get(code=11)])
    district_2 = inside_point(District.objects.get(code=2))
    district_11 = inside_point(District.objects.get(code=11))

    # Click inside District 2 on the home map and follow the link to file there.
    page.goto_portal("/")
    click_map_at(page, district_2.y, district_2.x)
    expect(page.locator("#lookup-result .district-name")).to_have_text(
        "منطقه ۲" if language == "fa" else "District 2"
    )
    page.locator("#lookup-result a.button").click()
    expect(page.locator("#place-heading")).to_have_text(
        "منطقه ۲" if language == "fa" else "District 2"
    )
    expect(page.locator("a[data-service='tree-pruning']")).to_be_visible()  # online everywhere
    expect(page.locator("a[data-service='tree-planting']")).to_have_count(0)

    # Asking for it there by address is refused with a reason, and nothing is filed.
    response = page.goto_portal(
        f"/requests/new/?lat={district_2.y:.6f}&lon={district_2.x:.6f}&service=tree-planting"
    )
    assert response.status == 400
    expect(page.locator("#service-error")).to_be_visible()
    expect(page.locator("#service-error")).not_to_be_empty()
    expect(page.locator("#request-form")).to_have_count(0)

    # In the pilot district it is offered.
    page.goto_portal(f"/requests/new/?lat={district_11.y:.6f}&lon={district_11.x:.6f}")
    expect(page.locator("a[data-service='tree-planting']")).to_be_visible()
    assert ServiceRequest.objects.count() == 0


# Scenario 3 ---------------------------------------------------------------------------


def test_support_a_nearby_open_request_instead_of_filing(page, language, catalogue, districts):
    existing = make_request(districts, service="pothole", status=RequestStatus.ACCEPTED)
    closed = make_request(
        districts, service="pothole", status=RequestStatus.CLOSED, closed_at=timezone.now()
    )
    other_kind = make_request(districts, service="street-light-out")
    point = existing.location

    page.goto_portal(f"/requests/new/?lat={point.y:.7f}&lon={point.x:.7f}&service=pothole")
    nearby = page.locator("#nearby")
    expect(nearby).to_be_visible()
    expect(nearby.locator("li")).to_have_count(1)  # not the closed one, not another kind
    expect(nearby).to_contain_text(existing.tracking_code)
    expect(nearby).not_to_contain_text(closed.tracking_code)
    expect(nearby).not_to_contain_text(other_kind.tracking_code)
    expect(page.locator("#request-form")).to_be_visible()  # filing anew is still possible

    nearby.get_by_role("button").click()
    expect(page).to_have_url(re.compile(rf"/track/{existing.tracking_code}/"))
    expect(page.locator(".messages")).to_contain_text(
        "حمایت شما" if language == "fa" else "your support was added"
    )
    expect(page.locator("#track-heading")).to_have_text(existing.tracking_code)
    assert ServiceRequest.objects.count() == 3  # nothing new filed
    existing.refresh_from_db()
    assert existing.supporters == 1
    expect(page.locator("body")).not_to_contain_text(existing.contact_phone)

    # The same browser cannot support it twice.
    page.locator("form[action$='/support/'] button").click()
    expect(page.locator(".message-error")).to_be_visible()
    existing.refresh_from_db()
    assert existing.supporters == 1


# Scenario 6 ---------------------------------------------------------------------------


def control_side(page, selector: str) -> str:
    """'left' or 'right': which half of the map a control sits in."""
    box = page.locator(selector).bounding_box()
    map_box = page.locator(".folium-map").bounding_box()
    centre = box["x"] + box["width"] / 2
    return "left" if centre < map_box["x"] + map_box["width"] / 2 else "right"


def test_layout_direction_digits_and_dates(page, language, catalogue, districts):
    req = make_request(districts, service="pothole", description="Hole number 12")
    start, end = ("right", "left") if language == "fa" else ("left", "right")

    for path in ("/", f"/requests/new/?lat={req.location.y:.7f}&lon={req.location.x:.7f}"):
        page.goto_portal(path)
        expect(page.locator("html")).to_have_attribute("dir", "rtl" if language == "fa" else "ltr")
        expect(page.locator("html")).to_have_attribute("lang", language)
        expect(page.locator(".folium-map")).to_have_attribute("data-ready", "true")
        # The side panel sits at the start of the line, the map at its end.
        side = page.locator(".side-panel").bounding_box()["x"]
        map_x = page.locator(".map-panel").bounding_box()["x"]
        assert (side > map_x) == (language == "fa"), path
        # Map controls mirrored: zoom at the start, attribution at the end.
        assert control_side(page, ".leaflet-control-zoom") == start, path
        assert control_side(page, ".leaflet-control-scale") == start, path
        assert control_side(page, ".leaflet-control-attribution") == end, path
        zoom_in = page.locator(".leaflet-control-zoom-in")
        expect(zoom_in).to_have_accessible_name("بزرگ‌نمایی" if language == "fa" else "Zoom in")

    # The tracking page: digits and calendar of the language.
    page.goto_portal(f"/track/{req.tracking_code}/")
    facts = page.locator(".facts").first
    due = timezone.localtime(req.due_at).date()
    submitted = timezone.localtime(req.submitted_at)
    if language == "fa":
        jalali_due = jdatetime.date.fromgregorian(date=due).strftime("%Y/%m/%d")
        jalali_submitted = jdatetime.date.fromgregorian(date=submitted.date()).strftime("%Y/%m/%d")
        expect(facts).to_contain_text(jalali_due.translate(PERSIAN_DIGITS))
        expect(facts).to_contain_text(jalali_submitted.translate(PERSIAN_DIGITS))
        expect(page.locator("#history time").first).to_contain_text(
            jalali_submitted.translate(PERSIAN_DIGITS)
        )
        # No Latin digit in the facts except inside the left-to-right codes.
        text = facts.evaluate(
            "e => { const c = e.cloneNode(true); c.querySelectorAll('[dir=ltr]')"
            ".forEach(n => n.remove()); return c.textContent; }"
        )
        assert not LATIN_DIGITS.search(text), text
        expect(page.locator("#track-heading")).to_have_text(req.tracking_code)  # codes stay Latin
    else:
        expect(facts).to_contain_text(due.isoformat())
        expect(facts).to_contain_text(submitted.strftime("%Y-%m-%d"))
        assert not re.search("[۰-۹]", facts.inner_text())
    assert page.blocked_requests == []


# Scenario 1 at 360 px -------------------------------------------------------------------


@pytest.fixture
def photo(tmp_path) -> Path:
    path = tmp_path / "site.jpg"
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (120, 160, 90)).save(buffer, "JPEG")
    path.write_bytes(buffer.getvalue())
    return path


def test_phone_search_file_a_permit_with_a_photo_and_track_it(
    phone_page, catalogue, parcel_11, photo
):
    page = phone_page
    page.goto_portal("/")
    expect(page.locator(".folium-map")).to_have_attribute("data-ready", "true")
    page.locator("#parcel-q").fill(parcel_11.renovation_code)
    page.locator("#parcel-search button[type=submit]").click()
    expect(page.locator(".parcel-outline")).to_have_count(1)
    expect(page.locator("#lookup-result .district-name")).to_have_text("منطقه ۱۱")
    link = page.locator("#lookup-result a.button")
    link.scroll_into_view_if_needed()
    link.click()

    page.locator("a[data-service='building-permit-new']").click()
    expect(page.locator("#request-form")).to_be_visible()
    expect(page.locator(".folium-map")).to_have_attribute("data-ready", "true")
    # Both the form and the map are usable at this width: nothing overflows sideways.
    assert (
        page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        <= 0
    )
    map_box = page.locator(".folium-map").bounding_box()
    assert map_box["width"] >= 300 and map_box["height"] >= 150
    for selector in ("#id_attr_floors", "#id_contact_phone", "#submit-request"):
        box = page.locator(selector).bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 360, selector

    page.locator("#id_attr_floors").fill("۳")
    page.locator("#id_attr_built_area_m2").fill("240")
    page.locator("#id_attr_intended_use").select_option("residential")
    expect(page.locator("#zoning-precheck")).not_to_be_empty()
    page.locator("#id_photos").set_input_files(str(photo))
    page.locator("#id_contact_name").fill("Sara Ahmadi")
    page.locator("#id_contact_phone").fill("09121234567")
    page.locator("#submit-request").click()

    code_box = page.locator("#tracking-code")
    expect(code_box).to_have_text(re.compile(r"^MHD-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}$"))
    code = code_box.inner_text().strip()
    filed = ServiceRequest.objects.get(tracking_code=code)
    assert filed.parcel == parcel_11
    assert filed.attributes["floors"] == 3
    assert filed.photos.count() == 1

    # Open the tracking page by typing the code.
    page.goto_portal("/track/")
    page.locator("#track-code").fill(code)
    page.locator("#track-code").press("Enter")
    expect(page.locator("#track-heading")).to_have_text(code)
    expect(page.locator("#track-service")).to_have_text("پروانه ساخت (احداث بنای جدید)")
    expect(page.locator("body")).not_to_contain_text("09121234567")
    expect(page.locator("body")).not_to_contain_text("Sara Ahmadi")
    assert (
        page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        <= 0
    )
    assert page.blocked_requests == []
