"""JSON API for districts, parcels and the click lookup."""

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    inline_serializer,
)
from rest_framework import serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_gis.serializers import GeoFeatureModelSerializer

from gis_portal.core.geo import point_from_lat_lon
from parcels.models import District, Parcel
from parcels.selectors import (
    OutsideCity,
    district_and_parcel_at,
    district_at,
    district_list,
    parcel_search,
)


class DistrictBriefSerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True)

    class Meta:
        model = District
        fields = ["code", "name", "name_fa", "name_en"]


PARCEL_FIELDS = [
    "code",
    "district",
    "area_m2",
    "land_use",
    "land_use_label",
    "address",
    "postal_code",
]


class ParcelFieldsMixin(serializers.Serializer):
    """The public facts of a parcel, shared by the brief and the GeoJSON forms."""

    code = serializers.CharField(source="renovation_code")
    area_m2 = serializers.SerializerMethodField()
    land_use_label = serializers.CharField(source="get_land_use_display")

    def get_area_m2(self, parcel) -> float:
        return round(parcel.area_m2, 1)


class ParcelBriefSerializer(ParcelFieldsMixin, serializers.ModelSerializer):
    district = serializers.IntegerField(source="district.code")

    class Meta:
        model = Parcel
        fields = PARCEL_FIELDS


LAT_LON_PARAMETERS = [
    OpenApiParameter("lat", OpenApiTypes.DOUBLE, required=True, description="WGS84 latitude"),
    OpenApiParameter("lon", OpenApiTypes.DOUBLE, required=True, description="WGS84 longitude"),
]


def lookup_payload(lat, lon) -> dict:
    """What the map shows after a click: district (maybe snapped), parcel, or outside."""
    point = point_from_lat_lon(lat, lon)
    try:
        match, parcel = district_and_parcel_at(point)  # one statement inside the city
    except OutsideCity as outside:
        payload = {
            "inside_city": False,
            "reason": outside.code,
            "detail": str(outside),
            "district": None,
            "parcel": None,
            "snapped_m": None,
        }
        if _swapped_point_inside(point):
            payload["detail"] += " " + _("Latitude and longitude look swapped.")
            payload["hint"] = "swapped_lat_lon"
        return payload
    return {
        "inside_city": True,
        "district": DistrictBriefSerializer(match.district).data,
        "snapped_m": match.snapped_m,
        "parcel": ParcelBriefSerializer(parcel).data if parcel else None,
    }


def _swapped_point_inside(point) -> bool:
    if not (-90 <= point.x <= 90):
        return False
    try:
        district_at(point_from_lat_lon(point.x, point.y))
    except OutsideCity:
        return False
    return True


class LookupApi(APIView):
    """The district and parcel under a map click."""

    @extend_schema(
        parameters=LAT_LON_PARAMETERS,
        responses={200: OpenApiTypes.OBJECT},
        examples=[
            OpenApiExample(
                "Inside District 11",
                value={
                    "inside_city": True,
                    "district": {
                        "code": 11,
                        "name": "منطقه ۱۱",
                        "name_fa": "منطقه ۱۱",
                        "name_en": "District 11",
                    },
                    "snapped_m": None,
                    "parcel": {
                        "code": "11-1-1-1",
                        "district": 11,
                        "area_m2": 212.4,
                        "land_use": "residential",
                        "land_use_label": "مسکونی",
                        "address": "مشهد، منطقه ۱۱، …",
                        "postal_code": "9100000000",
                    },
                },
                response_only=True,
            ),
            OpenApiExample(
                "Outside the city",
                value={
                    "inside_city": False,
                    "reason": "outside_city",
                    "detail": "This point is outside the city's districts.",
                    "district": None,
                    "parcel": None,
                    "snapped_m": None,
                },
                response_only=True,
            ),
        ],
    )
    def get(self, request):
        return Response(
            lookup_payload(request.query_params.get("lat"), request.query_params.get("lon"))
        )


class DistrictFeatureSerializer(GeoFeatureModelSerializer):
    name = serializers.CharField(read_only=True)

    class Meta:
        model = District
        geo_field = "geom"
        id_field = "code"
        fields = ["code", "name", "name_fa", "name_en", "office_address", "office_phone"]


