"""Writes: filing a request, supporting one, notifying, loading the catalogue.

`request_file` is THE path for a new request, shared by the HTML form, the JSON API
and Open311. It checks everything before anything is written, then writes the
request, its first history rows, its photos and its idempotency record in one
transaction: a failure stores nothing (files written before the failure are removed).
"""

import hashlib
import hmac
import json
import logging
import math
import re
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.validators import validate_email
from django.db import IntegrityError, connections, router, transaction
from django.db.models import F
from django.db.models.expressions import DatabaseDefault
from django.utils import timezone, translation
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from gis_portal.core.i18n import PERSIAN_DIGITS, is_persian
from layers.selectors import routing_override_for, zoning_check
from parcels.models import District
from parcels.selectors import OutsideCity, district_and_parcel_at
from permits.models import (
    Attachment,
    Channel,
    Department,
    EventKind,
    IdempotencyRecord,
    RequestEvent,
    RequestStatus,
    ServiceDomain,
    ServiceRequest,
    ServiceType,
    Support,
)
from permits.notifications import request_notify
from permits.photos import MAX_PHOTOS, CleanPhoto, PhotoRejected, photo_clean
from permits.selectors import service_type_get, service_type_is_online
from permits.tracking import tracking_code_new

logger = logging.getLogger(__name__)

MAX_DESCRIPTION = 4000
MAX_STRING = 200
MAX_TEXT = 2000
MAX_NAME = 120
MAX_EMAIL = ServiceRequest._meta.get_field("contact_email").max_length
PHONE = re.compile(r"^\+?\d{7,15}$")


# --- errors ------------------------------------------------------------------------------


class RequestRejected(Exception):
    """A request that cannot be filed. `message` and `errors` are for a person, in the
    active language; `errors` maps a field ("service_code", "location",
    "attributes.<code>", "description", "contact.<name|phone|email>", "photos") to
    messages. Nothing has been stored when this is raised."""

    code = "rejected"
    status_code = 400

    def __init__(self, message: str, *, errors: dict[str, list[str]] | None = None):
        super().__init__(message)
        self.message = message
        self.errors = errors or {}


class UnknownService(RequestRejected):
    code = "unknown_service"


class OutsideCityRejected(RequestRejected):
    code = "outside_city"


class ServiceNotOnline(RequestRejected):
    code = "service_not_online"


class ParcelRequired(RequestRejected):
    code = "parcel_required"


class InvalidRequest(RequestRejected):
    code = "invalid"


class IdempotencyConflict(RequestRejected):
    code = "idempotency_conflict"
    status_code = 409


class RequestNotFound(RequestRejected):
    code = "not_found"
    status_code = 404


class AlreadySupported(RequestRejected):
    code = "already_supported"
    status_code = 409


class RequestClosed(RequestRejected):
    code = "request_closed"
    status_code = 409


# --- small helpers -----------------------------------------------------------------------


def _text(value: Any) -> str:
    """A string without NUL characters (PostgreSQL refuses them) and outer spaces."""
    return value.replace("\x00", "").strip()


def _both_languages(function) -> tuple[str, str]:
    """`function()` evaluated in Persian and in English (system notes carry both)."""
    with translation.override("fa"):
        fa = function()
    with translation.override("en"):
        en = function()
    return fa, en


def _district_names(districts) -> str:
    separator = "، " if is_persian() else ", "
    return separator.join(d.name for d in districts)


@dataclass(frozen=True)
class Contact:
    name: str = ""
    phone: str = ""
    email: str = ""


# --- attribute validation ----------------------------------------------------------------


def _number(value: Any) -> float | int:
    if isinstance(value, bool):
        raise ValueError
    if isinstance(value, int | float):
        number = value
    elif isinstance(value, str) and len(value) <= 40:
        number = float(value.strip().translate(PERSIAN_DIGITS).replace(",", ""))
    else:
        raise ValueError
    if not math.isfinite(number):
        raise ValueError
    return int(number) if float(number).is_integer() and abs(number) < 2**53 else float(number)


