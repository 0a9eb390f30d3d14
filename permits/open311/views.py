"""Open311 GeoReport v2 (https://wiki.open311.org/GeoReport_v2) in JSON and XML.

Endpoints (under /open311/v2/, each with `.json` or `.xml`): discovery, services,
services/{service_code}, requests (GET list, POST a new one), requests/{id},
tokens/{token}. JSON bodies are the spec's bare arrays; XML follows the spec's XML
mapping; every error is a list of {code, description} (code = the HTTP status).

`service_request_id` is the request's tracking code (MHD-XXXX-XXXX): the id a citizen
is given on the phone or in an app is the one they can follow on the portal. POST
always answers with the id at once, so tokens are never needed; `tokens/{token}`
accepts a tracking code as a token for clients that poll anyway.

A POST goes through `permits.services.request_file` — the same validation, routing
and notifications as the web form — with channel "open311". Personal fields (names,
phone, email, device_id) are never returned.
"""

import math
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from urllib.parse import parse_qsl

from django.conf import settings
from django.contrib.gis.db.models.functions import Distance
from django.contrib.gis.geos import Point, Polygon
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from gis_portal.core.geo import InvalidCoordinates, degrees_at_least, point_from_lat_lon
from gis_portal.core.i18n import PERSIAN_DIGITS, localized_item
from gis_portal.templatetags.portal import localdate
from parcels.models import Parcel
from permits.models import (
    CLOSED_STATUSES,
    Channel,
    EventKind,
    Open311Submission,
    RequestEvent,
    ServiceRequest,
    ServiceType,
)
from permits.open311_keys import open311_client_authenticate, open311_post_allowed
from permits.selectors import service_type_get
from permits.services import (
    MAX_DESCRIPTION,
    Contact,
    RequestRejected,
    UnknownService,
    request_file,
)
from permits.tracking import tracking_code_normalize

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
#: Date of the last change to this server's Open311 behaviour (discovery `changeset`).
CHANGESET = "2026-11-26T00:00:00Z"
JURISDICTION_ID = getattr(settings, "OPEN311_JURISDICTION_ID", "mashhad.ir")
WINDOW_DAYS = 90
MAX_RESULTS = 1000
MAX_RADIUS_M = 20_000
DEFAULT_RADIUS_M = 1_000
#: Outer caps of a POST body: form fields only, or with one `media` photo (multipart).
MAX_FORM_BYTES = 64 * 1024
MAX_MULTIPART_BYTES = 6 * 1024 * 1024
MAX_FIELDS = 200
MAX_IDS = 100
CONTENT_TYPES = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}
#: XML names of list items (the spec's XML mapping).
LIST_ITEMS = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "endpoints": "endpoint",
    "formats": "format",
    "attributes": "attribute",
    "values": "value",
    "history": "event",
}
#: XML 1.0 cannot carry most control characters: they are dropped from text.
XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")
ATTRIBUTE_KEY = re.compile(r"^attribute\[([^\[\]]{1,64})\](\[\])?$")
PUBLIC_NOTE_KINDS = (EventKind.STATUS_CHANGE, EventKind.PUBLIC_NOTE, EventKind.DUPLICATE)


class Open311Error(Exception):
    """An answer in the spec's error format: HTTP `status` and a list of descriptions."""

    def __init__(self, status: int, *descriptions: str):
        super().__init__(descriptions[0] if descriptions else "")
        self.status = status
        self.descriptions = list(descriptions)


# --- rendering -------------------------------------------------------------------------------


def _xml_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return XML_INVALID.sub("", str(value))


def _xml_add(parent: ET.Element, name: str, value) -> None:
    element = ET.SubElement(parent, name)
    if isinstance(value, dict):
        for key, item in value.items():
            _xml_add(element, key, item)
    elif isinstance(value, list):
        for item in value:
            _xml_add(element, LIST_ITEMS.get(name, "item"), item)
    else:
        element.text = _xml_text(value)


