"""Open311 inputs → typed values: the GET filters and the POST form.

Numbers, instants, lists and flags go through `gis_portal.core.params`; its
`InvalidInput` becomes an `Open311Error(400)` with this API's own wording (clients
and their users have seen these texts since the API opened).
"""

import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import parse_qsl

from django.conf import settings
from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils import timezone
from django.utils.translation import gettext as _

from gis_portal.core.geo import InvalidCoordinates, point_from_lat_lon
from gis_portal.core.params import (
    InvalidInput,
    parse_flag,
    parse_instant,
    parse_integer,
    parse_list,
    parse_number,
)
from permits.filing.validation import MAX_DESCRIPTION, body_length
from permits.open311.render import Open311Error
from permits.selectors import parcel_and_point

JURISDICTION_ID = getattr(settings, "OPEN311_JURISDICTION_ID", "mashhad.ir")
WINDOW_DAYS = 90
MAX_RESULTS = 1000
MAX_PAGE = 1_000_000
MAX_RADIUS_M = 20_000
DEFAULT_RADIUS_M = 1_000
MAX_IDS = 100
#: Outer caps of a POST body: form fields only, or with one `media` photo (multipart).
MAX_FORM_BYTES = 64 * 1024
MAX_MULTIPART_BYTES = 6 * 1024 * 1024
MAX_FIELDS = 200
MAX_MEDIA_URL = 1000
BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")
ATTRIBUTE_KEY = re.compile(r"^attribute\[([^\[\]]{1,64})\](\[\])?$")
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


@contextmanager
def refused_as(message: str):
    """An InvalidInput inside becomes Open311Error(400, message)."""
    try:
        yield
    except InvalidInput:
        raise Open311Error(400, message) from None


def jurisdiction_check(given: str) -> None:
    """A jurisdiction_id, when given, must be this server's (404 otherwise)."""
    if given and given != JURISDICTION_ID:
        raise Open311Error(
            404,
            _("Unknown jurisdiction_id “%(given)s”: this server serves “%(ours)s”.")
            % {"given": given[:64], "ours": JURISDICTION_ID},
        )


# --- GET filters -------------------------------------------------------------------------------


def positive_int(params, name: str, *, default: int, maximum: int) -> int:
    with refused_as(
        _("%(name)s must be a whole number from 1 to %(max)s.") % {"name": name, "max": maximum}
    ):
        return parse_integer(params.get(name), name, default=default, minimum=1, maximum=maximum)


def extensions_wanted(params) -> bool:
    return parse_flag(params.get("extensions"))


def comma_list(params, name: str) -> list[str]:
    return parse_list(params.get(name))


def _moment(params, name: str) -> datetime | None:
    """An ISO 8601 date-time or date; naive values are in the portal's time zone. A bare
    date is its first moment, for end bounds too: what this API has always answered
    (Python reads YYYY-MM-DD as a date-time at midnight)."""
    text = params.get(name)
    if not text:
        return None
    with refused_as(
        _("%(name)s is not a date: use ISO 8601, e.g. 2026-11-26T10:00:00+03:30.") % {"name": name}
    ):
        return parse_instant(text, name)


@dataclass(frozen=True)
class DateWindow:
    """Bounds on submission and on the last update; None is unbounded."""

    start: datetime | None
    end: datetime | None
    updated_after: datetime | None
    updated_before: datetime | None


def date_window_parse(params) -> DateWindow:
    """start_date/end_date (at most WINDOW_DAYS apart; one alone spans the window from it,
    none gives the last WINDOW_DAYS unless updated_* is given) and updated_after/before."""
    start, end = _moment(params, "start_date"), _moment(params, "end_date")
    updated_after = _moment(params, "updated_after")
    updated_before = _moment(params, "updated_before")
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
    return DateWindow(start, end, updated_after, updated_before)


@dataclass(frozen=True)
class Area:
    """A bbox (west, south, east, north) and/or a circle around `point`."""

    bbox: tuple[float, float, float, float] | None = None
    point: Point | None = None
    radius_m: float = DEFAULT_RADIUS_M


def _bbox(text: str) -> tuple[float, float, float, float]:
    parts = text.split(",")
    if len(parts) != 4:
        raise Open311Error(400, _("bbox is min_long,min_lat,max_long,max_lat."))
    with refused_as(_("%(name)s must be a number.") % {"name": "bbox"}):
        west, south, east, north = (parse_number(part, "bbox") for part in parts)
    if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
        raise Open311Error(400, _("bbox is min_long,min_lat,max_long,max_lat, each within range."))
    return west, south, east, north


