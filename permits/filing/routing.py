"""Where a request goes: the district and parcel at its point (or why it cannot be filed
there), the department that handles it (a routing rule of the published layers may
override the service's own), and the zoning verdict a permit application carries."""

import logging
from typing import Any

from django.contrib.gis.geos import Point
from django.utils.translation import gettext as _

from gis_portal.core.i18n import is_persian
from layers.selectors import routing_override_for
from parcels.models import District
from parcels.selectors import OutsideCity, district_and_parcel_at
from permits.catalogue import service_type_is_online
from permits.filing.errors import OutsideCityRejected, ParcelRequired, ServiceNotOnline
from permits.models import Department, ServiceType
from permits.zoning import zoning_check

logger = logging.getLogger(__name__)


def _district_names(districts) -> str:
    separator = "، " if is_persian() else ", "
    return separator.join(d.name for d in districts)


def request_route(*, point: Point, service_type: ServiceType) -> tuple[District, float | None, Any]:
    """District, snap distance and parcel for filing `service_type` at `point`, or the
    typed rejection: outside the city, not online in that district, no parcel."""
    try:
        match, parcel = district_and_parcel_at(point)
    except OutsideCity as outside:
        raise OutsideCityRejected(str(outside), errors={"location": [str(outside)]}) from None
    district = match.district
    if not service_type_is_online(service_type, district):
        online = list(service_type.online_districts.order_by("code"))
        message = _(
            "“%(service)s” is not yet online in %(district)s. It is online in: %(where)s."
        ) % {
            "service": service_type.name,
            "district": district.name,
            "where": _district_names(online),
        }
        raise ServiceNotOnline(message, errors={"service_code": [message]})
    if service_type.needs_parcel and parcel is None:
        message = _(
            "A permit needs a parcel: there is no parcel at this point. Click inside your "
            "parcel or search for it by renovation code or address."
        )
        raise ParcelRequired(message, errors={"location": [message]})
    return district, match.snapped_m, parcel


def zoning_flag_and_note(
    *, point: Point, service_type: ServiceType, attributes: dict
) -> tuple[bool, str]:
    """For a permit: (use or floors not allowed here, the explanation); else (False, "")."""
    if not service_type.is_permit:
        return False, ""
    floors = attributes.get("floors")
    verdict = zoning_check(
        point=point,
        use=attributes.get("intended_use"),
        floors=int(floors) if isinstance(floors, int | float) else None,
    )
    if verdict is None:
        return False, ""
    return (not verdict.allowed), verdict.explanation


def department_for(*, point: Point, service_type: ServiceType) -> tuple[Department, bool]:
    """The department that handles the request, and whether a routing rule chose it."""
    override = routing_override_for(point=point, service_code=service_type.code)
    if override and override != service_type.department.code:
        department = Department.objects.filter(code=override).first()
        if department is not None:
            return department, True
        logger.warning("routing override names unknown department %r", override)
    return service_type.department, False


def routed_note(district: District, department: Department, overridden: bool) -> str:
    note = _("Routed to %(district)s, %(department)s.") % {
        "district": district.name,
        "department": department.name,
    }
    if overridden:
        note += " " + _("This location is handled by %(department)s (routing rule).") % {
            "department": department.name
        }
    return note