def render(data, fmt: str, *, root: str, status: int = 200) -> HttpResponse:
    """`data` (a list or a dict) as JSON, or as XML under `<root>` (lists: one child each)."""
    if fmt == "xml":
        element = ET.Element(root)
        if isinstance(data, list):
            for item in data:
                _xml_add(element, LIST_ITEMS[root], item)
        else:
            for key, value in data.items():
                _xml_add(element, key, value)
        body = b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(element, "utf-8")
        return HttpResponse(body, status=status, content_type=CONTENT_TYPES["xml"])
    return JsonResponse(data, status=status, safe=False, json_dumps_params={"ensure_ascii": False})


def error_response(error: Open311Error, fmt: str) -> HttpResponse:
    errors = [{"code": error.status, "description": text} for text in error.descriptions]
    return render(errors, fmt, root="errors", status=error.status)


def _format(fmt: str | None) -> str:
    return fmt if fmt in CONTENT_TYPES else "json"


def open311_view(methods: list[str]):
    """A view in the spec's style: `fmt` from the URL, Open311Error → the error format,
    coordinate errors → 400. Other methods get 405 in the error format."""

    def decorate(view):
        def wrapper(request, *args, fmt: str | None = None, **kwargs):
            fmt = _format(fmt)
            if request.method not in methods:
                response = error_response(
                    Open311Error(405, _("Use %(methods)s here.") % {"methods": ", ".join(methods)}),
                    fmt,
                )
                response["Allow"] = ", ".join(methods)
                return response
            try:
                _check_jurisdiction(request)
                return view(request, *args, fmt=fmt, **kwargs)
            except Open311Error as error:
                return error_response(error, fmt)
            except InvalidCoordinates as error:
                return error_response(Open311Error(400, str(error)), fmt)

        wrapper.__name__ = view.__name__
        wrapper.__doc__ = view.__doc__
        return csrf_exempt(wrapper)

    return decorate


def _check_jurisdiction(request) -> None:
    given = request.GET.get("jurisdiction_id") or ""
    if not given and request.method == "POST":
        # The form is parsed later; a jurisdiction in the body is checked there.
        return
    if given and given != JURISDICTION_ID:
        raise Open311Error(
            404,
            _("Unknown jurisdiction_id “%(given)s”: this server serves “%(ours)s”.")
            % {"given": given[:64], "ours": JURISDICTION_ID},
        )


def _iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return timezone.localtime(moment).isoformat(timespec="seconds")


# --- discovery and services ------------------------------------------------------------------


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
            "jurisdiction_id": JURISDICTION_ID,
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


def _services() -> QuerySet[ServiceType]:
    return (
        ServiceType.objects.filter(active=True)
        .select_related("domain")
        .prefetch_related("online_districts")
        .order_by("domain__order", "domain__code", "order", "code")
    )


def _service_public(service: ServiceType) -> dict:
    online = [str(district.code) for district in service.online_districts.all()]
    keywords = [service.domain.code, service.kind]
    keywords += [f"district-{code}" for code in online] if online else ["all-districts"]
    return {
        "service_code": service.code,
        "service_name": service.name,
        "description": service.description,
        "metadata": bool(service.attributes),
        "type": "realtime",
        "keywords": ", ".join(keywords),
        "group": service.domain.name,
    }


@open311_view(["GET", "HEAD"])
def services(request, *, fmt: str):
    """Every active service (a pilot-only service says so in its keywords)."""
    return render([_service_public(s) for s in _services()], fmt, root="services")


def _datatype_description(item: dict) -> str | None:
    datatype = item["datatype"]
    if datatype == "number":
        low, high = item.get("min"), item.get("max")
        if low is not None and high is not None:
            return _("A number from %(min)s to %(max)s.") % {"min": low, "max": high}
        return _("A number.")
    if datatype == "datetime":
        return _("A date (YYYY-MM-DD) or an ISO 8601 date and time.")
    if datatype == "string":
        return _("Text, at most 200 characters.")
    if datatype == "text":
        return _("Text, at most 2000 characters.")
    if datatype == "multivaluelist":
        return _("One or more keys: attribute[code][]=key, repeated.")
    return None


