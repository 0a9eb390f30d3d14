"""The zoning pre-check a building-permit form shows before filing."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from gis_portal.core.geo import point_from_lat_lon
from gis_portal.core.params import InvalidInput, parse_integer
from permits.api.common import ERROR_RESPONSE, LAT_LON
from permits.zoning import zoning_check

MAX_FLOORS = 200


class ZoningCheckApi(APIView):
    """The zoning pre-check a building-permit form shows before filing."""

    @extend_schema(
        parameters=[
            *LAT_LON,
            OpenApiParameter("use", str, description="intended use, e.g. residential"),
            OpenApiParameter("floors", int),
        ],
        responses={
            200: inline_serializer(
                "ZoningCheck",
                {
                    "zone": serializers.CharField(allow_null=True),
                    "zone_name": serializers.CharField(required=False),
                    "allowed": serializers.BooleanField(required=False),
                    "max_floors": serializers.IntegerField(required=False, allow_null=True),
                    "explanation": serializers.CharField(required=False),
                },
            ),
            400: ERROR_RESPONSE,
        },
        examples=[
            OpenApiExample(
                "Residential in a commercial zone",
                response_only=True,
                status_codes=["200"],
                value={
                    "zone": "C11",
                    "zone_name": "District 11: commercial and mixed-use centre",
                    "allowed": False,
                    "max_floors": 8,
                    "explanation": (
                        "Zone C11 (District 11: commercial and mixed-use centre). Residential "
                        "use is not allowed here; allowed: Commercial, Mixed use, Administrative, "
                        "Health, Educational. 3 floors are within the maximum of 8."
                    ),
                },
            ),
            OpenApiExample(
                "No zoning layer here",
                response_only=True,
                status_codes=["200"],
                value={"zone": None},
            ),
        ],
    )
    def get(self, request):
        params = request.query_params
        point = point_from_lat_lon(params.get("lat"), params.get("lon"))
        use = (params.get("use") or "").strip()[:40] or None
        try:
            floors = parse_integer(params.get("floors"), "floors")
        except InvalidInput:
            raise ValidationError({"detail": _("floors must be a whole number.")}) from None
        if floors is not None and not 0 <= floors <= MAX_FLOORS:
            raise ValidationError({"detail": _("floors must be between 0 and 200.")})
        verdict = zoning_check(point=point, use=use, floors=floors)
        if verdict is None:
            return Response({"zone": None})
        return Response(
            {
                "zone": verdict.zone_code,
                "zone_name": verdict.zone_name,
                "allowed": verdict.allowed,
                "max_floors": verdict.max_floors,
                "explanation": verdict.explanation,
            }
        )
