"""Real-browser fixtures: Playwright driving the OS's Chromium against a live server.

A failing test leaves a screenshot under test-artifacts/ (git-ignored).
"""

import os
import re
import tempfile
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--disable-dev-shm-usage",
]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.hookimpl(tryfirst=True, hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


@pytest.fixture(scope="session")
def browser():
    home = tempfile.mkdtemp(prefix="gis-portal-chromium-")
    os.environ.setdefault("HOME", home)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def _new_page(browser, request, *, language: str, width: int = 1280, height: int = 860):
    context = browser.new_context(viewport={"width": width, "height": height}, locale="en-US")
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.portal_language = language
    blocked: list[str] = []

    def refuse_external(route):
        blocked.append(route.request.url)
        route.abort()

    # Nothing may load from outside the live server: record and refuse it.
    context.route(re.compile(r"^(?!https?://(localhost|127\.0\.0\.1)[:/]).*"), refuse_external)
    page.blocked_requests = blocked
    return context, page


@pytest.fixture(params=["fa", "en"])
def language(request) -> str:
    return request.param


@pytest.fixture
def page(browser, request, live_server, language):
    """A fresh page; `page.goto_portal(path)` opens a page of the live server in `language`."""
    context, page = _new_page(browser, request, language=language)

    def goto_portal(path: str):
        separator = "&" if "?" in path else "?"
        return page.goto(f"{live_server.url}{path}{separator}lang={language}")

    page.goto_portal = goto_portal
    page.live_server_url = live_server.url
    yield page
    _finish(request, page, context)


@pytest.fixture
def phone_page(browser, request, live_server):
    """A 360 px wide page in Persian."""
    context, page = _new_page(browser, request, language="fa", width=360, height=740)
    page.goto_portal = lambda path: page.goto(
        f"{live_server.url}{path}{'&' if '?' in path else '?'}lang=fa"
    )
    page.live_server_url = live_server.url
    yield page
    _finish(request, page, context)


def _finish(request, page, context):
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid)[-120:]
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    context.close()
