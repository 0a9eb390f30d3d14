"""Filing and tracking in a real browser, in Persian and in English.

Click inside District 11 on the home map, follow "File a request here", pick a
green-space service, fill the generated form, submit, read the tracking code, then
look it up on /track/ and see its status.
"""

import re

from playwright.sync_api import expect

from permits.models import ServiceRequest

STATUS_SUBMITTED = {"fa": "ثبت‌شده", "en": "Submitted"}


def click_map_at(page, lat: float, lon: float) -> None:
    """Click the home page's Leaflet map at a geographic point."""
    page.wait_for_selector(".folium-map[data-ready=true]")
    name = page.evaluate("() => Object.keys(window).find(k => k.startsWith('map_'))")
    x, y = page.evaluate(
        f"([lat, lon]) => {{ const m = window['{name}']; m.setView([lat, lon], 17, "
        "{animate: false}); const p = m.latLngToContainerPoint([lat, lon]); return [p.x, p.y]; }",
        [lat, lon],
    )
    box = page.locator(".folium-map").bounding_box()
    page.mouse.click(box["x"] + x, box["y"] + y)


def test_file_a_green_space_request_and_track_it(page, language, catalogue, district_11_point):
    page.goto_portal("/")
    click_map_at(page, district_11_point.y, district_11_point.x)
    file_link = page.locator("#lookup-result a[href^='/requests/new/']")
    expect(file_link).to_be_visible()
    file_link.click()

    # The filing page: the district, the services online there, grouped by domain.
    expect(page.locator("#place-heading")).to_have_text(
        "منطقه ۱۱" if language == "fa" else "District 11"
    )
    expect(page.locator("html")).to_have_attribute("dir", "rtl" if language == "fa" else "ltr")
    page.locator("a[data-service='tree-pruning']").click()

    # The form generated from the service's attribute definitions.
    expect(page.locator("#file-heading")).to_have_text(
        "هرس درخت" if language == "fa" else "Tree pruning"
    )
    page.wait_for_selector(".folium-map[data-ready=true]")
    page.locator("#id_attr_tree_count").fill("2")
    page.locator("#id_attr_urgency").select_option("danger")
    page.locator("#id_description").fill("<b>Branches</b> over the school entrance `${x}`")
    page.locator("#id_contact_phone").fill("09121234567")
    page.locator("#submit-request").click()

    code_box = page.locator("#tracking-code")
    expect(code_box).to_have_text(re.compile(r"^MHD-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}$"))
    code = code_box.inner_text().strip()
    assert ServiceRequest.objects.get(tracking_code=code).district.code == 11

    # Track it from the navigation, typing the code as a person might (lower case).
    page.goto_portal("/track/")
    page.locator("#track-code").fill(code.lower())
    page.locator("#track-code").press("Enter")
    expect(page.locator("#track-status")).to_have_text(STATUS_SUBMITTED[language])
    expect(page.locator("#history li")).to_have_count(2)
    expect(page.locator(".request-description")).to_contain_text("<b>Branches</b>")
    page.wait_for_selector(".folium-map[data-ready=true]")
    assert "09121234567" not in page.content()
    assert page.blocked_requests == []


def test_building_permit_shows_parcel_and_zoning_precheck(page, language, catalogue, parcel_11):
    page.goto_portal(f"/requests/new/?parcel={parcel_11.renovation_code}")
    page.wait_for_selector(".folium-map[data-ready=true]")
    expect(page.locator(".parcel-outline")).to_have_count(1)
    page.locator("a[data-service='building-permit-new']").click()
    page.locator("#id_attr_floors").fill("3")
    page.locator("#id_attr_intended_use").select_option("residential")
    expect(page.locator("#zoning-precheck")).not_to_be_empty()
    # Submitting without the required contact keeps the person on the form, with errors.
    page.locator("#id_contact_name").evaluate("e => e.removeAttribute('required')")
    page.locator("#id_contact_phone").evaluate("e => e.removeAttribute('required')")
    page.locator("#id_attr_built_area_m2").fill("250")
    page.locator("#submit-request").click()
    expect(page.locator("#id_contact_phone_error")).to_be_visible()
    expect(page.locator("#id_attr_floors")).to_have_value("3")
    assert ServiceRequest.objects.count() == 0


def _serious_violations(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, context={"include": [["main"]], "exclude": [[".leaflet-container"]]})
    return [
        f"{v['id']}: {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_filing_and_tracking_pages_pass_axe(page, language, catalogue, district_11_point):
    page.goto_portal(
        f"/requests/new/?lat={district_11_point.y}&lon={district_11_point.x}&service=tree-pruning"
    )
    page.wait_for_selector(".folium-map[data-ready=true]")
    assert _serious_violations(page) == []
    page.locator("#id_attr_tree_count").fill("many")
    page.locator("#id_attr_urgency").evaluate("e => e.removeAttribute('required')")
    page.locator("#submit-request").click()
    expect(page.locator("#form-error")).to_be_visible()
    assert _serious_violations(page) == []
    page.goto_portal("/track/?code=nonsense")
    expect(page.locator("#track-error")).to_be_visible()
    assert _serious_violations(page) == []


def test_filing_form_fits_a_phone(phone_page, catalogue, district_11_point):
    phone_page.goto_portal(
        f"/requests/new/?lat={district_11_point.y}&lon={district_11_point.x}&service=tree-pruning"
    )
    phone_page.wait_for_selector(".folium-map[data-ready=true]")
    expect(phone_page.locator("#submit-request")).to_be_visible()
    overflow = phone_page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
    box = phone_page.locator(".folium-map").bounding_box()
    assert box["height"] > 150 and box["width"] > 300
