"""Open311 views: parse (permits.open311.params) → read or file → render.

Every view takes the URL's format suffix; Open311Error and coordinate errors become the
spec's error format, other methods a 405 in it.
"""

from django.conf import settings
from django.http import HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from gis_portal.core.geo import InvalidCoordinates
from permits.catalogue import service_type_get
from permits.filing import RequestRejected
from permits.open311 import mapping, params, selectors
from permits.open311.keys import open311_client_authenticate, open311_post_allowed
from permits.open311.render import Open311Error, error_response, format_of, render
from permits.open311.services import open311_request_file

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
#: Date of the last change to this server's Open311 behaviour (discovery `changeset`).
CHANGESET = "2026-11-26T00:00:00Z"


def open311_view(methods: list[str]):
    """A view in the spec's style: `fmt` from the URL, Open311Error → the error format,
    coordinate errors → 400. Other methods get 405 in the error format. A jurisdiction_id
    in the query is checked here; one in a POST body where the body is read."""

    def decorate(view):
        def wrapper(request, *args, fmt: str | None = None, **kwargs):
            fmt = format_of(fmt)
            if request.method not in methods:
                response = error_response(
                    Open311Error(405, _("Use %(methods)s here.") % {"methods": ", ".join(methods)}),
                    fmt,
                )
                response["Allow"] = ", ".join(methods)
                return response
            try:
                params.jurisdiction_check(request.GET.get("jurisdiction_id") or "")
                return view(request, *args, fmt=fmt, **kwargs)
            except Open311Error as error:
                return error_response(error, fmt)
            except InvalidCoordinates as error:
                return error_response(Open311Error(400, str(error)), fmt)

        wrapper.__name__ = view.__name__
        wrapper.__doc__ = view.__doc__
        return csrf_exempt(wrapper)

    return decorate


@open311_view(["GET", "HEAD"])
def discovery(request, *, fmt: str):
    """Where and how to reach this server."""
    url = request.build_absolute_uri("/open311/v2/")
    return render(
        {
            "changeset": CHANGESET,
            "contact": getattr(
                settings,
                "OPEN311_CONTACT",
                _("Mashhad municipality, smart-municipality office: call 137."),
            ),
            "key_service": _(
                "API keys for POST are issued by the portal's administrators "
                "(call 137 and ask for the smart-municipality office)."
            ),
            "jurisdiction_id": params.JURISDICTION_ID,
            "tokens": _(
                "Not used: POST requests always answers with the service_request_id (the "
                "tracking code); tokens/{token} accepts a tracking code."
            ),
            "endpoints": [
                {
                    "specification": SPECIFICATION,
                    "url": url,
                    "changeset": CHANGESET,
                    "type": "production",
                    "formats": ["text/xml", "application/json"],
                }
            ],
        },
        fmt,
        root="discovery",
    )


@open311_view(["GET", "HEAD"])
def services(request, *, fmt: str):
    """Every active service (a pilot-only service says so in its keywords)."""
    found = selectors.services_active()
    return render([mapping.service_fields(s) for s in found], fmt, root="services")


@open311_view(["GET", "HEAD"])
def service_definition(request, service_code: str, *, fmt: str):
    """The attributes a service asks for."""
    service = service_type_get(service_code)
    if service is None:
        raise Open311Error(404, mapping.unknown_service(service_code))
    return render(
        {
            "service_code": service.code,
            "attributes": [mapping.attribute_fields(i) for i in service.attribute_definitions()],
        },
        fmt,
        root="service_definition",
    )


@open311_view(["GET", "HEAD", "POST"])
def requests_endpoint(request, *, fmt: str):
    """GET: requests by the spec's filters. POST: file a new request."""
    if request.method == "POST":
        return _request_create(request, fmt)
    query = selectors.requests_query(request.GET)
    offset = (query.page - 1) * query.page_size
    found = list(query.queryset[offset : offset + query.page_size])
    return render(
        [mapping.request_fields(item, extensions=query.extensions) for item in found],
        fmt,
        root="service_requests",
    )


@open311_view(["GET", "HEAD"])
def request_detail(request, request_id: str, *, fmt: str):
    """One request, as a list of one (the spec's shape)."""
    extensions = params.extensions_wanted(request.GET)
    found = selectors.request_by_id(request_id)
    return render(
        [mapping.request_fields(found, extensions=extensions)], fmt, root="service_requests"
    )


@open311_view(["GET", "HEAD"])
def token_detail(request, token: str, *, fmt: str):
    """The id for a token. This server never issues tokens; a tracking code is accepted."""
    found = selectors.request_by_id(token)
    return render(
        [{"service_request_id": found.tracking_code, "token": token[:40]}],
        fmt,
        root="service_requests",
    )


def _request_create(request, fmt: str) -> HttpResponse:
    """POST requests: the client (403), the jurisdiction, the client's rate (429), the
    service (404), then the rest of the form, in that order."""
    fields = params.form_read(request)
    values = params.single_values(fields)
    client = open311_client_authenticate(values["api_key"])
    if client is None:
        raise Open311Error(
            403,
            _("A valid api_key is required to file a request.")
            if values["api_key"]
            else _("api_key is required to file a request."),
        )
    params.jurisdiction_check(values["jurisdiction_id"])
    if not open311_post_allowed(client):
        raise Open311Error(429, _("Too many requests from this api_key; try again later."))
    if not values["service_code"]:
        raise Open311Error(400, _("service_code is required."))
    service = service_type_get(values["service_code"])
    if service is None:
        raise Open311Error(404, mapping.unknown_service(values["service_code"]))
    filing = params.filing_parse(fields, values, service)
    try:
        filed = open311_request_file(client=client, filing=filing)
    except RequestRejected as error:
        raise mapping.rejection_error(error) from None
    return render(
        [
            {
                "service_request_id": filed.tracking_code,
                "service_notice": mapping.service_notice(filed),
                "account_id": filing.account_id or None,
            }
        ],
        fmt,
        root="service_requests",
        status=201,
    )
