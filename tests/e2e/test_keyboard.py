"""The whole filing flow by keyboard alone, without the map, in Persian and English.

Only Tab, Enter, arrow keys and typing: find the parcel (by renovation code on the
home page, by address on the filing page), pick the service, fill the form, get the
errors announced next to their fields, correct them, submit, read the tracking code
and open the tracking page. Every control that takes focus on the way must show it.
"""

import re

from playwright.sync_api import expect

from permits.models import ServiceRequest

TAB_LIMIT = 80

FOCUSED = """(selector) => {
  const e = document.activeElement;
  if (!e || e === document.body || e === document.documentElement) {
    return {match: false, visible: true, what: "body"};
  }
  const s = getComputedStyle(e);
  const outline = s.outlineStyle !== "none" && parseFloat(s.outlineWidth) > 0;
  const shadow = s.boxShadow !== "" && s.boxShadow !== "none";
  const r = e.getBoundingClientRect();
  const cls = typeof e.className === "string" ? e.className.trim() : "";
  const label = e.getAttribute("aria-label") || e.textContent || e.value || "";
  const what = e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") +
    (cls ? "." + cls.replace(/\\s+/g, ".") : "") +
    (e.namespaceURI.endsWith("svg") ? " " + e.outerHTML.slice(0, 200) : "") +
    " «" + label.trim().slice(0, 40) + "»";
  return {match: e.matches(selector), visible: (outline || shadow) && r.width > 0 && r.height > 0,
          what: what};
}"""


def tab_to(page, selector: str) -> str:
    """Press Tab until `selector` has focus; every element focused on the way must show
    a visible focus indicator (an outline or a box-shadow). Returns what was passed."""
    passed = []
    for _ in range(TAB_LIMIT):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED, selector)
        passed.append(focused["what"])
        assert focused["visible"], f"focus is not visible on {focused['what']}"
        if focused["match"]:
            return passed
    raise AssertionError(f"{selector} never got focus by Tab; passed: {passed}")


def press_and_load(page, key: str = "Enter") -> None:
    """Press a key that loads a new page, and wait for it."""
    with page.expect_navigation():
        page.keyboard.press(key)


def type_into_focused(page, text: str) -> None:
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    page.keyboard.type(text)


def test_file_a_request_by_keyboard_alone(page, language, catalogue, parcel_11):
    page.goto_portal("/")
    expect(page.locator(".folium-map")).to_have_attribute("data-ready", "true")

    # Map controls have names a screen reader can read.
    expect(page.locator(".folium-map")).to_have_attribute("aria-label", re.compile(r"\S"))
    for control in page.locator(".leaflet-control-zoom a, .leaflet-control-zoom button").all():
        name = control.get_attribute("aria-label") or control.get_attribute("title")
        assert name and name.strip(), control.evaluate("e => e.outerHTML")

    # Find the parcel by its renovation code: the first thing in the page to reach.
    passed = tab_to(page, "#parcel-q")
    assert "skip-link" in passed[0]  # a skip link comes first
    page.keyboard.type(parcel_11.renovation_code)
    page.keyboard.press("Enter")
    file_link = page.locator("#lookup-result a.button")
    expect(file_link).to_be_visible()
    expect(page.locator(".parcel-outline")).to_have_count(1)
    tab_to(page, "#lookup-result a.button")
    press_and_load(page)

    # Pick the service from the list of services online here.
    expect(page.locator("#place-heading")).to_have_text(
        "منطقه ۱۱" if language == "fa" else "District 11"
    )
    tab_to(page, "a[data-service='tree-pruning']")
    press_and_load(page)
    expect(page.locator("#file-heading")).to_have_text(
        "هرس درخت" if language == "fa" else "Tree pruning"
    )

    # Fill it with one mistake: a count that is not a number.
    tab_to(page, "#id_attr_tree_count")
    page.keyboard.type("many")
    tab_to(page, "#id_attr_urgency")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    expect(page.locator("#id_attr_urgency")).to_have_value("danger")
    tab_to(page, "#id_description")
    page.keyboard.type("A branch hangs over the pavement")
    tab_to(page, "#id_contact_phone")
    page.keyboard.type("09121234567")
    tab_to(page, "#submit-request")
    press_and_load(page)

    # The error is announced (role=alert) and tied to its field.
    expect(page.locator("#form-error")).to_have_attribute("role", "alert")
    expect(page.locator("#form-error")).to_be_visible()
    count = page.locator("#id_attr_tree_count")
    expect(count).to_have_attribute("aria-invalid", "true")
    expect(count).to_have_attribute("aria-describedby", re.compile(r"\bid_attr_tree_count_error\b"))
    expect(page.locator("#id_attr_tree_count_error")).to_be_visible()
    expect(page.locator("#id_attr_tree_count_error")).not_to_be_empty()
    expect(page.locator("#id_attr_urgency")).not_to_have_attribute("aria-invalid", "true")
    expect(page.locator("#id_attr_urgency")).to_have_value("danger")
    assert ServiceRequest.objects.count() == 0

    # Correct it and submit.
    tab_to(page, "#id_attr_tree_count")
    type_into_focused(page, "2" if language == "en" else "۲")
    tab_to(page, "#submit-request")
    press_and_load(page)
    code_box = page.locator("#tracking-code")
    expect(code_box).to_have_text(re.compile(r"^MHD-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}$"))
    code = code_box.inner_text().strip()
    filed = ServiceRequest.objects.get(tracking_code=code)
    assert filed.attributes["tree_count"] == 2
    assert filed.district.code == 11

    # Follow it from the navigation, typing the code.
    tab_to(page, "a[href='/track/']")
    press_and_load(page)
    tab_to(page, "#track-code")
    page.keyboard.type(code)
    press_and_load(page)
    expect(page.locator("#track-heading")).to_have_text(code)
    assert page.blocked_requests == []


def test_find_the_parcel_by_address_on_the_filing_page(page, language, catalogue, parcel_11):
    page.goto_portal("/requests/new/")
    tab_to(page, "#permits-q")
    # The street part of the address, as printed on a bill (the district part is
    # written with Persian digits, which the search does not match yet).
    street = "، ".join(parcel_11.address.split("، ")[2:])
    assert street
    page.keyboard.type(street)
    press_and_load(page)
    result = f".search-results a[href$='parcel={parcel_11.renovation_code}']"
    expect(page.locator(result)).to_be_visible()
    tab_to(page, result)
    press_and_load(page)
    expect(page.locator(".parcel-code")).to_have_text(parcel_11.renovation_code)
    tab_to(page, "a[data-service='building-permit-new']")
    press_and_load(page)
    expect(page.locator("#id_attr_floors")).to_be_visible()

    # A required field left empty: the browser's own check stops the submission and
    # the server is never asked; the field is marked required for assistive technology.
    expect(page.locator("#id_attr_floors")).to_have_attribute("aria-required", "true")
    tab_to(page, "#submit-request")
    page.keyboard.press("Enter")
    expect(page.locator("#id_attr_floors")).to_be_focused()
    assert ServiceRequest.objects.count() == 0

    # On past the form into the map: its controls take focus visibly and have names.
    tab_to(page, ".leaflet-control-zoom-in")
    expect(page.locator(".leaflet-control-zoom-in")).to_have_accessible_name(re.compile(r"\S"))
