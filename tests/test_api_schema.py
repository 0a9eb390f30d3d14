"""The portal's JSON API documentation: an OpenAPI 3 schema with no errors or warnings,
every JSON endpoint described with examples, and Swagger UI working offline.

Open311 (/open311/v2/) is not DRF and follows its own specification; the OGC API under
/ogc/ publishes its own OpenAPI document: neither is in this schema.
"""

import json
import re
from html.parser import HTMLParser

import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.urls import URLPattern, URLResolver, get_resolver
from drf_spectacular.drainage import GENERATOR_STATS, reset_generator_stats
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema
from rest_framework.views import APIView

METHODS = ("get", "post", "put", "patch", "delete")
#: JSON API routes (DRF views) that must be in the schema.
JSON_API_PREFIXES = ("api/", "staff/api/")


@pytest.fixture(scope="module")
def schema() -> dict:
    reset_generator_stats()
    generated = SchemaGenerator().get_schema(request=None, public=True)
    problems = sorted({*GENERATOR_STATS._warn_cache, *GENERATOR_STATS._error_cache})
    reset_generator_stats()
    assert problems == [], "schema generation reported:\n" + "\n".join(problems)
    # JSON round trip: what /api/schema/?format=json serves (lazy strings resolved)
    from drf_spectacular.renderers import OpenApiJsonRenderer

    return json.loads(OpenApiJsonRenderer().render(generated, renderer_context={}))


def test_schema_validates_with_no_errors_or_warnings(tmp_path):
    """The CI command: `manage.py spectacular --validate --fail-on-warn`."""
    out = tmp_path / "schema.yaml"
    reset_generator_stats()
    try:
        call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    finally:
        reset_generator_stats()
    assert out.read_text(encoding="utf-8").startswith("openapi: 3")


def test_schema_is_valid_openapi(schema):
    validate_schema(schema)
    assert schema["info"]["title"] == "GIS Portal API"
    assert not any(path.startswith("/open311/") for path in schema["paths"])


def _api_routes(resolver=None, prefix="") -> list[tuple[str, type]]:
    """(path, view class) of every DRF view in the URLconf."""
    routes = []
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            routes += _api_routes(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            view = getattr(entry.callback, "cls", None)
            if isinstance(view, type) and issubclass(view, APIView):
                routes.append((prefix + str(entry.pattern), view))
    return routes


def _openapi_path(route: str) -> str:
    """Django's `api/parcels/<str:code>/` → OpenAPI's `/api/parcels/{code}/`."""
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route.lstrip("^").rstrip("$"))


def test_every_json_api_endpoint_is_in_the_schema(schema):
    routes = [
        (route, view)
        for route, view in _api_routes()
        if route.startswith(JSON_API_PREFIXES) and not view.__module__.startswith("drf_spectacular")
    ]
    assert len(routes) >= 10
    missing = [route for route, _view in routes if _openapi_path(route) not in schema["paths"]]
    assert missing == []


def _operations(schema):
    for path, item in schema["paths"].items():
        for method in METHODS:
            if method in item:
                yield path, method, item[method]


def _has_examples(operation) -> bool:
    bodies = [operation.get("requestBody", {})] + list(operation.get("responses", {}).values())
    return any(
        "examples" in media or "example" in media
        for body in bodies
        for media in (body.get("content") or {}).values()
    )


def test_every_operation_is_described_with_examples(schema):
    undocumented = []
    for path, method, operation in _operations(schema):
        if not (operation.get("description") or operation.get("summary")):
            undocumented.append(f"{method.upper()} {path}: no description")
        if not _has_examples(operation):
            undocumented.append(f"{method.upper()} {path}: no example")
        success = [code for code in operation.get("responses", {}) if code.startswith("2")]
        if not success:
            undocumented.append(f"{method.upper()} {path}: no success response")
    assert undocumented == []


@pytest.mark.django_db
def test_schema_and_docs_are_served(client):
    response = client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    served = json.loads(response.content)
    assert served["openapi"].startswith("3.") and "/api/requests/" in served["paths"]
    docs = client.get("/api/docs/")
    assert docs.status_code == 200


class _Assets(HTMLParser):
    def __init__(self):
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("src", "href") and value:
                self.urls.append(value)


@pytest.mark.django_db
def test_docs_page_refers_only_to_local_assets(client):
    html = client.get("/api/docs/").content.decode()
    parser = _Assets()
    parser.feed(html)
    assert parser.urls, "no assets found"
    assert all(url.startswith("/") and not url.startswith("//") for url in parser.urls), parser.urls
    assert not re.search(r"cdn|unpkg|jsdelivr|googleapis", html, re.IGNORECASE)
    # the Swagger UI files come from drf-spectacular-sidecar through the static files
    for url in parser.urls:
        if url.startswith("/static/"):
            assert finders.find(url.removeprefix("/static/").split("?")[0]), url
