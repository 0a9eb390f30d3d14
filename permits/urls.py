"""URL routes of this app (included by gis_portal/urls.py)."""

from django.urls import path

from permits import api, views

urlpatterns = [
    path("api/services/", api.ServicesAtApi.as_view(), name="api-services"),
    path("api/requests/", api.RequestCreateApi.as_view(), name="api-request-create"),
    path("api/requests/<str:code>/", api.RequestDetailApi.as_view(), name="api-request-detail"),
    path(
        "api/requests/<str:code>/support/",
        api.RequestSupportApi.as_view(),
        name="api-request-support",
    ),
    path("api/zoning-check/", api.ZoningCheckApi.as_view(), name="api-zoning-check"),
    path("requests/new/", views.request_new, name="request-new"),
    path("requests/filed/<str:code>/", views.request_filed, name="request-filed"),
    path("track/", views.track, name="track"),
    path("track/<str:code>/", views.track_detail, name="track-detail"),
    path("track/<str:code>/support/", views.track_support, name="track-support"),
]
