"""JSON API: services at a point, filing, public tracking, support, zoning pre-check.

Parse → service/selector → serialize. Every rejection is a 4xx with `detail` (and
`errors` per field); public responses never carry the contact details.
"""

import json

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_serializer,
    inline_serializer,
)
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, ParseError, Throttled, ValidationError
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from gis_portal.core.geo import InvalidCoordinates, point_from_lat_lon
from layers.selectors import zoning_check
from parcels.selectors import OutsideCity
from permits.models import Channel, ServiceType
from permits.selectors import request_public, services_at
from permits.services import (
    RequestRejected,
    idempotency_record_response,
    request_file,
    request_support,
)

#: Outer cap of a filing body: three 5 MB photos and the form fields.
MAX_BODY_BYTES = 16 * 1024 * 1024
#: Tracking lookups per client address per window (seconds).
TRACK_RATE = getattr(settings, "PERMITS_TRACK_RATE", (30, 600))


def client_address(request) -> str:
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def lookup_allowed(request) -> bool:
    """Count one tracking lookup for this client; False once over the limit."""
    limit, window = TRACK_RATE
    key = f"permits:track:{client_address(request)}"
    cache.add(key, 0, timeout=window)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)
        count = 1
    return count <= limit


def rejected_response(error: RequestRejected) -> Response:
    return Response(
        {"detail": error.message, "code": error.code, "errors": error.errors},
        status=error.status_code,
    )


# --- serializers shared by the views --------------------------------------------------------


class AttributeValueSerializer(serializers.Serializer):
    key = serializers.CharField()
    name = serializers.CharField()


class AttributeDefinitionSerializer(serializers.Serializer):
    """One Open311 attribute definition, labels in the active language."""

    code = serializers.CharField()
    datatype = serializers.ChoiceField(
        choices=["string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"]
    )
    required = serializers.BooleanField()
    order = serializers.IntegerField()
    label = serializers.CharField()
    label_fa = serializers.CharField()
    label_en = serializers.CharField()
    description = serializers.CharField(allow_blank=True)
    values = AttributeValueSerializer(many=True, required=False)
    min = serializers.FloatField(required=False, allow_null=True)
    max = serializers.FloatField(required=False, allow_null=True)


def attribute_definitions_public(service: ServiceType) -> list[dict]:
    from gis_portal.core.i18n import localized_item

    result = []
    for item in service.attribute_definitions():
        entry = {
            "code": item["code"],
            "datatype": item["datatype"],
            "required": bool(item.get("required")),
            "order": item.get("order", 0),
            "label": localized_item(item, "label"),
            "label_fa": item["label_fa"],
            "label_en": item["label_en"],
            "description": item.get("description", ""),
        }
        if "values" in item:
            entry["values"] = [
                {"key": value["key"], "name": localized_item(value, "name")}
                for value in item["values"]
            ]
        for bound in ("min", "max"):
            if bound in item:
                entry[bound] = item[bound]
        result.append(entry)
    return result


class DistrictRefSerializer(serializers.Serializer):
    code = serializers.IntegerField()
    name = serializers.CharField()


class ServiceOutputSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    description = serializers.CharField()
    domain = serializers.SerializerMethodField()
    kind = serializers.CharField()
    needs_parcel = serializers.BooleanField()
    department = serializers.SerializerMethodField()
    sla_days = serializers.IntegerField()
    attributes = serializers.SerializerMethodField()

    @extend_schema_field(
        inline_serializer(
            "ServiceDomainRef", {"code": serializers.CharField(), "name": serializers.CharField()}
        )
    )
    def get_domain(self, service) -> dict:
        return {"code": service.domain.code, "name": service.domain.name}

    @extend_schema_field(
        inline_serializer(
            "DepartmentRef", {"code": serializers.CharField(), "name": serializers.CharField()}
        )
    )
    def get_department(self, service) -> dict:
        return {"code": service.department.code, "name": service.department.name}

    @extend_schema_field(AttributeDefinitionSerializer(many=True))
    def get_attributes(self, service) -> list[dict]:
        return attribute_definitions_public(service)


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


