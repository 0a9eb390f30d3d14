"""The planners' workspace pages: sign in, the queue (list + map), a request with its
workflow actions, exports and the dashboard.

Every page reads through gis_portal.staff.access.requests_visible_to (via
permits.staff.selectors): another district's request is a 404 for a planner. GIS
staff and citizens get a 403 page; anonymous visitors are sent to sign in. Writes go
through permits.workflow, the same services as the JSON API.
"""

from __future__ import annotations

import datetime
from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import LoginView
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from gis_portal.core.maps import portal_map
from gis_portal.core.params import InvalidInput, parse_integer
from gis_portal.staff import access as roles
from gis_portal.staff.models import StaffRole
from parcels.models import District
from permits import workflow
from permits.access import requests_visible_to
from permits.models import Department, RequestStatus
from permits.selectors import attribute_rows
from permits.staff import dashboard, exports
from permits.staff import selectors as staff_selectors
from permits.tracking import tracking_code_normalize

PAGE_SIZE = 50
LOGIN_URL = "/staff/login/"


class StaffLoginView(LoginView):
    template_name = "permits/staff/login.html"
    redirect_authenticated_user = False

    def get_default_redirect_url(self):
        if roles.staff_role(self.request.user) == StaffRole.GIS_STAFF:
            return reverse("staff-layers")  # GIS staff work on layers, not requests
        return reverse("staff-queue")


