"""Public reads: the services at a point, nearby open requests (to support instead of
filing a duplicate), a request by its tracking code. The catalogue itself is read
through `permits.catalogue`."""

from dataclasses import dataclass
from datetime import timedelta

from django.contrib.gis.db.models.functions import Distance
from django.contrib.gis.geos import Point
from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from gis_portal.core.geo import degrees_at_least
from gis_portal.core.i18n import localized_item
from parcels.models import District, Parcel
from parcels.selectors import district_at, parcel_at
from permits.catalogue import service_types_online_in
from permits.models import CLOSED_STATUSES, RequestEvent, ServiceDomain, ServiceRequest, ServiceType
from permits.tracking import tracking_code_normalize


@dataclass(frozen=True)
class ServicesAt:
    district: District
    snapped_m: float | None
    parcel: Parcel | None
    services: list[ServiceType]

    def by_domain(self) -> list[tuple[ServiceDomain, list[ServiceType]]]:
        groups: dict[int, tuple[ServiceDomain, list[ServiceType]]] = {}
        for service in self.services:
            groups.setdefault(service.domain_id, (service.domain, []))[1].append(service)
        return list(groups.values())


def services_at(point: Point) -> ServicesAt:
    """The district (raises parcels.selectors.OutsideCity), parcel and services at `point`.

    Services that need a parcel are listed only where there is one under the point.
    """
    match = district_at(point)
    parcel = parcel_at(point)
    services = [
        service
        for service in service_types_online_in(match.district)
        if parcel is not None or not service.needs_parcel
    ]
    return ServicesAt(match.district, match.snapped_m, parcel, services)


def nearby_open_requests(
    point: Point, service_code: str, *, radius_m: float = 50, days: int = 30
) -> QuerySet[ServiceRequest]:
    """Open requests of the same service within `radius_m` metres filed in the last `days`.

    `dwithin` in degrees (a box at least `radius_m` wide at this latitude) uses the
    GiST index `request_location_gist`; the exact spheroid distance then trims it.
    """
    since = timezone.now() - timedelta(days=days)
    return (
        ServiceRequest.objects.filter(
            location__dwithin=(point, degrees_at_least(radius_m, point.y)),
            service_type__code=service_code,
            submitted_at__gte=since,
            duplicate_of__isnull=True,
        )
        .exclude(status__in=CLOSED_STATUSES)
        .annotate(distance=Distance("location", point))
        .filter(distance__lte=radius_m)
        .select_related("service_type", "district")
        .order_by("distance", "-submitted_at")
    )


def request_public(tracking_code: str) -> ServiceRequest | None:
    """The request with this code (any spelling a person may type), with its public history.

    A code whose check character is wrong is refused before the database is asked.
    Callers show only public fields: never contact_*.
    """
    code = tracking_code_normalize(tracking_code)
    if code is None:
        return None
    return (
        ServiceRequest.objects.filter(tracking_code=code)
        .select_related("service_type", "service_type__domain", "district", "department", "parcel")
        .prefetch_related(
            Prefetch(
                "events",
                queryset=RequestEvent.objects.filter(public=True).order_by("created_at", "id"),
                to_attr="public_events",
            )
        )
        .first()
    )


def parcel_and_point(renovation_code: str) -> tuple[Parcel, Point] | None:
    """The parcel with this renovation code and a point inside it (WGS84), or None."""
    parcel = Parcel.objects.filter(renovation_code=renovation_code).first()
    if parcel is None:
        return None
    point = parcel.geom.point_on_surface
    point.srid = 4326
    return parcel, point


def attribute_rows(found: ServiceRequest) -> list[tuple[str, str]]:
    """The request's attribute values as (label, value) rows in the active language, in
    the service's order; option keys shown by their names."""
    rows = []
    for item in found.service_type.attribute_definitions():
        if item["code"] not in found.attributes:
            continue
        value = found.attributes[item["code"]]
        names = {v["key"]: localized_item(v, "name") for v in item.get("values", [])}
        if isinstance(value, list):
            shown = "، ".join(names.get(v, v) for v in value)
        else:
            shown = names.get(value, value)
        rows.append((localized_item(item, "label"), shown))
    return rows
