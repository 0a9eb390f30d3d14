"""Site-wide API plumbing: one error shape for every JSON endpoint."""

from django.http import Http404
from rest_framework import exceptions
from rest_framework.views import exception_handler as drf_exception_handler

from gis_portal.core.geo import InvalidCoordinates


def exception_handler(exc, context):
    """DRF's handler, plus: coordinate errors are 400s, and every error body has `detail`."""
    if isinstance(exc, InvalidCoordinates):
        exc = exceptions.ValidationError({"detail": str(exc)})
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound(str(exc) or None)
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(response.data, dict) and "detail" not in response.data:
        response.data = {"detail": _first_message(response.data), "errors": response.data}
    elif response is not None and isinstance(response.data, list):
        response.data = {"detail": _first_message(response.data), "errors": response.data}
    return response


def _first_message(data) -> str:
    """The first human message in a DRF error structure."""
    if isinstance(data, dict):
        for key, value in data.items():
            message = _first_message(value)
            return message if key == "non_field_errors" else f"{key}: {message}"
    if isinstance(data, list) and data:
        return _first_message(data[0])
    return str(data)
