"""The portal's records ↔ the spec's fields: services, attribute definitions, requests,
and `request_file`'s rejections as the spec's errors (named by the fields a client sent).

Personal fields (names, phone, email, device_id) are never returned.
"""

from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from gis_portal.core.i18n import localized_item
from gis_portal.templatetags.portal import localdate
from permits.filing.errors import RequestRejected, UnknownService
from permits.models import EventKind, Open311Submission, ServiceRequest, ServiceType
from permits.open311.render import Open311Error

PUBLIC_NOTE_KINDS = (EventKind.STATUS_CHANGE, EventKind.PUBLIC_NOTE, EventKind.DUPLICATE)
#: request_file's error fields → the Open311 parameter a client sent.
FIELD_NAMES = {
    "attributes": "attribute",
    "location": "lat/long",
    "contact.name": "first_name/last_name",
    "contact.phone": "phone",
    "contact.email": "email",
    "photos": "media",
}


def iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return timezone.localtime(moment).isoformat(timespec="seconds")


def unknown_service(code: str) -> str:
    return _("There is no service with the code “%(code)s”.") % {"code": str(code)[:64]}


# --- services ----------------------------------------------------------------------------------


def service_fields(service: ServiceType) -> dict:
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


def attribute_fields(item: dict) -> dict:
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


# --- requests ----------------------------------------------------------------------------------


def _media_url(request: ServiceRequest) -> str | None:
    try:
        return request.open311_submission.media_url or None
    except Open311Submission.DoesNotExist:
        return None


def _status_notes(request: ServiceRequest) -> str | None:
    notes = [e for e in request.public_events if e.kind in PUBLIC_NOTE_KINDS and e.text]
    return notes[-1].text if notes else None


def service_notice(request: ServiceRequest) -> str | None:
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


def _extended_attributes(request: ServiceRequest) -> dict:
    parcel = request.parcel
    return {
        "district_code": request.district.code,
        "district_name": request.district.name,
        "parcel": parcel.renovation_code if parcel else None,
        "detailed_status": request.status,
        "detailed_status_label": request.status_label,
        "supporters": request.supporters,
        "history": [
            {
                "datetime": iso(event.created_at),
                "kind": event.kind,
                "status": event.to_status or None,
                "note": event.text,
            }
            for event in request.public_events
        ],
    }


def request_fields(request: ServiceRequest, *, extensions: bool = False) -> dict:
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
        "service_notice": service_notice(request),
        "requested_datetime": iso(request.submitted_at),
        "updated_datetime": iso(request.updated_at),
        "expected_datetime": iso(request.due_at),
        "address": (parcel.address or None) if parcel else None,
        "address_id": parcel.renovation_code if parcel else None,
        "zipcode": (parcel.postal_code or None) if parcel else None,
        "lat": round(request.location.y, 7),
        "long": round(request.location.x, 7),
        "media_url": _media_url(request),
    }
    if extensions:
        data["extended_attributes"] = _extended_attributes(request)
    return data


def rejection_error(error: RequestRejected) -> Open311Error:
    """A filing rejection in the spec's error format, each message named by the field the
    client sent (attribute[code], lat/long, phone, …)."""
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
