"""Storing a filed request: the request and its first history rows, then its photos and
its idempotency record, in one transaction; a failure stores nothing (files written
before the failure are removed).

The request and its history rows go to the database as ONE statement: two INSERTs
compiled by Django's own insert compiler (so every value is what `save()` and
`bulk_create()` would send: `pre_save`, `get_db_prep_save`, geometry placeholders,
DEFAULT for database defaults), joined in a WITH, the history rows reading the new
request's id. Filing is the portal's hottest write, and with no photos and no caller's
transaction that single statement is atomic by itself: no BEGIN/COMMIT round trips.
"""

from contextlib import nullcontext
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import IntegrityError, connections, router, transaction
from django.db.models.expressions import RawSQL
from django.db.models.sql import InsertQuery
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from gis_portal.core.i18n import in_both_languages
from permits.filing.errors import InvalidRequest
from permits.filing.idempotency import idempotency_winner
from permits.filing.routing import routed_note
from permits.filing.validation import Contact
from permits.models import (
    EventKind,
    IdempotencyRecord,
    RequestEvent,
    RequestStatus,
    ServiceRequest,
    ServiceType,
)
from permits.notifications import request_notify
from permits.photos import CleanPhoto, photo_attach
from permits.tracking import tracking_code_new

#: Drawing a tracking code already in use is a one-in-billions event: the whole filing
#: transaction is retried with a new code (no savepoint round trips on every filing).
TRACKING_CODE_ATTEMPTS = 5


def _notes(function) -> dict[str, str]:
    return dict(zip(("note_fa", "note_en"), in_both_languages(function), strict=True))


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


def _first_events(request: ServiceRequest, *, overridden: bool) -> list[RequestEvent]:
    """'submitted' and 'routed' (public, in both languages) and, for a zoning flag, the
    internal note with the verdict. Validated; not yet saved."""
    routed = partial(routed_note, request.district, request.department, overridden)
    events = [
        RequestEvent(
            request=request,
            kind=EventKind.SUBMITTED,
            to_status=request.status,
            public=True,
            **_notes(lambda: _("Request submitted.")),
        ),
        RequestEvent(request=request, kind=EventKind.ROUTED, public=True, **_notes(routed)),
    ]
    if request.zoning_flag:
        events.append(
            RequestEvent(
                request=request,
                kind=EventKind.INTERNAL_NOTE,
                public=False,
                note=request.zoning_note,
            )
        )
    for event in events:
        event.full_clean(exclude=["request"])
    return events


class _NotPlain(Exception):
    """Rows this single statement cannot write: the database cannot return the rows of a
    multi-row INSERT, or the history rows have database-filled columns to read back."""


def _insert_values(model, objs: list, connection, *, returning: list):
    """(sql, params, compiler) of the INSERT that `save()`/`bulk_create()` would send for
    `objs`, compiled by Django's insert compiler, RETURNING the `returning` fields."""
    if not connection.features.can_return_rows_from_bulk_insert:
        raise _NotPlain(connection.vendor)
    meta = model._meta
    fields = [
        field
        for field in meta.local_concrete_fields
        if field is not meta.auto_field and not field.generated
    ]
    query = InsertQuery(model)
    query.insert_values(fields, objs)
    compiler = query.get_compiler(connection=connection)
    compiler.returning_fields = returning
    [(sql, params)] = compiler.as_sql()
    return sql, params, compiler