def _datetime_text(value: Any) -> str:
    if not isinstance(value, str) or len(value) > 40:
        raise ValueError
    text = value.strip().translate(PERSIAN_DIGITS)
    if len(text) > 10:
        parsed = parse_datetime(text)
        if parsed is None:
            raise ValueError
        return parsed.isoformat()
    day = parse_date(text)
    if day is None:
        raise ValueError
    return day.isoformat()


def attributes_validate(service_type: ServiceType, raw: Any) -> tuple[dict, dict[str, list[str]]]:
    """Clean attribute values by the service's definitions: (values, errors by field)."""
    errors: dict[str, list[str]] = {}
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        return {}, {"attributes": [_("Attributes must be an object of code: value pairs.")]}
    definitions = {item["code"]: item for item in service_type.attribute_definitions()}
    for code in raw:
        if code not in definitions:
            errors.setdefault("attributes", []).append(
                _("Unknown attribute “%(code)s” for this service.") % {"code": str(code)[:40]}
            )
    clean: dict[str, Any] = {}
    for code, item in definitions.items():
        field = f"attributes.{code}"
        value = raw.get(code)
        if isinstance(value, str):
            value = _text(value)
        empty = value is None or value == "" or value == []
        if empty:
            if item.get("required"):
                errors[field] = [_("This field is required.")]
            continue
        datatype = item["datatype"]
        keys = [v["key"] for v in item.get("values", [])]
        try:
            if datatype == "number":
                number = _number(value)
                low, high = item.get("min"), item.get("max")
                if low is not None and number < low or high is not None and number > high:
                    errors[field] = [
                        _("Give a number between %(min)s and %(max)s.")
                        % {"min": low if low is not None else "…", "max": high or "…"}
                    ]
                    continue
                clean[code] = number
            elif datatype in ("string", "text"):
                if not isinstance(value, str):
                    raise ValueError
                limit = MAX_STRING if datatype == "string" else MAX_TEXT
                if len(value) > limit:
                    errors[field] = [_("At most %(limit)s characters, please.") % {"limit": limit}]
                    continue
                clean[code] = value
            elif datatype == "datetime":
                clean[code] = _datetime_text(value)
            elif datatype == "singlevaluelist":
                if not isinstance(value, str) or value not in keys:
                    errors[field] = [_("Choose one of the listed options.")]
                    continue
                clean[code] = value
            elif datatype == "multivaluelist":
                if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                    raise ValueError
                if any(v not in keys for v in value):
                    errors[field] = [_("Choose only from the listed options.")]
                    continue
                clean[code] = [key for key in keys if key in value]  # definition order, no dups
        except (ValueError, TypeError, OverflowError):
            errors[field] = [
                {
                    "number": _("Enter a number."),
                    "datetime": _("Enter a date as YYYY-MM-DD."),
                    "multivaluelist": _("Give a list of options."),
                }.get(datatype, _("Enter text."))
            ]
    return clean, errors


def contact_validate(raw: Any, *, required: bool) -> tuple[Contact, dict[str, list[str]]]:
    errors: dict[str, list[str]] = {}
    if raw is None:
        raw = {}
    if isinstance(raw, Contact):
        raw = raw.__dict__
    if not isinstance(raw, dict):
        return Contact(), {"contact": [_("Contact must be an object with name, phone, email.")]}
    values = {}
    for key in ("name", "phone", "email"):
        value = raw.get(key) or ""
        if not isinstance(value, str):
            errors[f"contact.{key}"] = [_("Enter text.")]
            value = ""
        values[key] = _text(value)
    if len(values["name"]) > MAX_NAME:
        errors["contact.name"] = [_("At most %(limit)s characters, please.") % {"limit": MAX_NAME}]
    phone = re.sub(r"[\s\-().]", "", values["phone"].translate(PERSIAN_DIGITS))
    if phone and not PHONE.match(phone):
        errors["contact.phone"] = [_("Enter a phone number, e.g. 09123456789.")]
    values["phone"] = phone
    if len(values["email"]) > MAX_EMAIL:  # validate_email allows up to 320
        errors["contact.email"] = [
            _("At most %(limit)s characters, please.") % {"limit": MAX_EMAIL}
        ]
    elif values["email"]:
        try:
            validate_email(values["email"])
        except ValidationError:
            errors["contact.email"] = [_("Enter a valid email address.")]
    if required:
        for key in ("name", "phone"):
            if not values[key] and f"contact.{key}" not in errors:
                errors[f"contact.{key}"] = [_("Required for a permit application.")]
    return Contact(**values), errors


