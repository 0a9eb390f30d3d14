"""Open311 bodies: JSON (the spec's bare arrays) or the spec's XML mapping, and the
spec's error format (a list of {code, description}, code = the HTTP status)."""

import re
import xml.etree.ElementTree as ET

from django.http import HttpResponse, JsonResponse

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


class Open311Error(Exception):
    """An answer in the spec's error format: HTTP `status` and a list of descriptions."""

    def __init__(self, status: int, *descriptions: str):
        super().__init__(descriptions[0] if descriptions else "")
        self.status = status
        self.descriptions = list(descriptions)


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


def format_of(fmt: str | None) -> str:
    """The URL's format suffix, JSON when there is none."""
    return fmt if fmt in CONTENT_TYPES else "json"
