"""URL routes of this app (included by gis_portal/urls.py)."""

from django.urls import path

from permits import views
from permits.api import catalogue, filing, tracking, zoning

urlpatterns = [
    path("api/services/", catalogue.ServicesAtApi.as_view(), name="api-services"),
    path("api/requests/", filing.RequestCreateApi.as_view(), name="api-request-create"),
    path(
        "api/requests/<str:code>/", tracking.RequestDetailApi.as_view(), name="api-request-detail"
    ),
    path(
        "api/requests/<str:code>/support/",
        tracking.RequestSupportApi.as_view(),
        name="api-request-support",
    ),
    path("api/zoning-check/", zoning.ZoningCheckApi.as_view(), name="api-zoning-check"),
    path("requests/new/", views.request_new, name="request-new"),
    path("requests/filed/<str:code>/", views.request_filed, name="request-filed"),
    path("track/", views.track, name="track"),
    path("track/<str:code>/", views.track_detail, name="track-detail"),
    path("track/<str:code>/support/", views.track_support, name="track-support"),
]
