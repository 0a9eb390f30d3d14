"""The planners' JSON API under /staff/api/: the queue, its map points, one request, and
the workflow actions. Parse → service/selector → serialize.

Access: signed-in staff who work requests (gis_portal.staff.access.can_work_requests); a
request outside the user's districts is a 404 here as in the pages. Workflow errors
keep their status: 400 bad input, 403 role, 404 not visible, 409 illegal or stale.
"""

from __future__ import annotations

from django.core.paginator import EmptyPage, Paginator
from django.http import HttpResponse
from django.utils.translation import gettext as _
from rest_framework import serializers
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from gis_portal.staff import access as roles
from parcels.models import District
from permits import dashboard, staff_selectors, workflow
from permits.access import requests_visible_to
from permits.models import Department, RequestStatus, ServiceRequest

PAGE_SIZE = 50


class WorksRequests(BasePermission):
    message = _("Only district planners, supervisors and administrators can see requests.")

    def has_permission(self, request, view) -> bool:
        if not getattr(request.user, "is_authenticated", False):
            return False
        return roles.can_work_requests(request.user)


class StaffApi(APIView):
    permission_classes = [WorksRequests]

    def permission_denied(self, request, message=None, code=None):
        if not getattr(request.user, "is_authenticated", False):
            raise PermissionDenied(_("Sign in as staff first."))
        raise PermissionDenied(message or WorksRequests.message)

    @staticmethod
    def filters(request) -> staff_selectors.QueueFilters:
        try:
            return staff_selectors.queue_filters_parse(request.query_params)
        except staff_selectors.QueueFilterError as error:
            raise ValidationError({error.field: [error.message]}) from None

    @staticmethod
    def visible(request, code: str) -> ServiceRequest:
        found = staff_selectors.request_for_staff(request.user, code)
        if found is None:
            raise NotFound(_("No request found."))
        return found

    @staticmethod
    def workflow_response(error: workflow.WorkflowError) -> Response:
        return Response({"detail": error.message, "code": error.code}, status=error.status_code)


class QueueRowSerializer(serializers.Serializer):
    code = serializers.CharField(source="tracking_code")
    status = serializers.CharField()
    status_label = serializers.CharField()
    service = serializers.CharField(source="service_type.code")
    service_name = serializers.CharField(source="service_type.name")
    kind = serializers.CharField(source="service_type.kind")
    district = serializers.IntegerField(source="district.code")
    department = serializers.CharField(source="department.code")
    parcel = serializers.CharField(source="parcel.renovation_code", default=None)
    submitted_at = serializers.DateTimeField()
    due_at = serializers.DateTimeField()
    closed_at = serializers.DateTimeField()
    overdue = serializers.BooleanField()
    supporters = serializers.IntegerField()
    lat = serializers.FloatField(source="location.y")
    lon = serializers.FloatField(source="location.x")


class QueueApi(StaffApi):
    """The filtered queue, 50 per page (`?page=`)."""

    def get(self, request):
        filters = self.filters(request)
        paginator = Paginator(staff_selectors.queue(request.user, filters), PAGE_SIZE)
        try:
            page = paginator.page(request.query_params.get("page") or 1)
        except (EmptyPage, ValueError, TypeError):
            if paginator.count == 0:
                page = paginator.page(1)
            else:
                raise ValidationError({"page": [_("No such page.")]}) from None
        return Response(
            {
                "count": paginator.count,
                "page": page.number,
                "pages": paginator.num_pages,
                "results": QueueRowSerializer(page.object_list, many=True).data,
            }
        )


class QueuePointsApi(StaffApi):
    """The filtered queue as GeoJSON points (built in SQL) for the cluster/heat map."""

    def get(self, request):
        filters = self.filters(request)
        body = staff_selectors.queue_geojson(staff_selectors.queue(request.user, filters))
        return HttpResponse(body, content_type="application/geo+json")


class EventSerializer(serializers.Serializer):
    kind = serializers.CharField()
    from_status = serializers.CharField()
    to_status = serializers.CharField()
    text = serializers.CharField()
    public = serializers.BooleanField()
    actor = serializers.CharField(source="actor.username", default=None)
    created_at = serializers.DateTimeField()