def area_parse(params) -> Area:
    """bbox=min_long,min_lat,max_long,max_lat and lat, long with an optional radius (m)."""
    bbox = _bbox(params["bbox"]) if params.get("bbox") else None
    lat, long, radius_text = params.get("lat"), params.get("long"), params.get("radius")
    if not (lat or long or radius_text):
        return Area(bbox=bbox)
    if not (lat and long):
        raise Open311Error(400, _("Give lat and long together (with an optional radius)."))
    point = point_from_lat_lon(lat, long)
    radius = DEFAULT_RADIUS_M
    if radius_text:
        with refused_as(_("%(name)s must be a number.") % {"name": "radius"}):
            radius = parse_number(radius_text, "radius")
    if not 0 < radius <= MAX_RADIUS_M:
        raise Open311Error(
            400, _("radius is in metres, more than 0 and at most %(max)s.") % {"max": MAX_RADIUS_M}
        )
    return Area(bbox=bbox, point=point, radius_m=radius)


# --- the POST form -----------------------------------------------------------------------------


def form_read(request) -> dict[str, list]:
    """The POST body as {name: [values]}: strict UTF-8 form encoding, or multipart."""
    content_type = request.META.get("CONTENT_TYPE", "")
    media_type, _sep, options = content_type.partition(";")
    media_type = media_type.strip().lower()
    length = body_length(request)
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
    return _form_pairs(request.body)


def _form_pairs(body: bytes) -> dict[str, list]:
    try:
        text = body.decode("utf-8")
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


def single_values(fields: dict[str, list]) -> dict[str, str]:
    """The spec's one-value fields as stripped texts ("" when absent), length-checked."""
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


def _media_url_check(url: str) -> None:
    try:
        URLValidator(schemes=["http", "https"])(url)
        if len(url) > MAX_MEDIA_URL:
            raise ValidationError("too long")
    except ValidationError:
        raise Open311Error(
            400, _("media_url must be an http(s) address of at most 1000 characters.")
        ) from None


def attributes_from_form(fields: dict[str, list], datatypes: dict[str, str]) -> dict:
    """`attribute[code]=v` and `attribute[code][]=v1&attribute[code][]=v2` as a dict; a
    multi-value list (by the service's `datatypes`) given once without [] is still a list."""
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


def _location(values: dict[str, str]) -> Point:
    """lat/long, or else the parcel whose renovation code is address_id."""
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
        found = parcel_and_point(values["address_id"][:24])
        if found is None:
            raise Open311Error(
                400,
                _("No parcel has the renovation code “%(code)s” given as address_id.")
                % {"code": values["address_id"][:24]},
            )
        return found[1]
    if values["address_string"]:
        raise Open311Error(
            400,
            _(
                "This server needs a location as lat and long (or a parcel's renovation code "
                "as address_id); an address_string alone cannot be placed on the map."
            ),
        )
    raise Open311Error(400, _("lat and long are required."))


@dataclass(frozen=True)
class Filing:
    """A POST's values, parsed: what `open311_request_file` takes."""

    service_code: str
    point: Point
    attributes: dict
    description: str
    name: str
    phone: str
    email: str
    media_url: str
    account_id: str
    media: list = field(default_factory=list)


def filing_parse(fields: dict[str, list], values: dict[str, str], service) -> Filing:
    """The rest of a POST for `service`, once the client and the service are known."""
    if len(values["description"]) > MAX_DESCRIPTION:
        raise Open311Error(
            400,
            _("description: at most %(limit)s characters, please.") % {"limit": MAX_DESCRIPTION},
        )
    if values["media_url"]:
        _media_url_check(values["media_url"])
    point = _location(values)
    datatypes = {item["code"]: item["datatype"] for item in service.attribute_definitions()}
    return Filing(
        service_code=service.code,
        point=point,
        attributes=attributes_from_form(fields, datatypes),
        description=values["description"],
        name=" ".join(part for part in (values["first_name"], values["last_name"]) if part),
        phone=values["phone"],
        email=values["email"],
        media_url=values["media_url"],
        account_id=values["account_id"],
        media=fields.get("media", []),
    )
