"""Admin for districts and parcels, with an offline map widget."""

from django.contrib import admin
from django.contrib.gis import admin as gis_admin
from django.contrib.gis.forms.widgets import OpenLayersWidget

from parcels.models import District, Parcel


class OfflineMapWidget(OpenLayersWidget):
    """Django's OpenLayers widget with OpenLayers from our npm assets and the districts
    (from /api/districts/) as the base layer instead of external tiles."""

    template_name = "gis/offline_openlayers.html"
    map_srid = 3857
    default_lon = 59.6062
    default_lat = 36.2970
    default_zoom = 12

    class Media:
        extend = False  # the parent's Media loads OpenLayers from a CDN
        css = {"all": ("vendor/ol/ol.css", "gis/css/ol3.css")}
        js = ("vendor/ol/dist/ol.js", "gis/js/OLMapWidget.js")

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context.update(
            default_lon=self.default_lon,
            default_lat=self.default_lat,
            default_zoom=self.default_zoom,
        )
        return context


class OfflineGISAdmin(gis_admin.GISModelAdmin):
    gis_widget = OfflineMapWidget


@admin.register(District)
class DistrictAdmin(OfflineGISAdmin):
    list_display = ["code", "name_fa", "name_en", "office_phone"]
    search_fields = ["name_fa", "name_en"]


@admin.register(Parcel)
class ParcelAdmin(OfflineGISAdmin):
    list_display = ["renovation_code", "district", "land_use", "area_m2", "address"]
    list_filter = ["district", "land_use"]
    search_fields = ["renovation_code", "address", "postal_code"]
    readonly_fields = ["area_m2"]
    list_select_related = ["district"]
    show_full_result_count = False
