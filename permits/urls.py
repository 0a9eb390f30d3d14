"""URL routes of this app (included by gis_portal/urls.py)."""

urlpatterns: list = []
