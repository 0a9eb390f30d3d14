"""URL routes of the layers app (included at the root by gis_portal/urls.py)."""

from django.urls import path, re_path

from layers import views
from layers.ogc import maps
from layers.ogc import views as ogc

urlpatterns = [
    # The public catalogue and downloads.
    path("layers/", views.catalogue, name="layer-catalogue"),
    path("layers/<slug:slug>.geojson", views.download_geojson, name="layer-geojson"),
    path("layers/<slug:slug>.gpkg", views.download_gpkg, name="layer-gpkg"),
    path("api/layers/", maps.LayerListApi.as_view(), name="api-layers"),
    # OGC API - Features.
    path("ogc/", ogc.LandingApi.as_view(), name="ogc-landing"),
    path("ogc/conformance", ogc.ConformanceApi.as_view(), name="ogc-conformance"),
    path("ogc/api", ogc.OpenApiDocument.as_view(), name="ogc-api"),
    path("ogc/collections", ogc.CollectionsApi.as_view(), name="ogc-collections"),
    path("ogc/collections/<str:collection_id>", ogc.CollectionApi.as_view(), name="ogc-collection"),
    path(
        "ogc/collections/<str:collection_id>/queryables",
        ogc.QueryablesApi.as_view(),
        name="ogc-queryables",
    ),
    path("ogc/collections/<str:collection_id>/items", ogc.ItemsApi.as_view(), name="ogc-items"),
    path(
        "ogc/collections/<str:collection_id>/items/<str:feature_id>",
        ogc.ItemApi.as_view(),
        name="ogc-item",
    ),
    # Vector tiles.
    path("tiles/<str:collection_id>.json", maps.TileJsonApi.as_view(), name="tilejson"),
    path(
        "tiles/<str:collection_id>/<int:z>/<int:x>/<int:y>.mvt", maps.TileApi.as_view(), name="tile"
    ),
    re_path(r"^tiles/(?P<collection_id>[^/]+)/(?P<rest>.+)$", maps.BadTileApi.as_view()),
    # GIS staff.
    path("staff/layers/", views.staff_layers, name="staff-layers"),
    path("staff/layers/upload/", views.staff_upload, name="staff-layer-upload"),
    path("staff/layers/versions/<int:pk>/", views.staff_version, name="staff-layer-version"),
    path(
        "staff/layers/versions/<int:pk>/publish/",
        views.staff_publish,
        name="staff-layer-publish",
    ),
    path(
        "staff/layers/<slug:slug>/unpublish/", views.staff_unpublish, name="staff-layer-unpublish"
    ),
]