# --- idempotency -------------------------------------------------------------------------


def _request_hash(**payload) -> str:
    canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _photo_digest(upload) -> str:
    if isinstance(upload, bytes | bytearray):
        return hashlib.sha256(upload).hexdigest()
    if hasattr(upload, "seek"):
        upload.seek(0)
    digest = hashlib.sha256(upload.read(8 * 1024 * 1024)).hexdigest()
    if hasattr(upload, "seek"):
        upload.seek(0)
    return digest


def idempotency_lookup(*, key: str, request_hash: str) -> IdempotencyRecord | None:
    """The record of an earlier request with `key`; IdempotencyConflict if it differed."""
    record = IdempotencyRecord.objects.select_related("service_request").filter(key=key).first()
    if record is not None and record.request_hash != request_hash:
        raise IdempotencyConflict(
            _("This Idempotency-Key was already used for a different request.")
        )
    return record


def idempotency_record_response(*, key: str, response: dict, status_code: int = 201) -> None:
    """Remember the first response sent for `key`, so a retry gets the very same body."""
    IdempotencyRecord.objects.filter(key=key, response__isnull=True).update(
        response=response, status_code=status_code
    )


# --- filing ------------------------------------------------------------------------------


def request_route(*, point: Point, service_type: ServiceType) -> tuple[District, float | None, Any]:
    """District, snap distance and parcel for filing `service_type` at `point`, or the
    typed rejection: outside the city, not online in that district, no parcel."""
    try:
        match, parcel = district_and_parcel_at(point)
    except OutsideCity as outside:
        raise OutsideCityRejected(str(outside), errors={"location": [str(outside)]}) from None
    district = match.district
    if not service_type_is_online(service_type, district):
        online = list(service_type.online_districts.order_by("code"))
        message = _(
            "“%(service)s” is not yet online in %(district)s. It is online in: %(where)s."
        ) % {
            "service": service_type.name,
            "district": district.name,
            "where": _district_names(online),
        }
        raise ServiceNotOnline(message, errors={"service_code": [message]})
    if service_type.needs_parcel and parcel is None:
        message = _(
            "A permit needs a parcel: there is no parcel at this point. Click inside your "
            "parcel or search for it by renovation code or address."
        )
        raise ParcelRequired(message, errors={"location": [message]})
    return district, match.snapped_m, parcel


def _zoning(*, point: Point, service_type: ServiceType, attributes: dict) -> tuple[bool, str]:
    if not service_type.is_permit:
        return False, ""
    floors = attributes.get("floors")
    verdict = zoning_check(
        point=point,
        use=attributes.get("intended_use"),
        floors=int(floors) if isinstance(floors, int | float) else None,
    )
    if verdict is None:
        return False, ""
    return (not verdict.allowed), verdict.explanation


def _department(*, point: Point, service_type: ServiceType) -> tuple[Department, bool]:
    override = routing_override_for(point=point, service_code=service_type.code)
    if override and override != service_type.department.code:
        department = Department.objects.filter(code=override).first()
        if department is not None:
            return department, True
        logger.warning("routing override names unknown department %r", override)
    return service_type.department, False


def _save_photos(request: ServiceRequest, photos: list[CleanPhoto], saved: list[str]) -> None:
    for photo in photos:
        attachment = Attachment(
            request=request,
            content_type=photo.content_type,
            size_bytes=len(photo.data),
        )
        attachment.image.save(f"photo.{photo.extension}", ContentFile(photo.data), save=False)
        attachment.width, attachment.height = photo.width, photo.height
        saved.append(attachment.image.name)
        attachment.full_clean(exclude=["image"])
        attachment.save()


