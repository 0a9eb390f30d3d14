"""Staff roles: they span apps (requests in permits, layers in layers), so they live here.

A `StaffProfile` gives a Django user one role and, for planners, the districts they
serve. The access rules that read it are in `gis_portal.staff.access`.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from parcels.models import District


class StaffRole(models.TextChoices):
    PLANNER = "planner", _("District planner")
    SUPERVISOR = "supervisor", _("Supervisor")
    GIS_STAFF = "gis_staff", _("GIS staff")
    ADMIN = "admin", _("Administrator")


class StaffProfile(models.Model):
    """A staff member's role. Planners see only the requests of `districts`."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="staff_profile",
        verbose_name=_("user"),
    )
    role = models.CharField(_("role"), max_length=20, choices=StaffRole.choices)
    districts = models.ManyToManyField(
        District,
        blank=True,
        related_name="staff_profiles",
        verbose_name=_("districts"),
        help_text=_("The districts a planner serves (supervisors and administrators see all)."),
    )

    class Meta:
        verbose_name = _("staff profile")
        verbose_name_plural = _("staff profiles")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role__in=[role.value for role in StaffRole]),
                name="staff_profile_role_valid",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.role})"
