"""Reads of the catalogue and of requests: what is online where, nearby duplicates, tracking."""

import copy
import math
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta

from django.contrib.gis.db.models.functions import Distance
from django.contrib.gis.geos import Point
from django.contrib.postgres.expressions import ArraySubquery
from django.core.cache import cache
from django.db import transaction
from django.db.models import OuterRef, Prefetch, Q, QuerySet
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils import timezone

from gis_portal.core.geo import degrees_at_least
from parcels.models import District, Parcel
from parcels.selectors import district_at, parcel_at
from permits.models import (
    CLOSED_STATUSES,
    Department,
    RequestEvent,
    ServiceDomain,
    ServiceRequest,
    ServiceType,
)
from permits.tracking import tracking_code_normalize


def service_types_online_in(district: District) -> QuerySet[ServiceType]:
    """Active services online in `district`: no district list (everywhere) or listing it."""
    return (
        ServiceType.objects.filter(active=True)
        .filter(Q(online_districts__isnull=True) | Q(online_districts=district))
        .distinct()
        .select_related("domain", "department")
        .order_by("domain__order", "domain__code", "order", "code")
    )


def service_type_is_online(service_type: ServiceType, district: District) -> bool:
    """No district list (online everywhere) or one listing `district`. Uses the ids read
    with the service by `service_type_get` when present (no further query)."""
    online_ids = getattr(service_type, "online_district_ids", None)
    if online_ids is not None:
        return not online_ids or district.pk in online_ids
    districts = service_type.online_districts
    return not districts.exists() or districts.filter(pk=district.pk).exists()


def _service_types_read() -> dict[str, ServiceType]:
    """Every active service, its domain, department and the ids of the districts where it
    is online (`online_district_ids`, empty: everywhere), by code, in one query."""
    online = ServiceType.online_districts.through.objects.filter(
        servicetype_id=OuterRef("pk")
    ).values("district_id")
    services = (
        ServiceType.objects.filter(active=True)
        .select_related("domain", "department")
        .annotate(online_district_ids=ArraySubquery(online))
    )
    return {service.code: service for service in services}


# --- the catalogue, read once per process ---------------------------------------------------
#
# Filing reads one service type per request; the catalogue is ~15 rows that change a few
# times a year. Each process keeps a snapshot, checked on every read against a stamp in
# the cache (shared across workers with CACHE_BACKEND=db). Saving or deleting a service,
# domain or department, or changing a service's districts, sets a new stamp (at once and
# again when the transaction commits). With a per-process cache backend (locmem) another
# worker learns of a change only by the age limit. A code missing from the snapshot is
# looked up again, so a new service is never refused because of a stale snapshot.

CATALOGUE_STAMP_KEY = "permits:catalogue:stamp"
#: Seconds a process trusts its snapshot without a new stamp (the bound on staleness
#: across workers when the cache is not shared).
CATALOGUE_MAX_AGE = 30.0


@dataclass(frozen=True)
class _Snapshot:
    stamp: str | None
    read_at: float
    services: dict[str, ServiceType]


_snapshot = _Snapshot(stamp=None, read_at=-math.inf, services={})


def _catalogue_stamp() -> str:
    stamp = cache.get(CATALOGUE_STAMP_KEY)
    if stamp is None:
        cache.add(CATALOGUE_STAMP_KEY, uuid.uuid4().hex, timeout=None)
        stamp = cache.get(CATALOGUE_STAMP_KEY, "")
    return stamp


def _catalogue(*, fresh: bool = False) -> dict[str, ServiceType]:
    global _snapshot
    stamp = _catalogue_stamp()
    now = time.monotonic()
    current = _snapshot
    if fresh or current.stamp != stamp or now - current.read_at > CATALOGUE_MAX_AGE:
        current = _Snapshot(stamp=stamp, read_at=now, services=_service_types_read())
        _snapshot = current
    return current.services


def catalogue_changed() -> None:
    """Forget every process's snapshot of the catalogue (a new stamp) and this one's."""
    global _snapshot
    cache.set(CATALOGUE_STAMP_KEY, uuid.uuid4().hex, timeout=None)
    _snapshot = _Snapshot(stamp=None, read_at=-math.inf, services={})


def _on_catalogue_change(**kwargs) -> None:
    catalogue_changed()
    # Another worker may read the old rows before this transaction commits.
    transaction.on_commit(catalogue_changed, robust=True)


for _model in (ServiceType, ServiceDomain, Department):
    post_save.connect(_on_catalogue_change, sender=_model, dispatch_uid=f"catalogue-{_model}")
    post_delete.connect(_on_catalogue_change, sender=_model, dispatch_uid=f"catalogue-d-{_model}")
m2m_changed.connect(
    _on_catalogue_change,
    sender=ServiceType.online_districts.through,
    dispatch_uid="catalogue-online-districts",
)


def service_type_get(code) -> ServiceType | None:
    """The active service with `code`, its domain, department and the ids of the districts
    where it is online (`online_district_ids`, empty: everywhere), from the process's
    snapshot of the catalogue (no query while it is current). The caller gets its own
    copy of the instance."""
    if not isinstance(code, str) or not code or len(code) > 64:
        return None
    service = _catalogue().get(code)
    if service is None:
        service = _catalogue(fresh=True).get(code)
        if service is None:
            return None
    return copy.copy(service)


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
