"""A request's public view by its tracking code, and supporting an open request."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import (
    OpenApiExample,
    extend_schema,
    extend_schema_field,
    extend_schema_serializer,
    inline_serializer,
)
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from permits.api.common import (
    ERROR_RESPONSE,
    DistrictRefSerializer,
    lookup_count,
    rejected_response,
)
from permits.filing import RequestRejected, request_support
from permits.selectors import request_public


class PublicEventSerializer(serializers.Serializer):
    kind = serializers.CharField()
    to_status = serializers.CharField()
    to_status_label = serializers.CharField()
    note = serializers.CharField(source="text")
    created_at = serializers.DateTimeField()


class RequestDetailApi(APIView):
    """A request's public view: no contact details, only public history."""

    @extend_schema_serializer(component_name="RequestPublic")
    class OutputSerializer(serializers.Serializer):
        tracking_code = serializers.CharField()
        service_code = serializers.CharField(source="service_type.code")
        service = serializers.CharField(source="service_type.name")
        status = serializers.CharField()
        status_label = serializers.CharField()
        district = DistrictRefSerializer()
        office = serializers.SerializerMethodField()
        department = serializers.CharField(source="department.name")
        lat = serializers.FloatField(source="location.y")
        lon = serializers.FloatField(source="location.x")
        parcel = serializers.CharField(source="parcel.renovation_code", allow_null=True)
        description = serializers.CharField()
        attributes = serializers.JSONField()
        supporters = serializers.IntegerField()
        submitted_at = serializers.DateTimeField()
        due_at = serializers.DateTimeField()
        closed_at = serializers.DateTimeField()
        history = PublicEventSerializer(many=True, source="public_events")

        @extend_schema_field(
            inline_serializer(
                "DistrictOffice",
                {
                    "address": serializers.CharField(),
                    "phone": serializers.CharField(),
                    "email": serializers.CharField(),
                },
            )
        )
        def get_office(self, obj) -> dict:
            d = obj.district
            return {"address": d.office_address, "phone": d.office_phone, "email": d.office_email}

    @extend_schema(
        responses={200: OutputSerializer, 404: ERROR_RESPONSE, 429: ERROR_RESPONSE},
        examples=[
            OpenApiExample(
                "A tree-pruning request",
                response_only=True,
                status_codes=["200"],
                value={
                    "tracking_code": "MHD-7KX4-Q9MZ",
                    "service_code": "tree-pruning",
                    "service": "Tree pruning",
                    "status": "submitted",
                    "status_label": "Submitted",
                    "district": {"code": 11, "name": "District 11"},
                    "office": {
                        "address": "مشهد، منطقه ۱۱، ساختمان شهرداری منطقه",
                        "phone": "051-31100000",
                        "email": "",
                    },
                    "department": "Parks and Green Space Organisation",
                    "lat": 36.2644,
                    "lon": 59.5507,
                    "parcel": None,
                    "description": "Branches over the school entrance.",
                    "attributes": {"tree_count": 2, "urgency": "danger"},
                    "supporters": 0,
                    "submitted_at": "2026-11-26T10:00:00+03:30",
                    "due_at": "2026-12-06T10:00:00+03:30",
                    "closed_at": None,
                    "history": [
                        {
                            "kind": "submitted",
                            "to_status": "submitted",
                            "to_status_label": "Submitted",
                            "note": "Request submitted.",
                            "created_at": "2026-11-26T10:00:00+03:30",
                        }
                    ],
                },
            ),
            OpenApiExample(
                "Unknown code",
                response_only=True,
                status_codes=["404"],
                value={
                    "detail": "No request has this tracking code. Check the code and try again."
                },
            ),
        ],
    )
    def get(self, request, code: str):
        lookup_count(request)
        found = request_public(code)
        if found is None:
            raise NotFound(_("No request has this tracking code. Check the code and try again."))
        return Response(self.OutputSerializer(found).data)


class RequestSupportApi(APIView):
    """Add your support to an open request instead of filing a duplicate."""

    @extend_schema_serializer(component_name="RequestSupportInput")
    class InputSerializer(serializers.Serializer):
        contact = serializers.CharField(required=False, allow_blank=True, max_length=120)

    @extend_schema(
        request=InputSerializer,
        responses={
            200: inline_serializer(
                "SupportResult",
                {
                    "tracking_code": serializers.CharField(),
                    "supporters": serializers.IntegerField(),
                },
            ),
            404: ERROR_RESPONSE,
            409: ERROR_RESPONSE,
        },
        examples=[
            OpenApiExample("Support", request_only=True, value={"contact": "09121111111"}),
            OpenApiExample(
                "Supported",
                response_only=True,
                status_codes=["200"],
                value={"tracking_code": "MHD-7KX4-Q9MZ", "supporters": 4},
            ),
        ],
    )
    def post(self, request, code: str):
        lookup_count(request)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            supported = request_support(
                tracking_code=code, contact=serializer.validated_data.get("contact", "")
            )
        except RequestRejected as error:
            return rejected_response(error)
        return Response(
            {"tracking_code": supported.tracking_code, "supporters": supported.supporters}
        )