class RequestDetailApi(StaffApi):
    class OutputSerializer(QueueRowSerializer):
        description = serializers.CharField()
        attributes = serializers.JSONField()
        duplicate_of = serializers.CharField(source="duplicate_of.tracking_code", default=None)
        history = EventSerializer(source="all_events", many=True)
        allowed_transitions = serializers.SerializerMethodField()

        def get_allowed_transitions(self, obj) -> list[str]:
            return workflow.allowed_targets(obj)

    def get(self, request, code: str):
        found = self.visible(request, code)
        data = self.OutputSerializer(found).data
        if roles.can_see_contact(request.user):
            data["contact"] = {
                "name": found.contact_name,
                "phone": found.contact_phone,
                "email": found.contact_email,
            }
        return Response(data)


class TransitionApi(StaffApi):
    """Move a request on: `{"to_status", "note", "from_status"}` (+ `photo` when resolving,
    multipart). 409 when the move is not allowed now or the request changed meanwhile."""

    parser_classes = [JSONParser, MultiPartParser]

    class InputSerializer(serializers.Serializer):
        to_status = serializers.ChoiceField(choices=RequestStatus.choices)
        note = serializers.CharField(required=False, allow_blank=True, max_length=2000)
        from_status = serializers.ChoiceField(choices=RequestStatus.choices, required=False)
        photo = serializers.FileField(required=False)

    def post(self, request, code: str):
        found = self.visible(request, code)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            event = workflow.request_transition(
                request=found,
                user=request.user,
                to_status=data["to_status"],
                note=data.get("note", ""),
                expected_status=data.get("from_status"),
                photo=data.get("photo"),
            )
        except workflow.WorkflowError as error:
            return self.workflow_response(error)
        return Response({"code": found.tracking_code, "status": event.to_status}, status=200)


class NoteApi(StaffApi):
    class InputSerializer(serializers.Serializer):
        note = serializers.CharField(max_length=2000)
        public = serializers.BooleanField(default=False)

    def post(self, request, code: str):
        found = self.visible(request, code)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            event = workflow.request_add_note(
                request=found, user=request.user, **serializer.validated_data
            )
        except workflow.WorkflowError as error:
            return self.workflow_response(error)
        return Response({"code": found.tracking_code, "public": event.public}, status=201)


class ReassignApi(StaffApi):
    class InputSerializer(serializers.Serializer):
        district = serializers.IntegerField(required=False, min_value=1, max_value=99)
        department = serializers.CharField(required=False, max_length=64)
        reason = serializers.CharField(max_length=2000)

    def post(self, request, code: str):
        found = self.visible(request, code)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        district = department = None
        if "district" in data:
            district = District.objects.filter(code=data["district"]).first()
            if district is None:
                raise ValidationError({"district": [_("Choose a district from the list.")]})
        if data.get("department"):
            department = Department.objects.filter(code=data["department"]).first()
            if department is None:
                raise ValidationError({"department": [_("Choose a department from the list.")]})
        try:
            workflow.request_reassign(
                request=found,
                user=request.user,
                reason=data["reason"],
                district=district,
                department=department,
            )
        except workflow.WorkflowError as error:
            return self.workflow_response(error)
        found.refresh_from_db()
        return Response(
            {
                "code": found.tracking_code,
                "district": found.district.code,
                "department": found.department.code,
            }
        )


class DuplicateApi(StaffApi):
    class InputSerializer(serializers.Serializer):
        original = serializers.CharField(max_length=40)
        note = serializers.CharField(required=False, allow_blank=True, max_length=2000)
        from_status = serializers.ChoiceField(choices=RequestStatus.choices, required=False)

    def post(self, request, code: str):
        from permits.tracking import tracking_code_normalize

        found = self.visible(request, code)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        original_code = tracking_code_normalize(data["original"])
        original = (
            requests_visible_to(request.user).filter(tracking_code=original_code).first()
            if original_code
            else None
        )
        if original is None:
            raise ValidationError({"original": [_("The original request was not found.")]})
        try:
            workflow.request_mark_duplicate(
                request=found,
                user=request.user,
                original=original,
                note=data.get("note", ""),
                expected_status=data.get("from_status"),
            )
        except workflow.WorkflowError as error:
            return self.workflow_response(error)
        return Response({"code": found.tracking_code, "duplicate_of": original.tracking_code})


