"""Retries with an Idempotency-Key: the same input under the same key answers with the
first request (and, through the API, its very first response body); different input
under a used key is a conflict. The key's record is written with the request."""

import hashlib
import json

from django.contrib.gis.geos import Point
from django.utils.translation import gettext as _

from permits.filing.errors import IdempotencyConflict
from permits.filing.validation import Contact
from permits.models import IdempotencyRecord, ServiceRequest
from permits.photos import MAX_PHOTOS

#: A photo is identified by the digest of at most its first bytes (photos are smaller).
DIGEST_BYTES = 8 * 1024 * 1024


def _photo_digest(upload) -> str:
    if isinstance(upload, bytes | bytearray):
        return hashlib.sha256(upload).hexdigest()
    if hasattr(upload, "seek"):
        upload.seek(0)
    digest = hashlib.sha256(upload.read(DIGEST_BYTES)).hexdigest()
    if hasattr(upload, "seek"):
        upload.seek(0)
    return digest


def request_hash(
    *,
    service_code,
    point,
    attributes,
    description,
    contact,
    photos: list,
    channel: str,
) -> str:
    """A digest of a filing's input as given (before validation), to compare retries."""
    payload = dict(
        service_code=service_code,
        point=[round(point.x, 7), round(point.y, 7)] if isinstance(point, Point) else None,
        attributes=attributes,
        description=description,
        contact=contact.__dict__ if isinstance(contact, Contact) else contact,
        photos=[_photo_digest(photo) for photo in photos[: MAX_PHOTOS + 1]],
        channel=channel,
    )
    canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def idempotency_lookup(*, key: str, request_hash: str) -> IdempotencyRecord | None:
    """The record of an earlier request with `key`; IdempotencyConflict if it differed."""
    record = IdempotencyRecord.objects.select_related("service_request").filter(key=key).first()
    if record is not None and record.request_hash != request_hash:
        raise IdempotencyConflict(
            _("This Idempotency-Key was already used for a different request.")
        )
    return record


def idempotency_replay(record: IdempotencyRecord | None) -> ServiceRequest | None:
    """The request an earlier filing with this record stored, marked as replayed."""
    if record is None or record.service_request is None:
        return None
    record.service_request.replayed = True
    record.service_request.idempotency_record = record
    return record.service_request


def idempotency_winner(*, key: str, request_hash: str) -> ServiceRequest | None:
    """After a unique-key failure: the request a concurrent retry with `key` stored."""
    record = (
        IdempotencyRecord.objects.select_related("service_request")
        .filter(key=key, request_hash=request_hash)
        .first()
    )
    return idempotency_replay(record)


def idempotency_record_response(*, key: str, response: dict, status_code: int = 201) -> None:
    """Remember the first response sent for `key`, so a retry gets the very same body."""
    IdempotencyRecord.objects.filter(key=key, response__isnull=True).update(
        response=response, status_code=status_code
    )
