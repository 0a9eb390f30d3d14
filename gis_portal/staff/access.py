"""Who may do what: the one place the access rules live.

Roles (gis_portal.staff.models.StaffRole):

planner      sees and changes the requests of their own districts only
supervisor   every district; may reassign; sees KPIs; not the requesters' contact details
gis_staff    layers only: no requests at all
admin        everything (a superuser without a profile counts as admin)

The request-level filter built on these rules is `permits.access.requests_visible_to`.
"""

from __future__ import annotations

from gis_portal.staff.models import StaffProfile, StaffRole


def staff_role(user) -> str | None:
    """The user's role, or None for citizens, anonymous and inactive users."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    try:
        profile = user.staff_profile
    except (StaffProfile.DoesNotExist, AttributeError):
        profile = None
    if profile is not None:
        return profile.role
    if user.is_superuser:
        return StaffRole.ADMIN
    return None


def district_ids_of(user) -> list[int] | None:
    """District ids a user's requests are limited to; None means every district."""
    role = staff_role(user)
    if role in (StaffRole.SUPERVISOR, StaffRole.ADMIN):
        return None
    if role == StaffRole.PLANNER:
        return list(user.staff_profile.districts.values_list("id", flat=True))
    return []


def can_work_requests(user) -> bool:
    """May open the request workspace at all (queue, request pages, exports, dashboard)."""
    return staff_role(user) in (StaffRole.PLANNER, StaffRole.SUPERVISOR, StaffRole.ADMIN)


def can_reassign(user) -> bool:
    """Send a request to another district or department: supervisors and administrators."""
    return staff_role(user) in (StaffRole.SUPERVISOR, StaffRole.ADMIN)


def can_see_contact(user) -> bool:
    """The requester's name, phone and email: the district planner who handles the
    request and administrators. Supervisors oversee figures and routing, not people."""
    return staff_role(user) in (StaffRole.PLANNER, StaffRole.ADMIN)


def can_manage_layers(user) -> bool:
    """Upload, publish and restore layers: GIS staff and administrators."""
    return staff_role(user) in (StaffRole.GIS_STAFF, StaffRole.ADMIN)