class ServicesAtApi(APIView):
    """The services online at a point (in its district; parcel services only on a parcel)."""

    @extend_schema(
        parameters=LAT_LON,
        responses={200: ServiceOutputSerializer(many=True), 400: ERROR_RESPONSE},
        examples=[
            OpenApiExample(
                "District 11",
                response_only=True,
                value=[
                    {
                        "code": "tree-pruning",
                        "name": "Tree pruning",
                        "description": "Ask for street trees to be pruned.",
                        "domain": {"code": "green-space", "name": "Green space"},
                        "kind": "service",
                        "needs_parcel": False,
                        "department": {"code": "parks", "name": "Parks organisation"},
                        "sla_days": 10,
                        "attributes": [
                            {
                                "code": "tree_count",
                                "datatype": "number",
                                "required": True,
                                "order": 1,
                                "label": "Number of trees",
                                "label_fa": "تعداد درخت",
                                "label_en": "Number of trees",
                                "description": "",
                                "min": 1,
                                "max": 100,
                            }
                        ],
                    }
                ],
            )
        ],
    )
    def get(self, request):
        point = point_from_lat_lon(request.query_params.get("lat"), request.query_params.get("lon"))
        try:
            found = services_at(point)
        except OutsideCity as outside:
            raise ValidationError({"detail": str(outside)}) from None
        return Response(ServiceOutputSerializer(found.services, many=True).data)


#: Formats datetimes as the serializers' DateTimeField does (ISO 8601, local time).
_DATETIME = serializers.DateTimeField()


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
        tracking_code = serializers.CharField()
        status = serializers.CharField()
        status_label = serializers.CharField()
        service_code = serializers.CharField(source="service_type.code")
        district = DistrictRefSerializer()
        department = serializers.CharField(source="department.code")
        parcel = serializers.CharField(source="parcel.renovation_code", allow_null=True)
        lat = serializers.FloatField(source="location.y")
        lon = serializers.FloatField(source="location.x")
        submitted_at = serializers.DateTimeField()
        due_at = serializers.DateTimeField()
        photos = serializers.SerializerMethodField()
        url = serializers.SerializerMethodField()

        def get_photos(self, obj) -> int:
            count = getattr(obj, "photo_count", None)  # set by request_file: no query
            return obj.photos.count() if count is None else count

        def get_url(self, obj) -> str:
            return f"/track/{obj.tracking_code}/"

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
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > MAX_BODY_BYTES:
            return Response(
                {"detail": _("The request is too large (at most 16 MB with photos).")},
                status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
            )
        data = self._data(request)
        serializer = self.InputSerializer(data=data)
        serializer.is_valid(raise_exception=True)
        values = serializer.validated_data
        point = point_from_lat_lon(values["lat"], values["lon"])
        key = request.headers.get("Idempotency-Key", "").strip() or None
        if key is not None and len(key) > 100:
            raise ValidationError({"detail": _("The Idempotency-Key is too long (at most 100).")})
        try:
            filed = request_file(
                service_code=values["service_code"],
                point=point,
                attributes=values.get("attributes"),
                description=values.get("description", ""),
                contact=values.get("contact"),
                photos=values.get("photos", []),
                channel=Channel.API,
                idempotency_key=f"api:{key}" if key else None,
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
            idempotency_record_response(key=f"api:{key}", response=body)
        return Response(body, status=status.HTTP_201_CREATED)

    @classmethod
    def output(cls, filed) -> dict:
        """What OutputSerializer(filed).data gives (tests hold them equal), built directly:
        the serializer's per-request field copies cost more than the rest of the view."""
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
        if not lookup_allowed(request):
            raise Throttled(detail=_("Too many tracking lookups; try again in a few minutes."))
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
        if not lookup_allowed(request):
            raise Throttled(detail=_("Too many tracking lookups; try again in a few minutes."))
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
        floors_text = (params.get("floors") or "").strip()
        floors = None
        if floors_text:
            try:
                floors = int(floors_text)
            except ValueError:
                raise InvalidCoordinates(_("floors must be a whole number.")) from None
            if not 0 <= floors <= 200:
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
