"""The API documentation page in a real browser, offline."""

from tests.e2e.conftest import _finish, _new_page


def test_swagger_ui_works_offline_in_a_browser(browser, request, live_server):
    """Chromium with every request outside the live server refused: the UI still renders
    every operation from /api/schema/."""
    context, page = _new_page(browser, request, language="en")
    failed: list[str] = []
    page.on("requestfailed", lambda r: failed.append(r.url))
    try:
        with page.expect_response(lambda r: "/api/schema/" in r.url) as schema_response:
            page.goto(f"{live_server.url}/api/docs/")
        assert schema_response.value.status == 200
        operations = page.locator(".swagger-ui .opblock")
        operations.first.wait_for()
        assert operations.count() >= 10
        page.get_by_text("/api/requests/", exact=True).first.wait_for()
        assert page.blocked_requests == []
        assert failed == []
    finally:
        _finish(request, page, context)