def _attribute_public(item: dict) -> dict:
    label = localized_item(item, "label")
    extra = item.get("description") or ""
    attribute = {
        "variable": True,
        "code": item["code"],
        "datatype": item["datatype"],
        "required": bool(item.get("required")),
        "datatype_description": _datatype_description(item),
        "order": item.get("order", 0),
        "description": f"{label} — {extra}" if extra else label,
    }
    if item["datatype"] in ("singlevaluelist", "multivaluelist"):
        attribute["values"] = [
            {"key": value["key"], "name": localized_item(value, "name")}
            for value in item.get("values", [])
        ]
    return attribute


@open311_view(["GET", "HEAD"])
def service_definition(request, service_code: str, *, fmt: str):
    """The attributes a service asks for."""
    service = service_type_get(service_code)
    if service is None:
        raise Open311Error(404, _unknown_service(service_code))
    return render(
        {
            "service_code": service.code,
            "attributes": [_attribute_public(item) for item in service.attribute_definitions()],
        },
        fmt,
        root="service_definition",
    )


def _unknown_service(code: str) -> str:
    return _("There is no service with the code “%(code)s”.") % {"code": str(code)[:64]}


# --- reading requests ------------------------------------------------------------------------


def _requests_base() -> QuerySet[ServiceRequest]:
    return ServiceRequest.objects.select_related(
        "service_type", "district", "parcel", "open311_submission"
    ).prefetch_related(
        Prefetch(
            "events",
            queryset=RequestEvent.objects.filter(public=True).order_by("created_at", "id"),
            to_attr="public_events",
        )
    )


def _media_url(request: ServiceRequest) -> str | None:
    try:
        return request.open311_submission.media_url or None
    except Open311Submission.DoesNotExist:
        return None


def _status_notes(request: ServiceRequest) -> str | None:
    notes = [e for e in request.public_events if e.kind in PUBLIC_NOTE_KINDS and e.text]
    return notes[-1].text if notes else None


def _service_notice(request: ServiceRequest) -> str | None:
    """What the citizen should know: the tracking code, and while the request is open,
    who answers it by when. The same text after filing and in every read."""
    if not request.is_open:
        return None
    return _(
        "Your tracking code is %(code)s; follow the request on the portal. "
        "%(district)s is expected to answer by %(due)s."
    ) % {
        "code": request.tracking_code,
        "district": request.district.name,
        "due": localdate(request.due_at),
    }


def request_public(request: ServiceRequest, *, extensions: bool = False) -> dict:
    """A request in the spec's fields; never the requester's name, phone or email."""
    parcel = request.parcel
    data = {
        "service_request_id": request.tracking_code,
        "status": "open" if request.is_open else "closed",
        "status_notes": _status_notes(request),
        "service_name": request.service_type.name,
        "service_code": request.service_type.code,
        "description": request.description,
        "agency_responsible": request.district.name,
        "service_notice": _service_notice(request),
        "requested_datetime": _iso(request.submitted_at),
        "updated_datetime": _iso(request.updated_at),
        "expected_datetime": _iso(request.due_at),
        "address": (parcel.address or None) if parcel else None,
        "address_id": parcel.renovation_code if parcel else None,
        "zipcode": (parcel.postal_code or None) if parcel else None,
        "lat": round(request.location.y, 7),
        "long": round(request.location.x, 7),
        "media_url": _media_url(request),
    }
    if extensions:
        data["extended_attributes"] = {
            "district_code": request.district.code,
            "district_name": request.district.name,
            "parcel": parcel.renovation_code if parcel else None,
            "detailed_status": request.status,
            "detailed_status_label": request.status_label,
            "supporters": request.supporters,
            "history": [
                {
                    "datetime": _iso(event.created_at),
                    "kind": event.kind,
                    "status": event.to_status or None,
                    "note": event.text,
                }
                for event in request.public_events
            ],
        }
    return data


