"""Citizen pages: choose a place and a service, file, see the confirmation, track.

Every write goes through permits.filing (the same path as the JSON API).
"""

import re

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from gis_portal.core.geo import InvalidCoordinates, point_from_lat_lon
from gis_portal.core.maps import portal_map
from parcels.selectors import OutsideCity, normalize_search_text, parcel_search
from permits.catalogue import service_type_get
from permits.filing import (
    InvalidRequest,
    RequestRejected,
    request_file,
    request_route,
    request_support,
)
from permits.filing.validation import MAX_FILING_BYTES, body_length
from permits.forms import request_form_class
from permits.models import Channel
from permits.permitting.applicant import applicant_session_grant, applicant_session_has
from permits.selectors import (
    attribute_rows,
    nearby_open_requests,
    parcel_and_point,
    request_public,
    services_at,
)
from permits.tracking import lookup_allowed, tracking_code_normalize

TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
RENOVATION_CODE = re.compile(r"^\d{1,2}-\d{1,3}-\d{1,5}-\d{1,5}$")


def _location(params) -> tuple[object, object, str | None]:
    """(point, parcel, error) from ?parcel= or ?lat=&lon= (all None when neither is given)."""
    code = normalize_search_text(params.get("parcel", ""))[:30]
    if code:
        if not RENOVATION_CODE.match(code):
            return None, None, _("A renovation code looks like district-region-block-parcel.")
        found = parcel_and_point(code)
        if found is None:
            return None, None, _("No parcel has this renovation code.")
        parcel, point = found
        return point, parcel, None
    if params.get("lat") or params.get("lon"):
        try:
            return point_from_lat_lon(params.get("lat"), params.get("lon")), None, None
        except InvalidCoordinates as error:
            return None, None, str(error)
    return None, None, None


def _new_page(request, context: dict, status: int = 200):
    return render(request, "permits/new.html", context, status=status)


def _service_error(point, service) -> str:
    """Why a service asked for in the URL is not offered at this point."""
    if service is None:
        return _("There is no such service; choose one from the list.")
    try:
        request_route(point=point, service_type=service)
    except RequestRejected as rejected:
        return rejected.message
    return _("This service is not available here.")


@require_http_methods(["GET", "POST"])
def request_new(request):
    """Step 1: a place (map click, parcel, or search). Step 2: a service. Step 3: the form."""
    if request.method == "POST" and body_length(request) > MAX_FILING_BYTES:
        return render(
            request,
            "permits/error.html",
            {"message": _("The upload is too large: at most 3 photos of 5 MB each.")},
            status=413,
        )
    params = request.GET
    point, parcel, location_error = _location(params)
    context = {"location_error": location_error, "query": params.get("q", "")[:200]}
    if point is None:
        query = normalize_search_text(context["query"])
        if query:
            context["search_results"] = list(parcel_search(query)[:20])
        context["map"] = portal_map()
        return _new_page(request, context, status=400 if location_error else 200)
    try:
        found = services_at(point)
    except OutsideCity as outside:
        context.update(location_error=str(outside), map=portal_map())
        return _new_page(request, context, status=400)
    parcel = parcel or found.parcel
    place = (
        {"parcel": parcel.renovation_code}
        if params.get("parcel")
        else {"lat": f"{point.y:.7f}", "lon": f"{point.x:.7f}"}
    )
    context.update(
        point=point,
        found=found,
        parcel=parcel,
        place_query=urlencode(place),
        map=portal_map(center=(point.y, point.x), zoom=17),
    )
    service = service_type_get(params.get("service", ""))
    if params.get("service") and service not in found.services:
        context["service_error"] = _service_error(point, service)
        return _new_page(request, context, status=400)
    if service is None:
        return _new_page(request, context)
    context.update(service=service, nearby=list(nearby_open_requests(point, service.code)[:5]))
    if request.method == "GET":
        context["form"] = request_form_class(service)()
        return _new_page(request, context)
    return _request_new_post(request, context, service=service, point=point)


def _request_new_post(request, context: dict, *, service, point):
    """Step 3 sent: file it, or show the form again with every error marked."""
    form = request_form_class(service)(request.POST, request.FILES)
    form.is_valid()
    token = request.POST.get("token", "")
    try:
        filed = request_file(
            service_code=service.code,
            point=point,
            attributes=form.attribute_values(),
            description=request.POST.get("description", ""),
            contact=form.contact(),
            photos=request.FILES.getlist("photos"),
            channel=Channel.WEB,
            idempotency_key=f"web:{token}" if TOKEN.match(token) else None,
        )
    except RequestRejected as rejected:
        if isinstance(rejected, InvalidRequest):
            form.show_errors(rejected.errors)
        context.update(form=form, form_error=rejected.message)
        return _new_page(request, context, status=rejected.status_code)
    # The confirmation page, and the request's documents and photos, are this browser's.
    applicant_session_grant(request, filed.tracking_code)
    return redirect("request-filed", code=filed.tracking_code)


def request_filed(request, code: str):
    """The confirmation with the tracking code, for the browser that filed it."""
    if not applicant_session_has(request, code):
        return redirect("track-detail", code=code)
    filed = request_public(code)
    if filed is None:
        return redirect("track")
    return render(request, "permits/filed.html", {"req": filed})


def _throttled(request):
    return render(
        request,
        "permits/track.html",
        {"error": _("Too many lookups from your connection. Please wait a few minutes.")},
        status=429,
    )


def track(request):
    """Enter a tracking code."""
    text = request.GET.get("code", "")
    if not text:
        return render(request, "permits/track.html", {})
    if not lookup_allowed(request):
        return _throttled(request)
    code = tracking_code_normalize(text)
    if code is None:
        return render(
            request,
            "permits/track.html",
            {
                "error": _(
                    "This is not a valid tracking code. Codes look like MHD-7KX4-Q9MZ; "
                    "check each character."
                ),
                "code": text[:40],
            },
            status=400,
        )
    return HttpResponseRedirect(reverse("track-detail", kwargs={"code": code}))


def track_detail(request, code: str):
    """A request's public page: service, office, status, due date, history, map."""
    if not lookup_allowed(request):
        return _throttled(request)
    found = request_public(code)
    if found is None:
        return render(
            request,
            "permits/track.html",
            {"error": _("No request has this tracking code."), "code": code[:40]},
            status=404,
        )
    if found.tracking_code != code:
        return redirect("track-detail", code=found.tracking_code)
    return render(
        request,
        "permits/track_detail.html",
        {
            "req": found,
            "map": portal_map(center=(found.location.y, found.location.x), zoom=16),
            "attributes": attribute_rows(found),
        },
    )


@require_POST
def track_support(request, code: str):
    """'Support this instead': one supporter per browser session."""
    if not lookup_allowed(request):
        return _throttled(request)
    if not request.session.session_key:
        request.session.save()
    try:
        supported = request_support(
            tracking_code=code, contact=f"session:{request.session.session_key}"
        )
    except RequestRejected as rejected:
        messages.error(request, rejected.message)
        target = tracking_code_normalize(code)
        return redirect("track-detail", code=target) if target else redirect("track")
    messages.success(request, _("Thank you: your support was added to this request."))
    return redirect("track-detail", code=supported.tracking_code)
