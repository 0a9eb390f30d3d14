"""Who may do what: the one place the access rules live.

Roles (gis_portal.models.StaffRole):

planner      sees and changes the requests of their own districts only
supervisor   every district; may reassign; sees KPIs; not the requesters' contact details
gis_staff    layers only: no requests at all
admin        everything (a superuser without a profile counts as admin)

`requests_visible_to(user)` is the queryset filter used by every staff page, API
view and export: a request outside it is a 404, whatever the route.
"""

from __future__ import annotations

from django.db.models import QuerySet

from gis_portal.models import StaffProfile, StaffRole


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


def requests_visible_to(user, queryset: QuerySet | None = None) -> QuerySet:
    """The requests `user` may see and change (none for citizens and GIS staff)."""
    from permits.models import ServiceRequest

    queryset = ServiceRequest.objects.all() if queryset is None else queryset
    if not can_work_requests(user):
        return queryset.none()
    districts = district_ids_of(user)
    if districts is None:
        return queryset
    return queryset.filter(district_id__in=districts)


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


# --- writes ------------------------------------------------------------------------------


def staff_create(
    *,
    username: str,
    role: str,
    password: str | None = None,
    email: str = "",
    district_codes: list[int] | tuple[int, ...] = (),
    first_name: str = "",
    last_name: str = "",
):
    """Create or update a staff account with its role and districts (idempotent).

    Planners need at least one district; other roles take none. `password=None`
    keeps an existing password (a new account without one cannot log in).
    """
    from django.contrib.auth import get_user_model
    from django.core.exceptions import ValidationError
    from django.db import transaction

    from parcels.models import District

    if role not in StaffRole.values:
        raise ValidationError(f"role must be one of {', '.join(StaffRole.values)}")
    codes = sorted(set(district_codes))
    districts = list(District.objects.filter(code__in=codes))
    if len(districts) != len(codes):
        known = {district.code for district in districts}
        raise ValidationError(f"unknown district codes: {sorted(set(codes) - known)}")
    if role == StaffRole.PLANNER and not districts:
        raise ValidationError("a planner needs at least one district")
    if role != StaffRole.PLANNER and districts:
        raise ValidationError("only planners are limited to districts")
    User = get_user_model()
    with transaction.atomic():
        user = User.objects.filter(username=username).first() or User(username=username)
        user.email = email or user.email
        user.first_name = first_name or user.first_name
        user.last_name = last_name or user.last_name
        user.is_staff = role in (StaffRole.ADMIN, StaffRole.GIS_STAFF)  # Django admin access
        user.is_active = True
        if password is not None:
            user.set_password(password)
        elif user.pk is None:
            user.set_unusable_password()
        user.full_clean(exclude=["password"])
        user.save()
        profile = StaffProfile.objects.filter(user=user).first() or StaffProfile(user=user)
        profile.role = role
        profile.full_clean(exclude=["user"])
        profile.save()
        profile.districts.set(districts)
    return user