def _parse_moment(name: str, text: str, *, end: bool = False) -> datetime:
    """A W3C / ISO 8601 date or date-time; naive values are in the portal's time zone.
    A bare date as an end bound means the end of that day."""
    value = text.strip().translate(PERSIAN_DIGITS)
    moment = None
    if len(value) <= 40:
        try:
            moment = parse_datetime(value)
            if moment is None:
                day = parse_date(value)
                if day is not None:
                    moment = datetime.combine(day, time.min)
                    if end:
                        moment += timedelta(days=1) - timedelta(microseconds=1)
        except ValueError:
            moment = None
    if moment is None:
        raise Open311Error(
            400,
            _("%(name)s is not a date: use ISO 8601, e.g. 2026-11-26T10:00:00+03:30.")
            % {"name": name},
        )
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def _positive_int(params, name: str, default: int, maximum: int) -> int:
    text = (params.get(name) or "").strip()
    if not text:
        return default
    if not text.isdigit() or len(text) > 9 or not 1 <= int(text) <= maximum:
        raise Open311Error(
            400,
            _("%(name)s must be a whole number from 1 to %(max)s.")
            % {"name": name, "max": maximum},
        )
    return int(text)


def _float(name: str, text: str) -> float:
    try:
        number = float(text.strip().translate(PERSIAN_DIGITS)) if len(text) <= 40 else math.nan
    except ValueError:
        number = math.nan
    if not math.isfinite(number):
        raise Open311Error(400, _("%(name)s must be a number.") % {"name": name})
    return number


def _comma_list(params, name: str) -> list[str]:
    return [item.strip() for item in (params.get(name) or "").split(",") if item.strip()]


@dataclass
class RequestQuery:
    queryset: QuerySet[ServiceRequest]
    page: int
    page_size: int
    extensions: bool


def requests_query(params) -> RequestQuery:
    """The requests a GET asks for (the spec's filters and defaults, plus the common
    extensions), or Open311Error(400/404) saying what is wrong with the parameters."""
    extensions = (params.get("extensions") or "").strip().lower() in ("true", "1", "yes")
    page = _positive_int(params, "page", 1, 1_000_000)
    page_size = _positive_int(params, "page_size", MAX_RESULTS, MAX_RESULTS)
    queryset = _requests_base().order_by("-submitted_at", "-id")

    ids = _comma_list(params, "service_request_id")
    if ids:  # overrides every other filter
        if len(ids) > MAX_IDS:
            raise Open311Error(
                400, _("At most %(max)s service_request_id values at once.") % {"max": MAX_IDS}
            )
        codes = [code for code in map(tracking_code_normalize, ids) if code]
        return RequestQuery(queryset.filter(tracking_code__in=codes), page, page_size, extensions)

    service_codes = _comma_list(params, "service_code")
    if service_codes:
        known = set(
            ServiceType.objects.filter(code__in=service_codes).values_list("code", flat=True)
        )
        unknown = [code for code in service_codes if code not in known]
        if unknown:
            raise Open311Error(404, *[_unknown_service(code) for code in unknown[:5]])
        queryset = queryset.filter(service_type__code__in=service_codes)

    statuses = {status.lower() for status in _comma_list(params, "status")}
    if statuses - {"open", "closed"}:
        raise Open311Error(400, _("status must be open, closed or both (open,closed)."))
    if statuses == {"open"}:
        queryset = queryset.exclude(status__in=CLOSED_STATUSES)
    elif statuses == {"closed"}:
        queryset = queryset.filter(status__in=CLOSED_STATUSES)

    queryset = _date_filters(params, queryset)
    queryset = _spatial_filters(params, queryset)
    return RequestQuery(queryset, page, page_size, extensions)


def _date_filters(params, queryset):
    start_text, end_text = params.get("start_date"), params.get("end_date")
    start = _parse_moment("start_date", start_text) if start_text else None
    end = _parse_moment("end_date", end_text, end=True) if end_text else None
    after_text, before_text = params.get("updated_after"), params.get("updated_before")
    updated_after = _parse_moment("updated_after", after_text) if after_text else None
    updated_before = _parse_moment("updated_before", before_text, end=True) if before_text else None
    window = timedelta(days=WINDOW_DAYS)
    if start and end:
        if end < start:
            raise Open311Error(400, _("end_date is before start_date."))
        if end - start > window:
            raise Open311Error(
                400,
                _("start_date to end_date may span at most %(days)s days.") % {"days": WINDOW_DAYS},
            )
    elif start:
        end = start + window
    elif end:
        start = end - window
    elif updated_after is None and updated_before is None:
        end = timezone.now()
        start = end - window
    if updated_after and updated_before and updated_before < updated_after:
        raise Open311Error(400, _("updated_before is before updated_after."))
    if start:
        queryset = queryset.filter(submitted_at__gte=start, submitted_at__lte=end)
    if updated_after:
        queryset = queryset.filter(updated_at__gte=updated_after)
    if updated_before:
        queryset = queryset.filter(updated_at__lte=updated_before)
    return queryset


