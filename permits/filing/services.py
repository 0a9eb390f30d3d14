"""`request_file`: THE path for a new request, shared by the HTML form, the JSON API and
Open311. It checks everything before anything is written (validation, routing), then
stores the request, its first history rows, its photos and its idempotency record in
one transaction (`permits.filing.store`) and notifies the requester once committed."""

from django.contrib.gis.geos import Point
from django.utils.translation import gettext as _

from permits.catalogue import service_type_get
from permits.filing.errors import OutsideCityRejected, UnknownService
from permits.filing.idempotency import idempotency_lookup, idempotency_replay, request_hash
from permits.filing.routing import department_for, request_route, zoning_flag_and_note
from permits.filing.store import request_store
from permits.filing.validation import Contact, filing_validate
from permits.models import Channel, ServiceRequest, ServiceType


def _service_and_point(service_code: str, point) -> ServiceType:
    service_type = service_type_get(service_code)
    if service_type is None:
        message = _("There is no service with the code “%(code)s”.") % {
            "code": str(service_code)[:64]
        }
        raise UnknownService(message, errors={"service_code": [message]})
    if not isinstance(point, Point) or point.srid != 4326 or point.empty:
        message = _("Choose a point on the map.")
        raise OutsideCityRejected(message, errors={"location": [message]})
    return service_type


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
    digest = None
    if idempotency_key:
        given = dict(service_code=service_code, point=point, attributes=attributes)
        given.update(description=description, contact=contact, photos=photos, channel=channel)
        digest = request_hash(**given)
        replayed = idempotency_replay(idempotency_lookup(key=idempotency_key, request_hash=digest))
        if replayed is not None:
            return replayed
    service_type = _service_and_point(service_code, point)
    district, snapped_m, parcel = request_route(point=point, service_type=service_type)
    clean = filing_validate(
        service_type,
        attributes=attributes,
        description=description,
        contact=contact,
        photos=photos,
    )
    zoning_flag, zoning_note = zoning_flag_and_note(
        point=point, service_type=service_type, attributes=clean.attributes
    )
    department, overridden = department_for(point=point, service_type=service_type)
    fields = dict(
        service_type=service_type,
        point=point,
        parcel=parcel,
        district=district,
        snapped_m=snapped_m,
        department=department,
        description=clean.description,
        attributes=clean.attributes,
        contact=clean.contact,
        channel=channel,
        zoning_flag=zoning_flag,
        zoning_note=zoning_note,
    )
    return request_store(
        fields=fields,
        overridden=overridden,
        photos=clean.photos,
        idempotency_key=idempotency_key,
        request_hash=digest,
        channel=channel,
    )