def request_file(
    *,
    service_code: str,
    point: Point,
    attributes: dict | None = None,
    description: str = "",
    contact: Contact | dict | None = None,
    photos: list | None = None,
    channel: str = Channel.WEB,
    idempotency_key: str | None = None,
) -> ServiceRequest:
    """File a request at `point`: validate, route, store, notify. Raises RequestRejected.

    With an `idempotency_key` seen before for the same input, the first request is
    returned (with `.replayed = True`) and nothing new is stored.
    """
    photos = list(photos or [])
    request_hash = None
    if idempotency_key:
        request_hash = _request_hash(
            service_code=service_code,
            point=[round(point.x, 7), round(point.y, 7)] if isinstance(point, Point) else None,
            attributes=attributes,
            description=description,
            contact=contact.__dict__ if isinstance(contact, Contact) else contact,
            photos=[_photo_digest(photo) for photo in photos[: MAX_PHOTOS + 1]],
            channel=channel,
        )
        record = idempotency_lookup(key=idempotency_key, request_hash=request_hash)
        if record is not None and record.service_request is not None:
            record.service_request.replayed = True
            record.service_request.idempotency_record = record
            return record.service_request

    service_type = service_type_get(service_code)
    if service_type is None:
        message = _("There is no service with the code “%(code)s”.") % {
            "code": str(service_code)[:64]
        }
        raise UnknownService(message, errors={"service_code": [message]})
    if not isinstance(point, Point) or point.srid != 4326 or point.empty:
        message = _("Choose a point on the map.")
        raise OutsideCityRejected(message, errors={"location": [message]})
    district, snapped_m, parcel = request_route(point=point, service_type=service_type)

    clean_attributes, errors = attributes_validate(service_type, attributes)
    if description is None:
        description = ""
    if not isinstance(description, str):
        errors["description"] = [_("Enter text.")]
        description = ""
    description = _text(description)
    if len(description) > MAX_DESCRIPTION:
        errors["description"] = [
            _("At most %(limit)s characters, please.") % {"limit": MAX_DESCRIPTION}
        ]
    clean_contact, contact_errors = contact_validate(contact, required=service_type.is_permit)
    errors.update(contact_errors)
    clean_photos: list[CleanPhoto] = []
    if len(photos) > MAX_PHOTOS:
        errors["photos"] = [_("At most 3 photos, please.")]
    else:
        for upload in photos:
            try:
                clean_photos.append(photo_clean(upload))
            except PhotoRejected as rejected:
                errors.setdefault("photos", []).append(str(rejected))
    if errors:
        raise InvalidRequest(_("Please correct the marked fields."), errors=errors)

    zoning_flag, zoning_note = _zoning(
        point=point, service_type=service_type, attributes=clean_attributes
    )
    department, overridden = _department(point=point, service_type=service_type)

    fields = dict(
        service_type=service_type,
        point=point,
        parcel=parcel,
        district=district,
        snapped_m=snapped_m,
        department=department,
        description=description,
        attributes=clean_attributes,
        contact=clean_contact,
        channel=channel,
        zoning_flag=zoning_flag,
        zoning_note=zoning_note,
    )
    # With no photos or idempotency record to write alongside, and no caller's transaction
    # to keep a savepoint in, the request and its history are one INSERT statement, atomic
    # by itself: no BEGIN and COMMIT round trips (notifications still follow the commit).
    alone = not (clean_photos or idempotency_key or transaction.get_connection().in_atomic_block)
    for attempt in range(TRACKING_CODE_ATTEMPTS):
        saved_files: list[str] = []
        try:
            with nullcontext() if alone else transaction.atomic():
                request = _request_new(**fields)
                events = [
                    RequestEvent(
                        request=request,
                        kind=EventKind.SUBMITTED,
                        to_status=request.status,
                        public=True,
                        **dict(
                            zip(
                                ("note_fa", "note_en"),
                                _both_languages(lambda: _("Request submitted.")),
                                strict=True,
                            )
                        ),
                    ),
                    RequestEvent(
                        request=request,
                        kind=EventKind.ROUTED,
                        public=True,
                        **dict(
                            zip(
                                ("note_fa", "note_en"),
                                _both_languages(
                                    partial(_routed_note, district, department, overridden)
                                ),
                                strict=True,
                            )
                        ),
                    ),
                ]
                if zoning_flag:
                    events.append(
                        RequestEvent(
                            request=request,
                            kind=EventKind.INTERNAL_NOTE,
                            public=False,
                            note=zoning_note,
                        )
                    )
                for event in events:
                    event.full_clean(exclude=["request"])
                _request_insert(request, events)
                submitted = events[0]
                _save_photos(request, clean_photos, saved_files)
                if idempotency_key:
                    IdempotencyRecord.objects.create(
                        key=idempotency_key,
                        endpoint=channel,
                        request_hash=request_hash,
                        service_request=request,
                    )
                transaction.on_commit(
                    partial(request_notify, request=request, event=submitted), robust=True
                )
        except BaseException as error:
            for name in saved_files:
                default_storage.delete(name)
            if (
                isinstance(error, IntegrityError)
                and attempt + 1 < TRACKING_CODE_ATTEMPTS
                and _tracking_code_taken(error)
            ):
                continue  # another request drew the same random code: draw again
            if idempotency_key and isinstance(error, IntegrityError):
                # A concurrent retry with the same key won the race: answer with its request.
                record = (
                    IdempotencyRecord.objects.select_related("service_request")
                    .filter(key=idempotency_key, request_hash=request_hash)
                    .first()
                )
                if record is not None and record.service_request is not None:
                    record.service_request.replayed = True
                    record.service_request.idempotency_record = record
                    return record.service_request
            raise
        break
    request.replayed = False
    request.photo_count = len(clean_photos)
    return request


