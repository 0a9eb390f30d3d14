"""URL routes of the layers app (included at the root by gis_portal/urls.py)."""

from django.urls import path, re_path

from layers import api, views

urlpatterns = [
    # The public catalogue and downloads.
    path("layers/", views.catalogue, name="layer-catalogue"),
    path("layers/<slug:slug>.geojson", views.download_geojson, name="layer-geojson"),
    path("layers/<slug:slug>.gpkg", views.download_gpkg, name="layer-gpkg"),
    path("api/layers/", api.LayerListApi.as_view(), name="api-layers"),
    # OGC API - Features.
    path("ogc/", api.LandingApi.as_view(), name="ogc-landing"),
    path("ogc/conformance", api.ConformanceApi.as_view(), name="ogc-conformance"),
    path("ogc/api", api.OpenApiDocument.as_view(), name="ogc-api"),
    path("ogc/collections", api.CollectionsApi.as_view(), name="ogc-collections"),
    path("ogc/collections/<str:collection_id>", api.CollectionApi.as_view(), name="ogc-collection"),
    path(
        "ogc/collections/<str:collection_id>/queryables",
        api.QueryablesApi.as_view(),
        name="ogc-queryables",
    ),
    path("ogc/collections/<str:collection_id>/items", api.ItemsApi.as_view(), name="ogc-items"),
    path(
        "ogc/collections/<str:collection_id>/items/<str:feature_id>",
        api.ItemApi.as_view(),
        name="ogc-item",
    ),
    # Vector tiles.
    path("tiles/<str:collection_id>.json", api.TileJsonApi.as_view(), name="tilejson"),
    path(
        "tiles/<str:collection_id>/<int:z>/<int:x>/<int:y>.mvt", api.TileApi.as_view(), name="tile"
    ),
    re_path(r"^tiles/(?P<collection_id>[^/]+)/(?P<rest>.+)$", api.BadTileApi.as_view()),
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