def _spatial_filters(params, queryset):
    bbox = params.get("bbox")
    if bbox:
        parts = bbox.split(",")
        if len(parts) != 4:
            raise Open311Error(400, _("bbox is min_long,min_lat,max_long,max_lat."))
        west, south, east, north = (_float("bbox", part) for part in parts)
        if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
            raise Open311Error(
                400, _("bbox is min_long,min_lat,max_long,max_lat, each within range.")
            )
        queryset = queryset.filter(
            location__intersects=Polygon.from_bbox((west, south, east, north))
        )
    lat, long = params.get("lat"), params.get("long")
    radius_text = params.get("radius")
    if lat or long or radius_text:
        if not (lat and long):
            raise Open311Error(400, _("Give lat and long together (with an optional radius)."))
        point = point_from_lat_lon(lat, long)
        radius = _float("radius", radius_text) if radius_text else DEFAULT_RADIUS_M
        if not 0 < radius <= MAX_RADIUS_M:
            raise Open311Error(
                400,
                _("radius is in metres, more than 0 and at most %(max)s.") % {"max": MAX_RADIUS_M},
            )
        # dwithin in degrees (a box at least `radius` wide) uses the GiST index;
        # the exact spheroid distance then trims it.
        queryset = (
            queryset.filter(location__dwithin=(point, degrees_at_least(radius, point.y)))
            .annotate(distance=Distance("location", point))
            .filter(distance__lte=radius)
        )
    return queryset


@open311_view(["GET", "HEAD", "POST"])
def requests_endpoint(request, *, fmt: str):
    """GET: requests by the spec's filters. POST: file a new request."""
    if request.method == "POST":
        return _request_create(request, fmt)
    query = requests_query(request.GET)
    offset = (query.page - 1) * query.page_size
    found = list(query.queryset[offset : offset + query.page_size])
    return render(
        [request_public(item, extensions=query.extensions) for item in found],
        fmt,
        root="service_requests",
    )


def _request_by_id(text: str) -> ServiceRequest:
    code = tracking_code_normalize(text)
    found = _requests_base().filter(tracking_code=code).first() if code else None
    if found is None:
        raise Open311Error(
            404, _("There is no request with the id “%(id)s”.") % {"id": str(text)[:40]}
        )
    return found


@open311_view(["GET", "HEAD"])
def request_detail(request, request_id: str, *, fmt: str):
    """One request, as a list of one (the spec's shape)."""
    extensions = (request.GET.get("extensions") or "").lower() in ("true", "1", "yes")
    found = _request_by_id(request_id)
    return render([request_public(found, extensions=extensions)], fmt, root="service_requests")


@open311_view(["GET", "HEAD"])
def token_detail(request, token: str, *, fmt: str):
    """The id for a token. This server never issues tokens; a tracking code is accepted."""
    found = _request_by_id(token)
    return render(
        [{"service_request_id": found.tracking_code, "token": token[:40]}],
        fmt,
        root="service_requests",
    )


# --- filing a request ------------------------------------------------------------------------


