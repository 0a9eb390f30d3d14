"""Django loads an app's models from `<app>.models`: the staff models live in
gis_portal.staff and are registered here."""

from gis_portal.staff.models import StaffProfile, StaffRole

__all__ = ["StaffProfile", "StaffRole"]