def staff_required(view):
    """Anonymous → sign in; signed in without a request role → 403 page."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect(f"{LOGIN_URL}?{urlencode({'next': request.get_full_path()})}")
        if not roles.can_work_requests(request.user):
            return render(
                request,
                "permits/staff/forbidden.html",
                {"gis": roles.staff_role(request.user) == StaffRole.GIS_STAFF},
                status=403,
            )
        return view(request, *args, **kwargs)

    return wrapper


def _filter_error(request, error: InvalidInput):
    return render(
        request,
        "permits/staff/queue.html",
        {
            "filter_error": error.message,
            "filter_field": error.field,
            "params": request.GET,
            "choices": staff_selectors.filter_choices(request.user),
            "page": None,
            "sorts": _sorts(),
        },
        status=400,
    )


def _sorts():
    return [("due", _("Due date")), ("age", _("Age")), ("supporters", _("Supporters"))]


@require_GET
@staff_required
def queue(request):
    """The review queue: filters, the list, and the same requests on the map."""
    try:
        filters = staff_selectors.queue_filters_parse(request.GET)
    except InvalidInput as error:
        return _filter_error(request, error)
    paginator = Paginator(staff_selectors.queue(request.user, filters), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    query = urlencode(filters.as_params(), doseq=True)
    return render(
        request,
        "permits/staff/queue.html",
        {
            "page": page,
            "filters": filters,
            "params": request.GET,
            "query": query,
            "choices": staff_selectors.filter_choices(request.user),
            "sorts": _sorts(),
            "map": portal_map(),
            "role": roles.staff_role(request.user),
        },
    )


def _detail_context(request, found) -> dict:
    labels = dict(RequestStatus.choices)
    for event in found.all_events:
        event.to_label = labels.get(event.to_status, event.to_status)
    return {
        "req": found,
        "map": portal_map(center=(found.location.y, found.location.x), zoom=17),
        "targets": [
            (status, RequestStatus(status).label) for status in workflow.allowed_targets(found)
        ],
        "can_duplicate": RequestStatus.DUPLICATE
        in workflow.transitions_for(found.service_type.kind).get(found.status, ()),
        "can_reassign": roles.can_reassign(request.user) and found.is_open,
        "can_see_contact": roles.can_see_contact(request.user),
        "nearby": list(staff_selectors.nearby_requests(request.user, found)),
        "districts": District.objects.order_by("code") if roles.can_reassign(request.user) else [],
        "departments": Department.objects.order_by("code")
        if roles.can_reassign(request.user)
        else [],
        "attributes": attribute_rows(found),
    }


def _visible_or_404(request, code: str):
    found = staff_selectors.request_for_staff(request.user, code)
    if found is None:
        raise Http404(_("No request found."))
    return found


@require_GET
@staff_required
def request_detail(request, code: str):
    found = _visible_or_404(request, code)
    return render(request, "permits/staff/request.html", _detail_context(request, found))


def _transition(request, found) -> str:
    data = request.POST
    workflow.request_transition(
        request=found,
        user=request.user,
        to_status=data.get("to_status", ""),
        note=data.get("note", ""),
        expected_status=data.get("from_status") or None,
        photo=request.FILES.get("photo"),
    )
    return _("Status changed.")


def _note(request, found) -> str:
    data = request.POST
    workflow.request_add_note(
        request=found,
        user=request.user,
        note=data.get("note", ""),
        public=data.get("public") == "1",
    )
    return _("Note added.")


def _reassign(request, found) -> str:
    data = request.POST
    district = department = None
    if data.get("district"):
        district = District.objects.filter(code=_district_code(data)).first()
    if data.get("department"):
        department = Department.objects.filter(code=data.get("department")[:64]).first()
    workflow.request_reassign(
        request=found,
        user=request.user,
        reason=data.get("reason", ""),
        district=district,
        department=department,
    )
    return _("Request reassigned.")


def _duplicate(request, found) -> str:
    data = request.POST
    original_code = tracking_code_normalize(data.get("original", ""))
    original = (
        requests_visible_to(request.user).filter(tracking_code=original_code).first()
        if original_code
        else None
    )
    if original is None:
        raise workflow.InvalidAction(_("The original request was not found."))
    workflow.request_mark_duplicate(
        request=found,
        user=request.user,
        original=original,
        note=data.get("note", ""),
        expected_status=data.get("from_status") or None,
    )
    return _("Marked as duplicate.")


#: The forms of the request page, by the action in the URL; each returns its message.
ACTIONS = {
    "transition": _transition,
    "note": _note,
    "reassign": _reassign,
    "duplicate": _duplicate,
}


@require_POST
@staff_required
def request_action(request, code: str, action: str):
    """The forms of the request page: transition, note, reassign, duplicate."""
    found = _visible_or_404(request, code)
    if action not in ACTIONS:
        raise Http404
    try:
        done = ACTIONS[action](request, found)
    except workflow.WorkflowError as error:
        if isinstance(error, workflow.NotVisible):
            raise Http404(error.message) from None
        found = _visible_or_404(request, code)
        context = _detail_context(request, found)
        context["action_error"] = error.message
        context["action"] = action
        return render(request, "permits/staff/request.html", context, status=error.status_code)
    messages.success(request, done)
    if not requests_visible_to(request.user).filter(pk=found.pk).exists():
        return redirect("staff-queue")  # reassigned out of this planner's districts
    return redirect("staff-request", code=found.tracking_code)


def _district_code(data) -> int | None:
    try:
        return parse_integer(data.get("district"), "district")
    except InvalidInput:  # not a district code: no district matches
        return None


@require_GET
@staff_required
def export(request, fmt: str):
    if fmt not in exports.FORMATS:
        raise Http404
    try:
        filters = staff_selectors.queue_filters_parse(request.GET)
    except InvalidInput as error:
        return _filter_error(request, error)
    queryset = staff_selectors.queue(request.user, filters)
    try:
        body, content_type, name = exports.export(request.user, queryset, fmt)
    except exports.ExportFailed:
        return render(
            request,
            "permits/error.html",
            {"message": _("The file could not be written. Try CSV or GeoJSON.")},
            status=503,
        )
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@require_GET
@staff_required
def dashboard_page(request):
    user = request.user
    try:
        period = dashboard.period_parse(request.GET)
    except InvalidInput as error:
        return render(
            request,
            "permits/staff/dashboard.html",
            {"filter_error": error.message, "params": request.GET},
            status=400,
        )
    figures = dashboard.figures(user, period)
    return render(
        request,
        "permits/staff/dashboard.html",
        {
            "period": period,
            "params": request.GET,
            **figures,
            "chart": dashboard.week_chart(figures["weeks"], rtl=translation.get_language_bidi()),
            "map": portal_map(),
            "points_query": urlencode(
                {
                    "from": period.start.isoformat(),
                    "to": period.end.isoformat(),
                }
            ),
            "today": datetime.date.today(),
        },
    )
