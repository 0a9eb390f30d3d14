"""Filing a request through the API (JSON, or multipart with up to three photos)."""

import json

from django.utils.translation import gettext as _
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_serializer,
)
from rest_framework import serializers, status
from rest_framework.exceptions import ParseError, ValidationError
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from gis_portal.core.geo import point_from_lat_lon
from permits.api.common import ERROR_RESPONSE, DistrictRefSerializer, rejected_response
from permits.filing import RequestRejected, idempotency_record_response, request_file
from permits.filing.validation import MAX_FILING_BYTES, body_length
from permits.models import Channel, ServiceRequest

MAX_IDEMPOTENCY_KEY = 100
#: Formats datetimes as the serializers' DateTimeField does (ISO 8601, local time).
_DATETIME = serializers.DateTimeField()


def request_filed_body(filed: ServiceRequest) -> dict:
    """The 201 body for a filed request, built directly (the one place it is built): a
    serializer's per-request field copies cost more than the rest of the view."""
    parcel = filed.parcel
    count = getattr(filed, "photo_count", None)  # set by request_file: no query
    return {
        "tracking_code": str(filed.tracking_code),
        "status": str(filed.status),
        "status_label": str(filed.status_label),
        "service_code": str(filed.service_type.code),
        "district": {"code": int(filed.district.code), "name": str(filed.district.name)},
        "department": str(filed.department.code),
        "parcel": None if parcel is None else str(parcel.renovation_code),
        "lat": float(filed.location.y),
        "lon": float(filed.location.x),
        "submitted_at": _DATETIME.to_representation(filed.submitted_at),
        "due_at": _DATETIME.to_representation(filed.due_at),
        "photos": filed.photos.count() if count is None else count,
        "url": f"/track/{filed.tracking_code}/",
    }


class RequestCreateApi(APIView):
    """File a request (JSON, or multipart with up to three `photos`)."""

    parser_classes = [JSONParser, MultiPartParser]

    @extend_schema_serializer(component_name="RequestFileInput")
    class InputSerializer(serializers.Serializer):
        service_code = serializers.CharField(max_length=64)
        lat = serializers.FloatField()
        lon = serializers.FloatField()
        attributes = serializers.JSONField(required=False, default=dict)
        description = serializers.CharField(
            required=False, allow_blank=True, default="", trim_whitespace=False
        )
        contact = serializers.JSONField(required=False, default=dict)
        photos = serializers.ListField(child=serializers.FileField(), required=False)

    @extend_schema_serializer(component_name="RequestFiled")
    class OutputSerializer(serializers.Serializer):
        """The 201 body's schema. The body itself is `request_filed_body`'s, so it is
        built in one place whether a view or a serializer asks for it."""

        tracking_code = serializers.CharField()
        status = serializers.CharField()
        status_label = serializers.CharField()
        service_code = serializers.CharField()
        district = DistrictRefSerializer()
        department = serializers.CharField()
        parcel = serializers.CharField(allow_null=True)
        lat = serializers.FloatField()
        lon = serializers.FloatField()
        submitted_at = serializers.DateTimeField()
        due_at = serializers.DateTimeField()
        photos = serializers.IntegerField()
        url = serializers.CharField()

        def to_representation(self, instance) -> dict:
            return request_filed_body(instance)

    @extend_schema(
        request={
            "application/json": InputSerializer,
            "multipart/form-data": InputSerializer,
        },
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                str,
                OpenApiParameter.HEADER,
                description="Retries with the same key return the first response.",
            )
        ],
        responses={
            201: OutputSerializer,
            400: ERROR_RESPONSE,
            409: ERROR_RESPONSE,
            413: ERROR_RESPONSE,
        },
        examples=[
            OpenApiExample(
                "Tree pruning in District 11",
                request_only=True,
                value={
                    "service_code": "tree-pruning",
                    "lat": 36.30,
                    "lon": 59.52,
                    "attributes": {"tree_count": 2, "urgency": "danger"},
                    "description": "Branches over the school entrance.",
                    "contact": {"name": "", "phone": "09121111111", "email": ""},
                },
            ),
            OpenApiExample(
                "Filed",
                response_only=True,
                status_codes=["201"],
                value={
                    "tracking_code": "MHD-7KX4-Q9MZ",
                    "status": "submitted",
                    "status_label": "Submitted",
                    "service_code": "tree-pruning",
                    "district": {"code": 11, "name": "District 11"},
                    "department": "parks",
                    "parcel": None,
                    "lat": 36.3,
                    "lon": 59.52,
                    "submitted_at": "2026-11-26T10:00:00+03:30",
                    "due_at": "2026-12-06T10:00:00+03:30",
                    "photos": 0,
                    "url": "/track/MHD-7KX4-Q9MZ/",
                },
            ),
        ],
    )
    def post(self, request):
        if body_length(request) > MAX_FILING_BYTES:
            return Response(
                {"detail": _("The request is too large (at most 16 MB with photos).")},
                status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
            )
        serializer = self.InputSerializer(data=self._data(request))
        serializer.is_valid(raise_exception=True)
        values = serializer.validated_data
        point = point_from_lat_lon(values["lat"], values["lon"])
        key = self._idempotency_key(request)
        try:
            filed = request_file(
                service_code=values["service_code"],
                point=point,
                attributes=values.get("attributes"),
                description=values.get("description", ""),
                contact=values.get("contact"),
                photos=values.get("photos", []),
                channel=Channel.API,
                idempotency_key=key,
            )
        except RequestRejected as error:
            return rejected_response(error)
        if filed.replayed and filed.idempotency_record.response is not None:
            record = filed.idempotency_record
            response = Response(record.response, status=record.status_code)
            response["Idempotent-Replayed"] = "true"
            return response
        body = self.output(filed)
        if key:
            idempotency_record_response(key=key, response=body)
        return Response(body, status=status.HTTP_201_CREATED)

    @staticmethod
    def output(filed: ServiceRequest) -> dict:
        return request_filed_body(filed)

    @staticmethod
    def _idempotency_key(request) -> str | None:
        """The Idempotency-Key header, in the API's own key space (`api:`)."""
        key = request.headers.get("Idempotency-Key", "").strip() or None
        if key is not None and len(key) > MAX_IDEMPOTENCY_KEY:
            raise ValidationError({"detail": _("The Idempotency-Key is too long (at most 100).")})
        return f"api:{key}" if key else None

    @staticmethod
    def _data(request) -> dict:
        """The body as a dict; multipart fields `attributes`/`contact` may hold JSON text."""
        try:
            raw = request.data
        except ParseError:
            raise ParseError(_("The body is not valid JSON.")) from None
        if not hasattr(raw, "getlist"):
            if not isinstance(raw, dict):
                raise ParseError(_("The body must be a JSON object."))
            return raw
        data = {key: raw.get(key) for key in raw if key != "photos"}
        for key in ("attributes", "contact"):
            if isinstance(data.get(key), str):
                try:
                    data[key] = json.loads(data[key])
                except ValueError:
                    raise ValidationError({key: _("Must be a JSON object.")}) from None
        photos = request.FILES.getlist("photos")
        if photos:
            data["photos"] = photos
        return data
