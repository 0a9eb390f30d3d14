"""URL routes (included by gis_portal/urls.py)."""

urlpatterns: list = []
