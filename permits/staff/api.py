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

from gis_portal.core.params import InvalidInput
from gis_portal.staff import access as roles
from parcels.models import District
from permits import workflow
from permits.access import requests_visible_to
from permits.models import Department, RequestStatus, ServiceRequest
from permits.staff import dashboard
from permits.staff import selectors as staff_selectors
from permits.tracking import tracking_code_normalize

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
        except InvalidInput as error:
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
            period = dashboard.period_parse(request.query_params)
        except InvalidInput as error:
            raise ValidationError({error.field: [error.message]}) from None
        return Response(
            {"from": period.start, "to": period.end, **dashboard.figures(request.user, period)}
        )