class DistrictListApi(APIView):
    """All district municipalities as a GeoJSON FeatureCollection."""

    @extend_schema(
        responses={200: OpenApiTypes.OBJECT},
        examples=[
            OpenApiExample(
                "Districts (one shown)",
                response_only=True,
                value={
                    "type": "FeatureCollection",
                    "features": [
                        {
                            "id": 1,
                            "type": "Feature",
                            "geometry": {
                                "type": "MultiPolygon",
                                "coordinates": [
                                    [
                                        [
                                            [59.566502, 36.281228],
                                            [59.5525, 36.292581],
                                            [59.610194, 36.301088],
                                            [59.566502, 36.281228],
                                        ]
                                    ]
                                ],
                            },
                            "properties": {
                                "name": "District 1",
                                "name_fa": "منطقه ۱",
                                "name_en": "District 1",
                                "office_address": "مشهد، منطقه ۱، ساختمان شهرداری منطقه",
                                "office_phone": "051-30100000",
                            },
                        }
                    ],
                },
            )
        ],
    )
    def get(self, request):
        return Response(DistrictFeatureSerializer(district_list(), many=True).data)


class ParcelPagination(PageNumberPagination):
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100


PARCEL_EXAMPLE = {
    "code": "11-1-2-19",
    "district": 11,
    "area_m2": 176.3,
    "land_use": "commercial",
    "land_use_label": "Commercial",
    "address": "مشهد، منطقه ۱۱، بلوار کوهسنگی، کوهسنگی 3، پلاک 19",
    "postal_code": "9104530057",
}


class ParcelSearchApi(APIView):
    """Parcels by renovation code (or its prefix) or by address words, paginated."""

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "q", str, required=True, description="renovation code (e.g. 11-2-13) or address"
            ),
            OpenApiParameter("page", int),
            OpenApiParameter("page_size", int),
        ],
        operation_id="api_parcels_list",
        responses={
            200: inline_serializer(
                "ParcelSearchPage",
                {
                    "count": serializers.IntegerField(),
                    "next": serializers.URLField(allow_null=True),
                    "previous": serializers.URLField(allow_null=True),
                    "results": ParcelBriefSerializer(many=True),
                },
            )
        },
        examples=[
            OpenApiExample(
                "By renovation code",
                response_only=True,
                value={
                    "count": 1,
                    "next": None,
                    "previous": None,
                    "results": [PARCEL_EXAMPLE],
                },
            )
        ],
    )
    def get(self, request):
        text = request.query_params.get("q", "")
        if not text.strip():
            raise ValidationError({"q": _("Give a renovation code or part of an address.")})
        if len(text) > 200:
            raise ValidationError({"q": _("The search text is too long.")})
        paginator = ParcelPagination()
        page = paginator.paginate_queryset(parcel_search(text), request, view=self)
        return paginator.get_paginated_response(ParcelBriefSerializer(page, many=True).data)


class ParcelFeatureSerializer(ParcelFieldsMixin, GeoFeatureModelSerializer):
    district = DistrictBriefSerializer()

    class Meta:
        model = Parcel
        geo_field = "geom"
        id_field = "code"
        fields = PARCEL_FIELDS


class ParcelDetailApi(APIView):
    """One parcel as a GeoJSON Feature."""

    @extend_schema(
        responses={200: OpenApiTypes.OBJECT},
        examples=[
            OpenApiExample(
                "Parcel 11-1-2-19",
                response_only=True,
                value={
                    "id": "11-1-2-19",
                    "type": "Feature",
                    "geometry": {
                        "type": "MultiPolygon",
                        "coordinates": [
                            [
                                [
                                    [59.5507253, 36.2643581],
                                    [59.5508485, 36.2643581],
                                    [59.5508485, 36.2645015],
                                    [59.5507253, 36.2645015],
                                    [59.5507253, 36.2643581],
                                ]
                            ]
                        ],
                    },
                    "properties": {
                        "district": {
                            "code": 11,
                            "name": "District 11",
                            "name_fa": "منطقه ۱۱",
                            "name_en": "District 11",
                        },
                        **{
                            k: v for k, v in PARCEL_EXAMPLE.items() if k not in ("code", "district")
                        },
                    },
                },
            )
        ],
    )
    def get(self, request, code: str):
        parcel = Parcel.objects.select_related("district").filter(renovation_code=code).first()
        if parcel is None:
            raise NotFound(_("No parcel has this renovation code."))
        return Response(ParcelFeatureSerializer(parcel).data)