class DashboardApi(StaffApi):
    """KPIs for `?from=&to=` (default: the last 90 days)."""

    def get(self, request):
        try:
            start = staff_selectors.date_parse(request.query_params.get("from", ""), "from")
            end = staff_selectors.date_parse(request.query_params.get("to", ""), "to")
        except staff_selectors.QueueFilterError as error:
            raise ValidationError({error.field: [error.message]}) from None
        period = dashboard.default_period()
        period = dashboard.Period(start or period.start, end or period.end)
        if period.start > period.end:
            raise ValidationError({"to": [_("The end date is before the start date.")]})
        return Response(
            {"from": period.start, "to": period.end, **dashboard.figures(request.user, period)}
        )


# --- OpenAPI descriptions (issue 6: every JSON endpoint documented, with examples) -----------
# Applied after the classes with extend_schema_view so the views above stay as they are.

from drf_spectacular.types import OpenApiTypes  # noqa: E402
from drf_spectacular.utils import (  # noqa: E402
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_serializer,
    extend_schema_view,
    inline_serializer,
)

for _view, _name in (
    ("TransitionApi", "StaffTransitionInput"),
    ("NoteApi", "StaffNoteInput"),
    ("ReassignApi", "StaffReassignInput"),
    ("DuplicateApi", "StaffDuplicateInput"),
):
    extend_schema_serializer(component_name=_name)(globals()[_view].InputSerializer)
extend_schema_serializer(component_name="StaffRequestDetail")(RequestDetailApi.OutputSerializer)

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
                    "results": QueueRowSerializer(many=True),
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
)(QueueApi)
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
)(QueuePointsApi)
extend_schema_view(
    get=extend_schema(
        description="One request with its whole history and the moves allowed now; the "
        "requester's contact only for roles that may see it.",
        responses={200: RequestDetailApi.OutputSerializer, 403: _STAFF_ERROR, 404: _STAFF_ERROR},
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
)(RequestDetailApi)
extend_schema_view(
    post=_action_schema(
        None,
        {
            "application/json": TransitionApi.InputSerializer,
            "multipart/form-data": TransitionApi.InputSerializer,
        },
        inline_serializer(
            "StaffTransitionResult",
            {"code": serializers.CharField(), "status": serializers.CharField()},
        ),
        {"to_status": "in_progress", "note": "Crew booked.", "from_status": "in_review"},
        {"code": "MHD-7KX4-Q9MZ", "status": "in_progress"},
    )
)(TransitionApi)
extend_schema_view(
    post=_action_schema(
        "Add a note to the history: public (the requester is told) or internal.",
        NoteApi.InputSerializer,
        inline_serializer(
            "StaffNoteResult",
            {"code": serializers.CharField(), "public": serializers.BooleanField()},
        ),
        {"note": "Waiting for the contractor.", "public": False},
        {"code": "MHD-7KX4-Q9MZ", "public": False},
    )
)(NoteApi)
extend_schema_view(
    post=_action_schema(
        "Send the request to another district and/or department, with the reason.",
        ReassignApi.InputSerializer,
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
)(ReassignApi)
extend_schema_view(
    post=_action_schema(
        "Close the request as a duplicate of an earlier one (its supporters move over).",
        DuplicateApi.InputSerializer,
        inline_serializer(
            "StaffDuplicateResult",
            {"code": serializers.CharField(), "duplicate_of": serializers.CharField()},
        ),
        {"original": "MHD-2B3C-4D5E", "note": "Same tree, reported last week."},
        {"code": "MHD-7KX4-Q9MZ", "duplicate_of": "MHD-2B3C-4D5E"},
    )
)(DuplicateApi)
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
)(DashboardApi)
