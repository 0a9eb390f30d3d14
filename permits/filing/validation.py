"""Checking what a person sent before anything is stored: attribute values by the
service's definitions, the description, the contact and the photos. Every check adds
to one dict of errors by field, so a form shows every problem at once."""

import re
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from gis_portal.core.i18n import PERSIAN_DIGITS
from gis_portal.core.params import (
    InvalidInput,
    parse_date_or_datetime,
    parse_integer,
    parse_number,
)
from permits.filing.errors import InvalidRequest
from permits.models import ServiceRequest, ServiceType
from permits.photos import MAX_PHOTOS, CleanPhoto, PhotoRejected, photo_clean

MAX_DESCRIPTION = 4000
MAX_STRING = 200
MAX_TEXT = 2000
MAX_NAME = 120
MAX_EMAIL = ServiceRequest._meta.get_field("contact_email").max_length
PHONE = re.compile(r"^\+?\d{7,15}$")
#: Outer cap of a filing body (HTML form or JSON API): three 5 MB photos and the fields.
MAX_FILING_BYTES = 16 * 1024 * 1024
#: Attribute values are numbers exactly while a float holds every integer (JSON's range).
MAX_EXACT_INTEGER = 2**53

Errors = dict[str, list[str]]


@dataclass(frozen=True)
class Contact:
    name: str = ""
    phone: str = ""
    email: str = ""


def phone_normalize(text: str) -> str:
    """Digits as typed, in Latin script, without spaces, dashes, dots or parentheses."""
    return re.sub(r"[\s\-().]", "", text.translate(PERSIAN_DIGITS))


def body_length(request) -> int:
    """The request's declared body length (0 when missing or malformed: the parsers'
    own limits still apply)."""
    try:
        return parse_integer(request.META.get("CONTENT_LENGTH"), "Content-Length", default=0)
    except InvalidInput:
        return 0


def clean_text(value: str) -> str:
    """A string without NUL characters (PostgreSQL refuses them) and outer spaces."""
    return value.replace("\x00", "").strip()


def _too_long(limit: int) -> list[str]:
    return [_("At most %(limit)s characters, please.") % {"limit": limit}]


# --- attributes -------------------------------------------------------------------------------


class _Refused(Exception):
    """A value of the right kind that is not allowed (out of range, not an option)."""


def _number(value: Any, item: dict) -> float | int:
    if isinstance(value, str) and len(value) > 40:
        raise ValueError
    number = parse_number(value, item["code"], thousands_separators=True)
    if number.is_integer() and abs(number) < MAX_EXACT_INTEGER:
        number = int(number)
    low, high = item.get("min"), item.get("max")
    if low is not None and number < low or high is not None and number > high:
        raise _Refused(
            _("Give a number between %(min)s and %(max)s.")
            % {"min": low if low is not None else "…", "max": high or "…"}
        )
    return number


def _words(value: Any, item: dict) -> str:
    if not isinstance(value, str):
        raise ValueError
    limit = MAX_STRING if item["datatype"] == "string" else MAX_TEXT
    if len(value) > limit:
        raise _Refused(_too_long(limit)[0])
    return value


def _moment_text(value: Any, item: dict) -> str:
    if not isinstance(value, str) or len(value) > 40:
        raise ValueError
    return parse_date_or_datetime(value, item["code"]).isoformat()


def _one_of(value: Any, item: dict) -> str:
    if not isinstance(value, str) or value not in _keys(item):
        raise _Refused(_("Choose one of the listed options."))
    return value


def _some_of(value: Any, item: dict) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError
    keys = _keys(item)
    if any(v not in keys for v in value):
        raise _Refused(_("Choose only from the listed options."))
    return [key for key in keys if key in value]  # definition order, no duplicates


def _keys(item: dict) -> list[str]:
    return [v["key"] for v in item.get("values", [])]


CLEANERS = {
    "number": _number,
    "string": _words,
    "text": _words,
    "datetime": _moment_text,
    "singlevaluelist": _one_of,
    "multivaluelist": _some_of,
}