def _routed_note(district: District, department: Department, overridden: bool) -> str:
    note = _("Routed to %(district)s, %(department)s.") % {
        "district": district.name,
        "department": department.name,
    }
    if overridden:
        note += " " + _("This location is handled by %(department)s (routing rule).") % {
            "department": department.name
        }
    return note


#: Drawing a tracking code already in use is a one-in-billions event: the whole filing
#: transaction is retried with a new code (no savepoint round trips on every filing).
TRACKING_CODE_ATTEMPTS = 5


def _tracking_code_taken(error: IntegrityError) -> bool:
    constraint = getattr(getattr(error.__cause__, "diag", None), "constraint_name", "") or ""
    return "tracking_code" in constraint


def _request_new(*, service_type: ServiceType, point: Point, contact: Contact, **fields):
    """A new request with a fresh tracking code, validated, not yet saved. Its foreign keys
    are instances read from the database in this filing, so full_clean does not query
    them again."""
    now = timezone.now()
    request = ServiceRequest(
        tracking_code=tracking_code_new(),
        service_type=service_type,
        location=point,
        status=RequestStatus.SUBMITTED,
        contact_name=contact.name,
        contact_phone=contact.phone,
        contact_email=contact.email,
        language=(translation.get_language() or settings.LANGUAGE_CODE)[:2],
        submitted_at=now,
        due_at=now + timedelta(days=service_type.sla_days),
        **fields,
    )
    try:
        request.full_clean(
            exclude=["service_type", "district", "department", "parcel"], validate_unique=False
        )
    except ValidationError as invalid:  # what the checks above missed: still a 400, not a 500
        errors = {
            name.replace("contact_", "contact.", 1): [str(message) for message in messages]
            for name, messages in invalid.message_dict.items()
        }
        raise InvalidRequest(_("Please correct the marked fields."), errors=errors) from None
    return request


class _NotPlain(Exception):
    """A value the ORM would have to compile (an expression other than a database
    default), or a model this insert does not know how to write."""


