"""The requests and services a GET asks for, by the spec's filters and defaults (plus
the common extensions). Filters are read with `permits.open311.params`."""

from dataclasses import dataclass

from django.contrib.gis.db.models.functions import Distance
from django.contrib.gis.geos import Polygon
from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _

from gis_portal.core.geo import degrees_at_least
from permits.models import CLOSED_STATUSES, RequestEvent, ServiceRequest, ServiceType
from permits.open311 import params as open311_params
from permits.open311.mapping import unknown_service
from permits.open311.render import Open311Error
from permits.tracking import tracking_code_normalize


def services_active() -> QuerySet[ServiceType]:
    return (
        ServiceType.objects.filter(active=True)
        .select_related("domain")
        .prefetch_related("online_districts")
        .order_by("domain__order", "domain__code", "order", "code")
    )


def requests_base() -> QuerySet[ServiceRequest]:
    return ServiceRequest.objects.select_related(
        "service_type", "district", "parcel", "open311_submission"
    ).prefetch_related(
        Prefetch(
            "events",
            queryset=RequestEvent.objects.filter(public=True).order_by("created_at", "id"),
            to_attr="public_events",
        )
    )


def request_by_id(text: str) -> ServiceRequest:
    """The request whose tracking code is `text` (any spelling), or Open311Error(404)."""
    code = tracking_code_normalize(text)
    found = requests_base().filter(tracking_code=code).first() if code else None
    if found is None:
        raise Open311Error(
            404, _("There is no request with the id “%(id)s”.") % {"id": str(text)[:40]}
        )
    return found


@dataclass
class RequestQuery:
    queryset: QuerySet[ServiceRequest]
    page: int
    page_size: int
    extensions: bool


def requests_query(params) -> RequestQuery:
    """The requests a GET asks for, or Open311Error(400/404) saying what is wrong with
    the parameters. service_request_id overrides every other filter."""
    extensions = open311_params.extensions_wanted(params)
    page = open311_params.positive_int(params, "page", default=1, maximum=open311_params.MAX_PAGE)
    page_size = open311_params.positive_int(
        params,
        "page_size",
        default=open311_params.MAX_RESULTS,
        maximum=open311_params.MAX_RESULTS,
    )
    queryset = requests_base().order_by("-submitted_at", "-id")
    ids = open311_params.comma_list(params, "service_request_id")
    if ids:
        if len(ids) > open311_params.MAX_IDS:
            raise Open311Error(
                400,
                _("At most %(max)s service_request_id values at once.")
                % {"max": open311_params.MAX_IDS},
            )
        codes = [code for code in map(tracking_code_normalize, ids) if code]
        return RequestQuery(queryset.filter(tracking_code__in=codes), page, page_size, extensions)
    queryset = catalogue_filters(params, queryset)
    queryset = date_filters(params, queryset)
    queryset = spatial_filters(params, queryset)
    return RequestQuery(queryset, page, page_size, extensions)


def catalogue_filters(params, queryset: QuerySet[ServiceRequest]) -> QuerySet[ServiceRequest]:
    """service_code (every code must exist: 404 otherwise) and status=open,closed."""
    service_codes = open311_params.comma_list(params, "service_code")
    if service_codes:
        known = set(
            ServiceType.objects.filter(code__in=service_codes).values_list("code", flat=True)
        )
        unknown = [code for code in service_codes if code not in known]
        if unknown:
            raise Open311Error(404, *[unknown_service(code) for code in unknown[:5]])
        queryset = queryset.filter(service_type__code__in=service_codes)
    statuses = {status.lower() for status in open311_params.comma_list(params, "status")}
    if statuses - {"open", "closed"}:
        raise Open311Error(400, _("status must be open, closed or both (open,closed)."))
    if statuses == {"open"}:
        queryset = queryset.exclude(status__in=CLOSED_STATUSES)
    elif statuses == {"closed"}:
        queryset = queryset.filter(status__in=CLOSED_STATUSES)
    return queryset


def date_filters(params, queryset: QuerySet[ServiceRequest]) -> QuerySet[ServiceRequest]:
    window = open311_params.date_window_parse(params)
    if window.start:
        queryset = queryset.filter(submitted_at__gte=window.start, submitted_at__lte=window.end)
    if window.updated_after:
        queryset = queryset.filter(updated_at__gte=window.updated_after)
    if window.updated_before:
        queryset = queryset.filter(updated_at__lte=window.updated_before)
    return queryset


def spatial_filters(params, queryset: QuerySet[ServiceRequest]) -> QuerySet[ServiceRequest]:
    area = open311_params.area_parse(params)
    if area.bbox:
        queryset = queryset.filter(location__intersects=Polygon.from_bbox(area.bbox))
    if area.point is not None:
        # dwithin in degrees (a box at least `radius` wide) uses the GiST index;
        # the exact spheroid distance then trims it.
        queryset = (
            queryset.filter(
                location__dwithin=(area.point, degrees_at_least(area.radius_m, area.point.y))
            )
            .annotate(distance=Distance("location", area.point))
            .filter(distance__lte=area.radius_m)
        )
    return queryset