def _malformed(datatype: str) -> str:
    """What to say about a value of the wrong kind (the range or option messages say the
    rest)."""
    return {
        "number": _("Enter a number."),
        "datetime": _("Enter a date as YYYY-MM-DD."),
        "multivaluelist": _("Give a list of options."),
    }.get(datatype, _("Enter text."))


def attributes_validate(service_type: ServiceType, raw: Any) -> tuple[dict, Errors]:
    """Clean attribute values by the service's definitions: (values, errors by field)."""
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        return {}, {"attributes": [_("Attributes must be an object of code: value pairs.")]}
    errors: Errors = {}
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
            value = clean_text(value)
        if value is None or value == "" or value == []:
            if item.get("required"):
                errors[field] = [_("This field is required.")]
            continue
        try:
            clean[code] = CLEANERS[item["datatype"]](value, item)
        except _Refused as refused:
            errors[field] = [str(refused)]
        except (ValueError, TypeError, OverflowError):  # InvalidInput is a ValueError
            errors[field] = [_malformed(item["datatype"])]
    return clean, errors


# --- description, contact, photos -------------------------------------------------------------


def description_validate(raw: Any) -> tuple[str, Errors]:
    if raw is None:
        return "", {}
    if not isinstance(raw, str):
        return "", {"description": [_("Enter text.")]}
    description = clean_text(raw)
    if len(description) > MAX_DESCRIPTION:
        return description, {"description": _too_long(MAX_DESCRIPTION)}
    return description, {}


def contact_validate(raw: Any, *, required: bool) -> tuple[Contact, Errors]:
    """Name, phone (digits only, Persian digits read) and email; name and phone are
    required for a permit application."""
    if raw is None:
        raw = {}
    if isinstance(raw, Contact):
        raw = raw.__dict__
    if not isinstance(raw, dict):
        return Contact(), {"contact": [_("Contact must be an object with name, phone, email.")]}
    errors: Errors = {}
    values = {}
    for key in ("name", "phone", "email"):
        value = raw.get(key) or ""
        if not isinstance(value, str):
            errors[f"contact.{key}"] = [_("Enter text.")]
            value = ""
        values[key] = clean_text(value)
    if len(values["name"]) > MAX_NAME:
        errors["contact.name"] = _too_long(MAX_NAME)
    phone = phone_normalize(values["phone"])
    if phone and not PHONE.match(phone):
        errors["contact.phone"] = [_("Enter a phone number, e.g. 09123456789.")]
    values["phone"] = phone
    if len(values["email"]) > MAX_EMAIL:  # validate_email allows up to 320
        errors["contact.email"] = _too_long(MAX_EMAIL)
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


def photos_validate(photos: list) -> tuple[list[CleanPhoto], Errors]:
    if len(photos) > MAX_PHOTOS:
        return [], {"photos": [_("At most 3 photos, please.")]}
    clean: list[CleanPhoto] = []
    errors: Errors = {}
    for upload in photos:
        try:
            clean.append(photo_clean(upload))
        except PhotoRejected as rejected:
            errors.setdefault("photos", []).append(str(rejected))
    return clean, errors


@dataclass(frozen=True)
class CleanInput:
    attributes: dict
    description: str
    contact: Contact
    photos: list[CleanPhoto]


def filing_validate(
    service_type: ServiceType, *, attributes: Any, description: Any, contact: Any, photos: list
) -> CleanInput:
    """Everything a person sent, checked; InvalidRequest with every error by field."""
    clean_attributes, errors = attributes_validate(service_type, attributes)
    clean_description, description_errors = description_validate(description)
    clean_contact, contact_errors = contact_validate(contact, required=service_type.is_permit)
    clean_photos, photo_errors = photos_validate(photos)
    errors.update(description_errors)
    errors.update(contact_errors)
    errors.update(photo_errors)
    if errors:
        raise InvalidRequest(_("Please correct the marked fields."), errors=errors)
    return CleanInput(clean_attributes, clean_description, clean_contact, clean_photos)
