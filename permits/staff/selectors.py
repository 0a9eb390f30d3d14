"""Reads for the planners' workspace: the filtered queue, its map points, a request.

Everything starts from `gis_portal.staff.access.requests_visible_to(user)`: a request the
user may not see is simply not in any result (a 404 for a single one), whether the
caller is a page, the JSON API or an export.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field

from django.contrib.gis.db.models.functions import AsGeoJSON, Distance
from django.db import connection
from django.db.models import Case, F, IntegerField, Prefetch, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from gis_portal.core.geo import degrees_at_least
from gis_portal.core.i18n import PERSIAN_DIGITS
from gis_portal.core.params import InvalidInput, parse_date, parse_flag, parse_integer
from gis_portal.staff import access as roles
from parcels.models import District
from permits.access import requests_visible_to
from permits.models import (
    CLOSED_STATUSES,
    RequestEvent,
    RequestStatus,
    ServiceDomain,
    ServiceRequest,
    ServiceType,
)
from permits.tracking import tracking_code_normalize
from permits.workflow import overdue_q

SORTS = {
    "due": ("due_at", "id"),
    "age": ("submitted_at", "id"),
    "supporters": ("-supporters", "due_at", "id"),
    "newest": ("-submitted_at", "-id"),
}
STATUS_GROUPS = {"open", "closed"}
MAX_TEXT = 100
DATE = re.compile(r"^(\d{4})[-/](\d{1,2})[-/](\d{1,2})$")
CODE_PREFIX = re.compile(r"^\d{1,2}(-\d{1,5}){0,3}-?$")


@dataclass
class QueueFilters:
    statuses: list[str] = field(default_factory=list)  # values or "open"/"closed"
    domain: str = ""
    service: str = ""
    district: int | None = None
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    overdue: bool = False
    parcel: str = ""
    text: str = ""
    sort: str = "due"

    def as_params(self) -> dict:
        """The filters as query parameters (for links to the map points and exports)."""
        params = {
            "status": self.statuses,
            "domain": self.domain,
            "service": self.service,
            "district": self.district or "",
            "from": self.date_from.isoformat() if self.date_from else "",
            "to": self.date_to.isoformat() if self.date_to else "",
            "overdue": "1" if self.overdue else "",
            "parcel": self.parcel,
            "q": self.text,
            "sort": self.sort if self.sort != "due" else "",
        }
        return {key: value for key, value in params.items() if value not in ("", [], None)}


def queue_filters_parse(params) -> QueueFilters:
    """QueueFilters from query parameters; InvalidInput for anything unusable."""
    filters = QueueFilters()
    for status in params.getlist("status") if hasattr(params, "getlist") else []:
        if not status:
            continue
        if status not in STATUS_GROUPS and status not in RequestStatus.values:
            raise InvalidInput("status", _("Unknown status."))
        filters.statuses.append(status)
    filters.domain = (params.get("domain") or "").strip()[:64]
    filters.service = (params.get("service") or "").strip()[:64]
    try:
        filters.district = parse_integer(params.get("district"), "district", minimum=1, maximum=99)
    except InvalidInput:
        raise InvalidInput("district", _("Choose a district from the list.")) from None
    filters.date_from = parse_date(params.get("from", ""), "from")
    filters.date_to = parse_date(params.get("to", ""), "to")
    if filters.date_from and filters.date_to and filters.date_from > filters.date_to:
        raise InvalidInput("to", _("The end date is before the start date."))
    filters.overdue = parse_flag(params.get("overdue"))
    parcel = (params.get("parcel") or "").strip().translate(PERSIAN_DIGITS)
    if parcel:
        if len(parcel) > 24 or not CODE_PREFIX.match(parcel):
            raise InvalidInput(
                "parcel", _("A renovation code looks like district-region-block-parcel.")
            )
        filters.parcel = parcel
    text = " ".join((params.get("q") or "").replace("\x00", "").split())
    if len(text) > MAX_TEXT:
        raise InvalidInput("q", _("At most %(limit)s characters, please.") % {"limit": MAX_TEXT})
    filters.text = text
    sort = (params.get("sort") or "due").strip()
    if sort not in SORTS:
        raise InvalidInput("sort", _("Sort by due date, age or supporters."))
    filters.sort = sort
    return filters


def queue(user, filters: QueueFilters | None = None) -> QuerySet[ServiceRequest]:
    """The requests `user` may see, filtered and sorted, with an `overdue` flag."""
    filters = filters or QueueFilters()
    now = timezone.now()
    queryset = requests_visible_to(user).select_related(
        "service_type", "service_type__domain", "district", "department", "parcel"
    )
    if filters.statuses:
        condition = Q()
        for status in filters.statuses:
            if status == "open":
                condition |= ~Q(status__in=CLOSED_STATUSES)
            elif status == "closed":
                condition |= Q(status__in=CLOSED_STATUSES)
            else:
                condition |= Q(status=status)
        queryset = queryset.filter(condition)
    if filters.domain:
        queryset = queryset.filter(service_type__domain__code=filters.domain)
    if filters.service:
        queryset = queryset.filter(service_type__code=filters.service)
    if filters.district:
        queryset = queryset.filter(district__code=filters.district)
    tz = timezone.get_current_timezone()
    if filters.date_from:
        start = datetime.datetime.combine(filters.date_from, datetime.time.min, tzinfo=tz)
        queryset = queryset.filter(submitted_at__gte=start)
    if filters.date_to:
        end = datetime.datetime.combine(
            filters.date_to + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz
        )
        queryset = queryset.filter(submitted_at__lt=end)
    if filters.overdue:
        queryset = queryset.filter(overdue_q(now))
    if filters.parcel:
        code = filters.parcel
        if code.count("-") == 3 and not code.endswith("-"):
            queryset = queryset.filter(parcel__renovation_code=code)
        else:
            prefix = code if code.endswith("-") else code + "-"
            queryset = queryset.filter(
                Q(parcel__renovation_code=code.rstrip("-"))
                | Q(parcel__renovation_code__startswith=prefix)
            )
    if filters.text:
        text = filters.text
        condition = Q(description__icontains=text) | Q(parcel__address__icontains=text)
        code = tracking_code_normalize(text)
        if code:
            condition |= Q(tracking_code=code)
        queryset = queryset.filter(condition)
    return queryset.annotate(
        overdue=Case(
            When(overdue_q(now), then=Value(1)), default=Value(0), output_field=IntegerField()
        )
    ).order_by(*SORTS[filters.sort])


def queue_geojson(queryset: QuerySet[ServiceRequest], *, limit: int = 20000) -> bytes:
    """The queue's points as a GeoJSON FeatureCollection, built by PostgreSQL
    (ST_AsGeoJSON + json_agg): no contact details, only what the map needs."""
    inner = (
        queryset.order_by()
        .annotate(
            geojson=AsGeoJSON("location", precision=6),
            service_code=F("service_type__code"),
            district_code=F("district__code"),
        )
        .values(
            "tracking_code",
            "status",
            "supporters",
            "overdue",
            "geojson",
            "service_code",
            "district_code",
        )[:limit]
    )
    sql, params = inner.query.sql_with_params()
    # `sql` is Django's own compiled query with placeholders; only params carry values.
    wrapper = (
        "SELECT json_build_object('type', 'FeatureCollection', 'features', "  # noqa: S608
        "COALESCE(json_agg(json_build_object('type', 'Feature', "
        "'geometry', q.geojson::json, 'properties', json_build_object("
        "'code', q.tracking_code, 'status', q.status, 'service', q.service_code, "
        "'district', q.district_code, 'supporters', q.supporters, "
        "'overdue', q.overdue = 1))), '[]'::json))::text "
        f"FROM ({sql}) AS q"
    )
    with connection.cursor() as cursor:
        cursor.execute(wrapper, params)
        return cursor.fetchone()[0].encode()


def request_for_staff(user, code: str) -> ServiceRequest | None:
    """One request with its full history and photos, if `user` may see it."""
    if not isinstance(code, str) or len(code) > 40:
        return None
    return (
        requests_visible_to(user)
        .filter(tracking_code=code)
        .select_related(
            "service_type",
            "service_type__domain",
            "district",
            "department",
            "parcel",
            "duplicate_of",
        )
        .prefetch_related(
            Prefetch(
                "events",
                queryset=RequestEvent.objects.select_related("actor").order_by("created_at", "id"),
                to_attr="all_events",
            ),
            "photos",
        )
        .annotate(
            overdue=Case(
                When(overdue_q(), then=Value(1)), default=Value(0), output_field=IntegerField()
            )
        )
        .first()
    )


def nearby_requests(user, request: ServiceRequest, *, radius_m: float = 200, limit: int = 10):
    """Other requests the user may see within `radius_m` metres (GiST-assisted dwithin)."""
    point = request.location
    return (
        requests_visible_to(user)
        .filter(location__dwithin=(point, degrees_at_least(radius_m, point.y)))
        .exclude(pk=request.pk)
        .annotate(distance=Distance("location", point))
        .filter(distance__lte=radius_m)
        .select_related("service_type")
        .order_by("distance")[:limit]
    )


def filter_choices(user) -> dict:
    """Options of the queue's filter form."""
    districts = District.objects.order_by("code")
    visible = roles.district_ids_of(user)
    if visible is not None:
        districts = districts.filter(id__in=visible)
    return {
        "statuses": [(value, label) for value, label in RequestStatus.choices],
        "domains": list(ServiceDomain.objects.order_by("order", "code")),
        "services": list(
            ServiceType.objects.select_related("domain").order_by("domain__order", "order")
        ),
        "districts": list(districts),
    }
