"""The services online at a point, with their attribute definitions."""

from drf_spectacular.utils import (
    OpenApiExample,
    extend_schema,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from gis_portal.core.geo import point_from_lat_lon
from gis_portal.core.i18n import localized_item
from parcels.selectors import OutsideCity
from permits.api.common import ERROR_RESPONSE, LAT_LON
from permits.models import ServiceType
from permits.selectors import services_at


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
