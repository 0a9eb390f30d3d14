from django.apps import AppConfig


class GisPortalConfig(AppConfig):
    name = "gis_portal"
    verbose_name = "GIS Portal"
