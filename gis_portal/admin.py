"""Django's admin autodiscovery imports `<app>.admin`: the staff admin lives in gis_portal.staff."""

from gis_portal.staff import admin as staff_admin  # noqa: F401