def _insert_values(obj, connection, *, skip=None):
    """Columns, placeholders, parameters and database-returned fields for inserting `obj`,
    as the ORM's insert compiler makes them: every local concrete field but the auto
    primary key and generated columns, `pre_save(add=True)` (auto_now fields),
    `get_db_prep_save`, the field's own placeholder (geometries), DEFAULT for a database
    default. `skip` names the one field the caller fills in."""
    meta = obj._meta
    columns, placeholders, params, returning = [], [], [], []
    for field in meta.local_concrete_fields:
        if field is meta.auto_field or field.generated or field.name == skip:
            continue
        if field.db_returning:
            returning.append(field)
        value = field.get_db_prep_save(field.pre_save(obj, True), connection)
        columns.append(connection.ops.quote_name(field.column))
        if isinstance(value, DatabaseDefault):
            placeholders.append("DEFAULT")
            continue
        if hasattr(value, "as_sql") or hasattr(value, "resolve_expression"):
            raise _NotPlain(field.name)
        placeholder = "%s"
        if hasattr(field, "get_placeholder"):
            placeholder = field.get_placeholder(value, None, connection)
        placeholders.append(placeholder)
        params.append(value)
    return columns, placeholders, params, returning


def _request_insert(request: ServiceRequest, events: list[RequestEvent]) -> None:
    """Save a new request and its first history rows in one statement (one round trip):
    two INSERTs in WITH clauses, the events' reading the request's id. The values are
    the ones `save()` and `bulk_create()` would send, and the columns the database fills
    (database defaults) are read back into the request, as save() does. Like
    bulk_create, no model save signals are sent (nothing in the portal listens to them
    for these models). A value the ORM would have to compile falls back to save() and
    bulk_create() in a transaction."""
    connection = connections[router.db_for_write(ServiceRequest)]
    quote = connection.ops.quote_name
    try:
        columns, placeholders, params, returning = _insert_values(request, connection)
        rows, event_params = [], []
        for event in events:
            event_columns, event_placeholders, values, event_returning = _insert_values(
                event, connection, skip="request"
            )
            if event_returning:
                raise _NotPlain(event_returning[0].name)
            rows.append(", ".join(["(SELECT id FROM new_request)", *event_placeholders]))
            event_params.extend(values)
    except _NotPlain:
        with transaction.atomic():
            request.save()
            RequestEvent.objects.bulk_create(events)
        return
    request_id = quote(ServiceRequest._meta.pk.column)
    returned = ", ".join([f"{request_id} AS id", *(quote(field.column) for field in returning)])
    events_request = quote(RequestEvent._meta.get_field("request").column)
    # Quoted table and column names of the models and placeholders: no input in the text.
    sql = (
        f"WITH new_request AS (INSERT INTO {quote(ServiceRequest._meta.db_table)} "  # noqa: S608
        f"({', '.join(columns)}) VALUES ({', '.join(placeholders)}) "
        f"RETURNING {returned}), "
        f"new_events AS (INSERT INTO {quote(RequestEvent._meta.db_table)} "
        f"({events_request}, {', '.join(event_columns)}) "
        f"VALUES ({'), ('.join(rows)}) RETURNING {quote(RequestEvent._meta.pk.column)} AS id) "
        f"SELECT new_request.*, ARRAY(SELECT id FROM new_events ORDER BY id) FROM new_request"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params + event_params)
        row = cursor.fetchone()
    request.pk = row[0]
    for field, value in zip(returning, row[1:-1], strict=True):
        column = field.get_col(ServiceRequest._meta.db_table)
        for converter in [
            *connection.ops.get_db_converters(column),
            *column.get_db_converters(connection),
        ]:
            value = converter(value, column, connection)
        setattr(request, field.attname, value)
    request._state.adding, request._state.db = False, connection.alias
    for event, pk in zip(events, row[-1], strict=True):
        event.pk = pk
        event.request = request
        event._state.adding, event._state.db = False, connection.alias


# --- supporting and notifying -------------------------------------------------------------


