"""axe-core on every citizen page and the planners' workspace, in Persian and English.

Each test walks one role's pages in a real browser, runs axe-core (bundled with
axe-playwright-python, so it works offline) on the whole document — header,
navigation, panels, forms, footer and the map's controls — and fails with every
serious or critical violation listed, page by page.

Only the map's drawing surface is left out: Leaflet's SVG paths and tiles are
graphics, not content, and the map container itself is checked for its name.
"""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from gis_portal.staff.models import StaffRole
from gis_portal.staff.services import staff_create
from permits.models import RequestStatus

from ..permits.staff_fixtures import make_request

PASSWORD = "a11y-e2e-pass-1"
SERIOUS = ("serious", "critical")
AXE = Axe()


@pytest.fixture
def published_layers(demo_layers):
    """The demo layers, published: the home map gets its overlay panel, /layers/ its cards."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


class AxeReport:
    """Collects the serious and critical violations of every page it is shown."""

    def __init__(self, page):
        self.page = page
        self.problems: list[str] = []
        self.pages: list[str] = []

    def check(self, label: str) -> None:
        self.pages.append(label)
        results = AXE.run(
            self.page,
            context={"exclude": [[".leaflet-pane"]]},
            options={"resultTypes": ["violations"]},
        )
        for violation in results.response["violations"]:
            if violation["impact"] not in SERIOUS:
                continue
            lines = [f"[{label}] {violation['id']} ({violation['impact']}): {violation['help']}"]
            for node in violation["nodes"][:5]:
                summary = (node.get("failureSummary") or "").replace("\n", " ")
                lines.append(f"    at {node['target']}: {summary[:300]}")
                lines.append(f"       {node['html'][:200]}")
            if len(violation["nodes"]) > 5:
                lines.append(f"    … and {len(violation['nodes']) - 5} more elements")
            self.problems.append("\n".join(lines))

    def assert_clean(self) -> None:
        assert self.pages, "no page was checked"
        assert not self.problems, (
            f"axe found serious/critical violations on {self.page.portal_language} pages:\n"
            + "\n".join(self.problems)
        )


def map_ready(page) -> None:
    expect(page.locator(".folium-map").first).to_have_attribute("data-ready", "true")


def test_citizen_pages_pass_axe(
    page, language, catalogue, published_layers, parcel_11, district_11_point
):
    report = AxeReport(page)

    page.goto_portal("/")
    map_ready(page)
    expect(page.locator("#layer-overlays input[type=checkbox]").first).to_be_visible()
    report.check("home")

    # Home after a lookup: district, parcel facts and the link to file.
    page.locator("#parcel-q").fill(parcel_11.renovation_code)
    page.locator("#parcel-q").press("Enter")
    expect(page.locator("#lookup-result .district-name")).to_be_visible()
    expect(page.locator(".parcel-outline")).to_have_count(1)
    report.check("home after a lookup")

    # The filing page in each of its states.
    page.goto_portal("/requests/new/")
    map_ready(page)
    report.check("filing: no place yet")

    page.goto_portal("/requests/new/?q=11-")
    expect(page.locator(".search-results a").first).to_be_visible()
    report.check("filing: search results")

    page.goto_portal("/requests/new/?lat=36.5&lon=59.9")
    expect(page.locator("#location-error")).to_be_visible()
    report.check("filing: outside the city")

    page.goto_portal(f"/requests/new/?parcel={parcel_11.renovation_code}")
    map_ready(page)
    expect(page.locator("a[data-service='building-permit-new']")).to_be_visible()
    report.check("filing: place chosen, service list")

    page.goto_portal(f"/requests/new/?parcel={parcel_11.renovation_code}&service=unknown-thing")
    expect(page.locator("#service-error")).to_be_visible()
    report.check("filing: unknown service")

    page.goto_portal(
        f"/requests/new/?parcel={parcel_11.renovation_code}&service=building-permit-new"
    )
    map_ready(page)
    expect(page.locator("#zoning-precheck")).not_to_be_empty()
    report.check("filing: permit form")

    # A service form, then the same form sent back with errors.
    lat, lon = district_11_point.y, district_11_point.x
    page.goto_portal(f"/requests/new/?lat={lat}&lon={lon}&service=tree-pruning")
    map_ready(page)
    report.check("filing: service form")
    page.locator("#id_attr_tree_count").fill("many")
    page.locator("#id_attr_urgency").evaluate("e => e.removeAttribute('required')")
    page.locator("#submit-request").click()
    expect(page.locator("#form-error")).to_be_visible()
    map_ready(page)
    report.check("filing: form with errors")

    # File it for real: the confirmation page.
    page.locator("#id_attr_tree_count").fill("2")
    page.locator("#id_attr_urgency").select_option("danger")
    page.locator("#submit-request").click()
    code_box = page.locator("#tracking-code")
    expect(code_box).to_have_text(re.compile(r"^MHD-"))
    code = code_box.inner_text().strip()
    report.check("confirmation")

    # Tracking: the form, a bad code, the request's page, after a support.
    page.goto_portal("/track/")
    report.check("track: form")
    page.goto_portal("/track/?code=nonsense")
    expect(page.locator("#track-error")).to_be_visible()
    report.check("track: invalid code")
    page.goto_portal(f"/track/{code}/")
    map_ready(page)
    report.check("track: request page")
    page.locator("form[action$='/support/'] button").click()
    expect(page.locator(".messages")).to_be_visible()
    report.check("track: after support")

    # The layer catalogue.
    page.goto_portal("/layers/")
    expect(page.locator(".layer-card").first).to_be_visible()
    report.check("layers catalogue")

    report.assert_clean()
    assert page.blocked_requests == []


@pytest.fixture
def planner11(catalogue, districts):
    staff_create(
        username="planner11", role=StaffRole.PLANNER, password=PASSWORD, district_codes=[11]
    )
    return make_request(districts, service="pothole", status=RequestStatus.ACCEPTED)


def test_planner_pages_pass_axe(page, language, planner11):
    report = AxeReport(page)
    page.goto_portal("/staff/login/")
    report.check("staff sign-in")
    page.locator("#id_username").fill("planner11")
    page.locator("#id_password").fill("wrong-password")
    page.locator(".staff-login button[type=submit]").click()
    expect(page.locator("#id_password")).to_be_visible()
    report.check("staff sign-in, wrong password")
    page.locator("#id_username").fill("planner11")
    page.locator("#id_password").fill(PASSWORD)
    page.locator(".staff-login button[type=submit]").click()
    expect(page.locator("#queue-table")).to_be_visible()
    map_ready(page)
    report.check("queue")
    page.goto_portal(f"/staff/requests/{planner11.tracking_code}/")
    expect(page.locator("#request-status")).to_be_visible()
    map_ready(page)
    report.check("request page")
    report.assert_clean()


def test_the_report_catches_a_violation(page):
    """The checker itself: an unnamed button and an image without text are reported."""
    page.set_content(
        '<html lang="en"><head><title>t</title></head><body><main>'
        '<button></button><img src="data:,"></main></body></html>'
    )
    report = AxeReport(page)
    report.check("broken page")
    with pytest.raises(AssertionError, match=r"button-name.*critical"):
        report.assert_clean()
