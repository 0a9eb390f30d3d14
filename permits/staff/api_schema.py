"""The staff API's OpenAPI descriptions (every JSON endpoint documented, with examples),
applied to the views of `permits.staff.api` with extend_schema_view so the views stay
short. `permits.staff.urls` imports this module with the views."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_serializer,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import serializers

from permits.staff import api

for _view, _name in (
    (api.TransitionApi, "StaffTransitionInput"),
    (api.NoteApi, "StaffNoteInput"),
    (api.ReassignApi, "StaffReassignInput"),
    (api.DuplicateApi, "StaffDuplicateInput"),
):
    extend_schema_serializer(component_name=_name)(_view.InputSerializer)
extend_schema_serializer(component_name="StaffRequestDetail")(api.RequestDetailApi.OutputSerializer)

_STAFF_ERROR = inline_serializer(
    "StaffError",
    {"detail": serializers.CharField(), "code": serializers.CharField(required=False)},
)
_QUEUE_ROW_EXAMPLE = {
    "code": "MHD-7KX4-Q9MZ",
    "status": "in_review",
    "status_label": "In review",
    "service": "tree-pruning",
    "service_name": "Tree pruning",
    "kind": "service",
    "district": 11,
    "department": "parks",
    "parcel": None,
    "submitted_at": "2026-11-26T10:00:00+03:30",
    "due_at": "2026-12-06T10:00:00+03:30",
    "closed_at": None,
    "overdue": False,
    "supporters": 2,
    "lat": 36.2644,
    "lon": 59.5507,
}
_QUEUE_FILTERS = [
    OpenApiParameter("status", str, many=True, description="open, closed or a status"),
    OpenApiParameter("domain", str),
    OpenApiParameter("service", str, description="service code"),
    OpenApiParameter("district", int),
    OpenApiParameter("from", OpenApiTypes.DATE, description="YYYY-MM-DD or Jalali YYYY/MM/DD"),
    OpenApiParameter("to", OpenApiTypes.DATE, description="YYYY-MM-DD or Jalali YYYY/MM/DD"),
    OpenApiParameter("overdue", bool),
    OpenApiParameter("parcel", str, description="renovation code or its prefix"),
    OpenApiParameter("q", str, description="text, address or tracking code"),
    OpenApiParameter("sort", str),
]
_ACTION_ERRORS = {400: _STAFF_ERROR, 403: _STAFF_ERROR, 404: _STAFF_ERROR, 409: _STAFF_ERROR}


def _action_schema(description, input_serializer, result, request_example, response_example):
    return extend_schema(
        description=description,
        request=input_serializer,
        responses={200: result, 201: result, **_ACTION_ERRORS},
        examples=[
            OpenApiExample("Request", request_only=True, value=request_example),
            OpenApiExample(
                "Done", response_only=True, status_codes=["200", "201"], value=response_example
            ),
        ],
    )


extend_schema_view(
    get=extend_schema(
        operation_id="staff_api_requests_list",
        parameters=[*_QUEUE_FILTERS, OpenApiParameter("page", int)],
        responses={
            200: inline_serializer(
                "StaffQueuePage",
                {
                    "count": serializers.IntegerField(),
                    "page": serializers.IntegerField(),
                    "pages": serializers.IntegerField(),
                    "results": api.QueueRowSerializer(many=True),
                },
            ),
            400: _STAFF_ERROR,
            403: _STAFF_ERROR,
        },
        examples=[
            OpenApiExample(
                "Page 1",
                response_only=True,
                status_codes=["200"],
                value={"count": 1, "page": 1, "pages": 1, "results": [_QUEUE_ROW_EXAMPLE]},
            )
        ],
    )
)(api.QueueApi)
extend_schema_view(
    get=extend_schema(
        parameters=_QUEUE_FILTERS,
        responses={(200, "application/geo+json"): OpenApiTypes.OBJECT, 403: _STAFF_ERROR},
        examples=[
            OpenApiExample(
                "Points",
                response_only=True,
                status_codes=["200"],
                media_type="application/geo+json",
                value={
                    "type": "FeatureCollection",
                    "features": [
                        {
                            "type": "Feature",
                            "geometry": {"type": "Point", "coordinates": [59.5507, 36.2644]},
                            "properties": {
                                "code": "MHD-7KX4-Q9MZ",
                                "status": "in_review",
                                "service": "tree-pruning",
                                "district": 11,
                                "supporters": 2,
                                "overdue": False,
                            },
                        }
                    ],
                },
            )
        ],
    )
)(api.QueuePointsApi)
extend_schema_view(
    get=extend_schema(
        description="One request with its whole history and the moves allowed now; the "
        "requester's contact only for roles that may see it.",
        responses={
            200: api.RequestDetailApi.OutputSerializer,
            403: _STAFF_ERROR,
            404: _STAFF_ERROR,
        },
        examples=[
            OpenApiExample(
                "In review",
                response_only=True,
                status_codes=["200"],
                value={
                    **_QUEUE_ROW_EXAMPLE,
                    "description": "Branches over the school entrance.",
                    "attributes": {"tree_count": 2, "urgency": "danger"},
                    "duplicate_of": None,
                    "history": [
                        {
                            "kind": "status_change",
                            "from_status": "submitted",
                            "to_status": "in_review",
                            "text": "Checking on site this week.",
                            "public": True,
                            "actor": "planner11",
                            "created_at": "2026-11-27T09:00:00+03:30",
                        }
                    ],
                    "allowed_transitions": ["needs_info", "in_progress", "rejected"],
                },
            )
        ],
    )
)(api.RequestDetailApi)
extend_schema_view(
    post=_action_schema(
        None,
        {
            "application/json": api.TransitionApi.InputSerializer,
            "multipart/form-data": api.TransitionApi.InputSerializer,
        },
        inline_serializer(
            "StaffTransitionResult",
            {"code": serializers.CharField(), "status": serializers.CharField()},
        ),
        {"to_status": "in_progress", "note": "Crew booked.", "from_status": "in_review"},
        {"code": "MHD-7KX4-Q9MZ", "status": "in_progress"},
    )
)(api.TransitionApi)
extend_schema_view(
    post=_action_schema(
        "Add a note to the history: public (the requester is told) or internal.",
        api.NoteApi.InputSerializer,
        inline_serializer(
            "StaffNoteResult",
            {"code": serializers.CharField(), "public": serializers.BooleanField()},
        ),
        {"note": "Waiting for the contractor.", "public": False},
        {"code": "MHD-7KX4-Q9MZ", "public": False},
    )
)(api.NoteApi)
extend_schema_view(
    post=_action_schema(
        "Send the request to another district and/or department, with the reason.",
        api.ReassignApi.InputSerializer,
        inline_serializer(
            "StaffReassignResult",
            {
                "code": serializers.CharField(),
                "district": serializers.IntegerField(),
                "department": serializers.CharField(),
            },
        ),
        {"district": 12, "reason": "The point is across the boulevard, in District 12."},
        {"code": "MHD-7KX4-Q9MZ", "district": 12, "department": "parks"},
    )
)(api.ReassignApi)
extend_schema_view(
    post=_action_schema(
        "Close the request as a duplicate of an earlier one (its supporters move over).",
        api.DuplicateApi.InputSerializer,
        inline_serializer(
            "StaffDuplicateResult",
            {"code": serializers.CharField(), "duplicate_of": serializers.CharField()},
        ),
        {"original": "MHD-2B3C-4D5E", "note": "Same tree, reported last week."},
        {"code": "MHD-7KX4-Q9MZ", "duplicate_of": "MHD-2B3C-4D5E"},
    )
)(api.DuplicateApi)
_FIGURES = {
    "received": 120,
    "open": 40,
    "closed": 80,
    "overdue": 6,
    "median_days": 4.5,
    "p90_days": 12.0,
}
extend_schema_view(
    get=extend_schema(
        parameters=[
            OpenApiParameter("from", OpenApiTypes.DATE, description="default: 90 days ago"),
            OpenApiParameter("to", OpenApiTypes.DATE, description="default: today"),
        ],
        responses={200: OpenApiTypes.OBJECT, 400: _STAFF_ERROR, 403: _STAFF_ERROR},
        examples=[
            OpenApiExample(
                "District 11, last 90 days",
                response_only=True,
                status_codes=["200"],
                value={
                    "from": "2026-08-28",
                    "to": "2026-11-26",
                    "total": _FIGURES,
                    "districts": [
                        {
                            "district__code": 11,
                            "district__name_fa": "منطقه ۱۱",
                            "district__name_en": "District 11",
                            **_FIGURES,
                        }
                    ],
                    "services": [
                        {
                            "service_type__code": "tree-pruning",
                            "service_type__name_fa": "هرس درختان",
                            "service_type__name_en": "Tree pruning",
                            **_FIGURES,
                        }
                    ],
                    "weeks": [{"week": "2026-11-23", "count": 9}],
                    "steps": [
                        {
                            "request__service_type__code": "tree-pruning",
                            "request__service_type__name_fa": "هرس درختان",
                            "request__service_type__name_en": "Tree pruning",
                            "month": "2026-11-01",
                            "closed": 20,
                            "steps": 64,
                            "steps_per_request": 3.2,
                        }
                    ],
                },
            )
        ],
    )
)(api.DashboardApi)
