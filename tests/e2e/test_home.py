"""The home map in a real browser: click inside a district, search a parcel."""

from playwright.sync_api import expect

from tests.conftest import inside_point


def map_name(page) -> str:
    return page.evaluate("() => Object.keys(window).find(k => k.startsWith('map_'))")


def click_map_at(page, lat: float, lon: float) -> None:
    """Click the Leaflet map at a geographic point."""
    name = map_name(page)
    page.wait_for_selector(".folium-map[data-ready=true]")
    x, y = page.evaluate(
        f"([lat, lon]) => {{ const m = window['{name}'];"
        " m.setView([lat, lon], 18, {animate: false});"
        " const p = m.latLngToContainerPoint([lat, lon]); return [p.x, p.y]; }",
        [lat, lon],
    )
    box = page.locator(".folium-map").bounding_box()
    page.mouse.click(box["x"] + x, box["y"] + y)


def test_click_inside_a_district_shows_its_name_and_parcel(page, language, parcel_11):
    page.goto_portal("/")
    centre = parcel_11.geom.point_on_surface
    click_map_at(page, centre.y, centre.x)
    result = page.locator("#lookup-result")
    expect(result.locator(".district-name")).to_have_text(
        "منطقه ۱۱" if language == "fa" else "District 11"
    )
    code = parcel_11.renovation_code
    expected_code = (
        code.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")) if language == "fa" else code
    )
    expect(result).to_contain_text(expected_code)
    expect(page.locator(".parcel-outline")).to_have_count(1)
    assert page.blocked_requests == []


def test_click_outside_the_city_shows_the_refusal(page, language, districts):
    page.goto_portal("/")
    click_map_at(page, 36.50, 59.90)
    expect(page.locator("#lookup-result [role=alert]")).to_be_visible()


def test_search_by_code_outlines_the_parcel(page, language, parcel_11):
    page.goto_portal("/")
    page.wait_for_selector(".folium-map[data-ready=true]")
    page.get_by_label(
        "Renovation code or address" if language == "en" else "کد نوسازی یا نشانی"
    ).fill(parcel_11.renovation_code)
    page.keyboard.press("Enter")
    expect(page.locator(".parcel-outline")).to_have_count(1)
    expect(page.locator("#lookup-result .district-name")).to_be_visible()


def test_phone_width_map_and_panel_are_usable(phone_page, districts):
    phone_page.goto_portal("/")
    phone_page.wait_for_selector(".folium-map[data-ready=true]")
    map_box = phone_page.locator(".folium-map").bounding_box()
    assert map_box["width"] >= 300 and map_box["height"] >= 250
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 362
    expect(phone_page.locator("#parcel-q")).to_be_visible()


def test_persian_page_is_rtl(page, language, districts):
    page.goto_portal("/")
    direction = page.evaluate("document.documentElement.dir")
    assert direction == ("rtl" if language == "fa" else "ltr")
    inside = inside_point(districts[11])
    assert inside  # the districts are loaded for the map