def _form(request) -> dict[str, list]:
    """The POST body as {name: [values]}: strict UTF-8 form encoding, or multipart."""
    content_type = request.META.get("CONTENT_TYPE", "")
    media_type, _sep, options = content_type.partition(";")
    media_type = media_type.strip().lower()
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if media_type == "multipart/form-data":
        if length > MAX_MULTIPART_BYTES:
            raise Open311Error(413, _("The request is too large (at most 6 MB with a photo)."))
        try:
            fields = {key: request.POST.getlist(key) for key in request.POST}
            media = request.FILES.getlist("media")
        except Exception:  # Django's multipart parser: malformed or over its limits
            raise Open311Error(400, _("The multipart body could not be read.")) from None
        if media:
            fields["media"] = media
        return fields
    if media_type != "application/x-www-form-urlencoded":
        raise Open311Error(
            400, _("Send the request as application/x-www-form-urlencoded (UTF-8) form data.")
        )
    charset = re.search(r"charset\s*=\s*\"?([\w-]+)", options, re.IGNORECASE)
    if charset and charset.group(1).lower() not in ("utf-8", "utf8"):
        raise Open311Error(400, _("The form must be encoded in UTF-8."))
    if length > MAX_FORM_BYTES:
        raise Open311Error(413, _("The request is too large (at most 64 KB of form data)."))
    try:
        text = request.body.decode("utf-8")
        if BAD_ESCAPE.search(text):
            raise ValueError("bad percent-escape")
        pairs = parse_qsl(
            text,
            keep_blank_values=True,
            strict_parsing=bool(text),
            encoding="utf-8",
            errors="strict",
            max_num_fields=MAX_FIELDS,
        )
    except (UnicodeDecodeError, ValueError):
        raise Open311Error(
            400, _("The body is not valid form data (application/x-www-form-urlencoded, UTF-8).")
        ) from None
    fields: dict[str, list] = {}
    for key, value in pairs:
        fields.setdefault(key, []).append(value)
    return fields


SINGLE_FIELDS = (
    "api_key",
    "jurisdiction_id",
    "service_code",
    "lat",
    "long",
    "address_string",
    "address_id",
    "email",
    "device_id",
    "account_id",
    "first_name",
    "last_name",
    "phone",
    "description",
    "media_url",
)
FIELD_LIMITS = {"device_id": 100, "account_id": 100, "first_name": 60, "last_name": 60}


def _single(fields: dict[str, list]) -> dict[str, str]:
    values = {}
    for name in SINGLE_FIELDS:
        given = fields.get(name, [])
        if len(given) > 1:
            raise Open311Error(400, _("%(name)s was given more than once.") % {"name": name})
        if given and not isinstance(given[0], str):
            raise Open311Error(400, _("%(name)s must be text.") % {"name": name})
        values[name] = given[0].replace("\x00", "").strip() if given else ""
        limit = FIELD_LIMITS.get(name)
        if limit and len(values[name]) > limit:
            raise Open311Error(
                400,
                _("%(name)s: at most %(limit)s characters, please.")
                % {"name": name, "limit": limit},
            )
    return values


def _attributes(fields: dict[str, list], service: ServiceType | None) -> dict:
    """`attribute[code]=v` and `attribute[code][]=v1&attribute[code][]=v2` as a dict; a
    multi-value list given once without [] is still a list."""
    datatypes = {
        item["code"]: item["datatype"]
        for item in (service.attribute_definitions() if service else [])
    }
    attributes: dict = {}
    for key, values in fields.items():
        match = ATTRIBUTE_KEY.match(key)
        if not match:
            if key.startswith("attribute"):
                raise Open311Error(
                    400,
                    _(
                        "“%(key)s” is not an attribute field: use attribute[code] "
                        "or attribute[code][]."
                    )
                    % {"key": key[:80]},
                )
            continue
        code = match.group(1)
        if match.group(2) or datatypes.get(code) == "multivaluelist":
            attributes[code] = [value for value in values if value != ""]
        elif len(values) > 1:
            raise Open311Error(
                400, _("attribute[%(code)s] was given more than once.") % {"code": code[:64]}
            )
        else:
            attributes[code] = values[0]
    return attributes


