"""Which service requests a staff member may see and change.

`requests_visible_to(user)` is the queryset filter used by every staff page, API
view and export: a request outside it is a 404, whatever the route. The role rules
it reads are in `gis_portal.staff.access`.
"""

from django.db.models import QuerySet

from gis_portal.staff.access import can_work_requests, district_ids_of
from permits.models import ServiceRequest


def requests_visible_to(user, queryset: QuerySet | None = None) -> QuerySet:
    """The requests `user` may see and change (none for citizens and GIS staff)."""
    queryset = ServiceRequest.objects.all() if queryset is None else queryset
    if not can_work_requests(user):
        return queryset.none()
    districts = district_ids_of(user)
    if districts is None:
        return queryset
    return queryset.filter(district_id__in=districts)
