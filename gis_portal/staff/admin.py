"""The user admin with the staff role and districts inline."""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from gis_portal.staff.models import StaffProfile

User = get_user_model()


class StaffProfileInline(admin.StackedInline):
    model = StaffProfile
    can_delete = True
    max_num = 1
    filter_horizontal = ["districts"]
    extra = 0


if admin.site.is_registered(User):
    admin.site.unregister(User)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    inlines = [*BaseUserAdmin.inlines, StaffProfileInline]
    list_display = [*BaseUserAdmin.list_display, "staff_role"]
    list_select_related = ["staff_profile"]

    @admin.display(description="role")
    def staff_role(self, user) -> str:
        profile = getattr(user, "staff_profile", None)
        return profile.get_role_display() if profile else ""
