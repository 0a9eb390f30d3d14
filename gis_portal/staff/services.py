"""Writes on staff accounts."""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction

from gis_portal.staff.models import StaffProfile, StaffRole
from parcels.models import District


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