def _point(values: dict[str, str]) -> Point:
    if values["lat"] or values["long"]:
        if not (values["lat"] and values["long"]):
            raise Open311Error(400, _("Give both lat and long."))
        try:
            return point_from_lat_lon(values["lat"], values["long"])
        except InvalidCoordinates as error:
            raise Open311Error(
                400, str(error).replace("lon ", "long ").replace("lon:", "long:")
            ) from None
    if values["address_id"]:
        parcel = Parcel.objects.filter(renovation_code=values["address_id"][:24]).first()
        if parcel is None:
            raise Open311Error(
                400,
                _("No parcel has the renovation code “%(code)s” given as address_id.")
                % {"code": values["address_id"][:24]},
            )
        point = parcel.geom.point_on_surface
        point.srid = 4326
        return point
    if values["address_string"]:
        raise Open311Error(
            400,
            _(
                "This server needs a location as lat and long (or a parcel's renovation code "
                "as address_id); an address_string alone cannot be placed on the map."
            ),
        )
    raise Open311Error(400, _("lat and long are required."))


#: request_file's error fields → the Open311 parameter a client sent.
FIELD_NAMES = {
    "attributes": "attribute",
    "location": "lat/long",
    "contact.name": "first_name/last_name",
    "contact.phone": "phone",
    "contact.email": "email",
    "photos": "media",
}


def _rejection(error: RequestRejected) -> Open311Error:
    if isinstance(error, UnknownService):
        return Open311Error(404, error.message)
    descriptions = []
    for field, messages in error.errors.items():
        name = FIELD_NAMES.get(field, field)
        if field.startswith("attributes."):
            name = f"attribute[{field.split('.', 1)[1]}]"
        for message in messages or [error.message]:
            if field in ("location", "service_code") and message == error.message:
                descriptions.append(str(message))
            else:
                descriptions.append(f"{name}: {message}")
    return Open311Error(error.status_code, *(descriptions or [error.message]))


def _request_create(request, fmt: str) -> HttpResponse:
    fields = _form(request)
    values = _single(fields)
    client = open311_client_authenticate(values["api_key"])
    if client is None:
        raise Open311Error(
            403,
            _("A valid api_key is required to file a request.")
            if values["api_key"]
            else _("api_key is required to file a request."),
        )
    if values["jurisdiction_id"] and values["jurisdiction_id"] != JURISDICTION_ID:
        raise Open311Error(
            404,
            _("Unknown jurisdiction_id “%(given)s”: this server serves “%(ours)s”.")
            % {"given": values["jurisdiction_id"][:64], "ours": JURISDICTION_ID},
        )
    if not open311_post_allowed(client):
        raise Open311Error(429, _("Too many requests from this api_key; try again later."))
    if not values["service_code"]:
        raise Open311Error(400, _("service_code is required."))
    service = service_type_get(values["service_code"])
    if service is None:
        raise Open311Error(404, _unknown_service(values["service_code"]))
    if len(values["description"]) > MAX_DESCRIPTION:
        raise Open311Error(
            400,
            _("description: at most %(limit)s characters, please.") % {"limit": MAX_DESCRIPTION},
        )
    if values["media_url"]:
        try:
            URLValidator(schemes=["http", "https"])(values["media_url"])
            if len(values["media_url"]) > 1000:
                raise ValidationError("too long")
        except ValidationError:
            raise Open311Error(
                400, _("media_url must be an http(s) address of at most 1000 characters.")
            ) from None
    point = _point(values)
    attributes = _attributes(fields, service)
    name = " ".join(part for part in (values["first_name"], values["last_name"]) if part)
    try:
        with transaction.atomic():
            filed = request_file(
                service_code=service.code,
                point=point,
                attributes=attributes,
                description=values["description"],
                contact=Contact(name=name, phone=values["phone"], email=values["email"]),
                photos=fields.get("media", []),
                channel=Channel.OPEN311,
            )
            submission = Open311Submission(
                request=filed,
                client=client,
                media_url=values["media_url"],
                account_id=values["account_id"],
            )
            submission.full_clean()
            submission.save()
    except RequestRejected as error:
        raise _rejection(error) from None
    return render(
        [
            {
                "service_request_id": filed.tracking_code,
                "service_notice": _service_notice(filed),
                "account_id": values["account_id"] or None,
            }
        ],
        fmt,
        root="service_requests",
        status=201,
    )
