"""The service catalogue: departments, domains and service types, what is online where,
loaded from a catalogue file and read through a per-process snapshot.

Filing reads one service type per request; the catalogue is ~15 rows that change a few
times a year. Each process keeps a snapshot, checked on every read against a stamp in
the cache (shared across workers with CACHE_BACKEND=db). Saving or deleting a service,
domain or department, or changing a service's districts, sets a new stamp (at once and
again when the transaction commits). With a per-process cache backend (locmem) another
worker learns of a change only by the age limit. A code missing from the snapshot is
looked up again, so a new service is never refused because of a stale snapshot.

The signal handlers that renew the snapshot connect when this module is imported
(`permits.selectors` imports it, and the app config imports that at start-up).
"""

import copy
import math
import time
import uuid
from dataclasses import dataclass

from django.contrib.postgres.expressions import ArraySubquery
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import OuterRef, Q, QuerySet
from django.db.models.signals import m2m_changed, post_delete, post_save

from parcels.models import District
from permits.models import Department, ServiceDomain, ServiceType


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


# --- the snapshot, read once per process ---------------------------------------------------

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


# --- loading -----------------------------------------------------------------------------------


@dataclass
class CatalogueReport:
    departments: int = 0
    domains: int = 0
    services_created: int = 0
    services_updated: int = 0


def _upsert(model, lookup: dict, values: dict):
    instance = model.objects.filter(**lookup).first() or model(**lookup)
    created = instance.pk is None
    for key, value in values.items():
        setattr(instance, key, value)
    instance.full_clean(validate_unique=False, validate_constraints=False)
    instance.save()
    return instance, created


@transaction.atomic
def catalogue_load(*, data: dict) -> CatalogueReport:
    """Create or update departments, domains and service types from a catalogue dict
    (the shape of data/services.json). Idempotent: loading twice changes nothing."""
    report = CatalogueReport()
    for item in data.get("departments", []):
        _upsert(Department, {"code": item["code"]}, {k: item[k] for k in ("name_fa", "name_en")})
        report.departments += 1
    for order, item in enumerate(data.get("domains", [])):
        _upsert(
            ServiceDomain,
            {"code": item["code"]},
            {"name_fa": item["name_fa"], "name_en": item["name_en"], "order": order},
        )
        report.domains += 1
    for order, item in enumerate(data.get("services", [])):
        districts = list(District.objects.filter(code__in=item.get("online_districts", [])))
        if len(districts) != len(item.get("online_districts", [])):
            raise ValidationError(f"{item['code']}: unknown district in online_districts")
        service, created = _upsert(
            ServiceType,
            {"code": item["code"]},
            {
                "domain": ServiceDomain.objects.get(code=item["domain"]),
                "department": Department.objects.get(code=item["department"]),
                "name_fa": item["name_fa"],
                "name_en": item["name_en"],
                "description_fa": item.get("description_fa", ""),
                "description_en": item.get("description_en", ""),
                "kind": item.get("kind", "service"),
                "attributes": item.get("attributes", []),
                "needs_parcel": item.get("needs_parcel", False),
                "sla_days": item.get("sla_days", 14),
                "active": item.get("active", True),
                "order": order,
            },
        )
        service.online_districts.set(districts)
        if created:
            report.services_created += 1
        else:
            report.services_updated += 1
    return report