def _request_insert(request: ServiceRequest, events: list[RequestEvent]) -> None:
    """Save a new request and its first history rows in one statement (one round trip).
    The columns the database fills (database defaults) are read back into the request, as
    save() does. Like bulk_create, no model save signals are sent (nothing in the portal
    listens to them for these models). Rows this statement cannot write fall back to
    save() and bulk_create() in a transaction."""
    connection = connections[router.db_for_write(ServiceRequest)]
    quote = connection.ops.quote_name
    request_meta, event_meta = ServiceRequest._meta, RequestEvent._meta
    returning = request_meta.db_returning_fields
    request_id = quote(request_meta.pk.column)
    try:
        if event_meta.db_returning_fields != [event_meta.pk]:
            raise _NotPlain(event_meta.db_returning_fields)
        request_sql, request_params, compiler = _insert_values(
            ServiceRequest, [request], connection, returning=returning
        )
        # The new request's id, read inside the statement (a quoted column name, no input).
        new_request_id = RawSQL(f"(SELECT {request_id} FROM new_request)", ())  # noqa: S608
        for event in events:
            event.request_id = new_request_id
        events_sql, events_params, _compiler = _insert_values(
            RequestEvent, events, connection, returning=[event_meta.pk]
        )
    except _NotPlain:
        for event in events:
            event.request = request
        with transaction.atomic():
            request.save()
            RequestEvent.objects.bulk_create(events)
        return
    event_id = quote(event_meta.pk.column)
    # Compiled INSERTs and quoted names of the models: no input in the text.
    sql = (
        f"WITH new_request AS ({request_sql}), new_events AS ({events_sql}) "  # noqa: S608
        f"SELECT new_request.*, ARRAY(SELECT {event_id} FROM new_events ORDER BY {event_id}) "
        "FROM new_request"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, (*request_params, *events_params))
        row = cursor.fetchone()
    _read_back(request, returning, row[:-1], compiler, connection)
    for event, pk in zip(events, row[-1], strict=True):
        event.pk = pk
        event.request = request
        event._state.adding, event._state.db = False, connection.alias


def _read_back(request, returning, values, compiler, connection) -> None:
    """Set the values the database returned on `request`, converted as the ORM does."""
    columns = [field.get_col(ServiceRequest._meta.db_table) for field in returning]
    converters = compiler.get_converters(columns)
    if converters:
        values = next(iter(compiler.apply_converters([list(values)], converters)))
    for field, value in zip(returning, values, strict=True):
        setattr(request, field.attname, value)
    request._state.adding, request._state.db = False, connection.alias


def _save_photos(request: ServiceRequest, photos: list[CleanPhoto], saved: list[str]) -> None:
    """Attach `photos`, noting each file written in `saved` (removed if the filing fails)."""
    for photo in photos:
        saved.append(photo_attach(request=request, photo=photo).image.name)


def request_store(
    *,
    fields: dict,
    overridden: bool,
    photos: list[CleanPhoto],
    idempotency_key: str | None,
    request_hash: str | None,
    channel: str,
) -> ServiceRequest:
    """Store a new request built from `fields` (see `_request_new`), its first history,
    `photos` and the idempotency record; notify the requester once committed. A
    concurrent retry with the same key that stored first is answered with its request."""
    # With no photos or idempotency record to write alongside, and no caller's transaction
    # to keep a savepoint in, the request and its history are one INSERT statement, atomic
    # by itself (notifications still follow the commit).
    alone = not (photos or idempotency_key or transaction.get_connection().in_atomic_block)
    for attempt in range(TRACKING_CODE_ATTEMPTS):
        saved_files: list[str] = []
        try:
            with nullcontext() if alone else transaction.atomic():
                request = _request_new(**fields)
                events = _first_events(request, overridden=overridden)
                _request_insert(request, events)
                _save_photos(request, photos, saved_files)
                if idempotency_key:
                    IdempotencyRecord.objects.create(
                        key=idempotency_key,
                        endpoint=channel,
                        request_hash=request_hash,
                        service_request=request,
                    )
                transaction.on_commit(
                    partial(request_notify, request=request, event=events[0]), robust=True
                )
        except BaseException as error:
            for name in saved_files:
                default_storage.delete(name)
            if not isinstance(error, IntegrityError):
                raise
            if attempt + 1 < TRACKING_CODE_ATTEMPTS and _tracking_code_taken(error):
                continue  # another request drew the same random code: draw again
            winner = idempotency_key and idempotency_winner(
                key=idempotency_key, request_hash=request_hash
            )
            if winner:
                return winner
            raise
        request.replayed = False
        request.photo_count = len(photos)
        return request
    raise AssertionError("unreachable: the last attempt returns or raises")