def _contact_hash(contact: str) -> str:
    normalized = re.sub(r"[\s\-().]", "", contact.translate(PERSIAN_DIGITS)).lower()
    return hmac.new(settings.SECRET_KEY.encode(), normalized.encode(), hashlib.sha256).hexdigest()


def request_support(
    *,
    request: ServiceRequest | None = None,
    tracking_code: str | None = None,
    contact: str = "",
) -> ServiceRequest:
    """Add a supporter to an open request (once per contact, when one is given)."""
    from permits.selectors import request_public

    if request is None:
        request = request_public(tracking_code or "")
        if request is None:
            raise RequestNotFound(_("No request has this tracking code."))
    if not request.is_open:
        raise RequestClosed(_("This request is closed and cannot be supported."))
    contact_hash = _contact_hash(contact) if contact else ""
    try:
        with transaction.atomic():
            support = Support(request=request, contact_hash=contact_hash)
            support.full_clean(validate_constraints=False)
            support.save()
            ServiceRequest.objects.filter(pk=request.pk).update(supporters=F("supporters") + 1)
            fa, en = _both_languages(lambda: _("Another citizen supported this request."))
            RequestEvent.objects.create(
                request=request, kind=EventKind.SUPPORT_ADDED, public=True, note_fa=fa, note_en=en
            )
    except IntegrityError:
        raise AlreadySupported(_("You have already supported this request.")) from None
    request.refresh_from_db(fields=["supporters"])
    return request


def request_notify_status(*, request: ServiceRequest, event: RequestEvent) -> None:
    """Tell the requester about a public change (issue 4 calls this on every public
    status change or public note). Sent after the surrounding transaction commits."""
    if not event.public:
        return
    transaction.on_commit(partial(request_notify, request=request, event=event), robust=True)


# --- the catalogue -----------------------------------------------------------------------


@dataclass
class CatalogueReport:
    departments: int = 0
    domains: int = 0
    services_created: int = 0
    services_updated: int = 0


def _upsert(model, lookup: dict, values: dict):
    instance = model.objects.filter(**lookup).first() or model(**lookup)
    created = instance.pk is None
    for key, value in values.items():
        setattr(instance, key, value)
    instance.full_clean(validate_unique=False, validate_constraints=False)
    instance.save()
    return instance, created


@transaction.atomic
def catalogue_load(*, data: dict) -> CatalogueReport:
    """Create or update departments, domains and service types from a catalogue dict
    (the shape of data/services.json). Idempotent: loading twice changes nothing."""
    report = CatalogueReport()
    for item in data.get("departments", []):
        _upsert(Department, {"code": item["code"]}, {k: item[k] for k in ("name_fa", "name_en")})
        report.departments += 1
    for order, item in enumerate(data.get("domains", [])):
        _upsert(
            ServiceDomain,
            {"code": item["code"]},
            {"name_fa": item["name_fa"], "name_en": item["name_en"], "order": order},
        )
        report.domains += 1
    for order, item in enumerate(data.get("services", [])):
        districts = list(District.objects.filter(code__in=item.get("online_districts", [])))
        if len(districts) != len(item.get("online_districts", [])):
            raise ValidationError(f"{item['code']}: unknown district in online_districts")
        service, created = _upsert(
            ServiceType,
            {"code": item["code"]},
            {
                "domain": ServiceDomain.objects.get(code=item["domain"]),
                "department": Department.objects.get(code=item["department"]),
                "name_fa": item["name_fa"],
                "name_en": item["name_en"],
                "description_fa": item.get("description_fa", ""),
                "description_en": item.get("description_en", ""),
                "kind": item.get("kind", "service"),
                "attributes": item.get("attributes", []),
                "needs_parcel": item.get("needs_parcel", False),
                "sla_days": item.get("sla_days", 14),
                "active": item.get("active", True),
                "order": order,
            },
        )
        service.online_districts.set(districts)
        if created:
            report.services_created += 1
        else:
            report.services_updated += 1
    return report
