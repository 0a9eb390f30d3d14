"""What the API's views share: the error shape, the filing rejections as responses, the
point parameters and small serializers used by several responses."""

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import Throttled
from rest_framework.response import Response

from permits.filing import RequestRejected
from permits.tracking import lookup_allowed


def rejected_response(error: RequestRejected) -> Response:
    return Response(
        {"detail": error.message, "code": error.code, "errors": error.errors},
        status=error.status_code,
    )


def lookup_count(request) -> None:
    """Count one tracking lookup of this client; 429 once over the limit."""
    if not lookup_allowed(request):
        raise Throttled(detail=_("Too many tracking lookups; try again in a few minutes."))


class DistrictRefSerializer(serializers.Serializer):
    code = serializers.IntegerField()
    name = serializers.CharField()


LAT_LON = [
    OpenApiParameter("lat", OpenApiTypes.DOUBLE, required=True, description="WGS84 latitude"),
    OpenApiParameter("lon", OpenApiTypes.DOUBLE, required=True, description="WGS84 longitude"),
]

ERROR_RESPONSE = inline_serializer(
    "PermitsError",
    {
        "detail": serializers.CharField(),
        "code": serializers.CharField(required=False),
        "errors": serializers.DictField(child=serializers.ListField(), required=False),
    },
)
