"""The planners' workspace under /staff/ (included by gis_portal/urls.py): pages, exports
and the staff JSON API under /staff/api/."""

from django.urls import path

from permits.staff import api as staff_api
from permits.staff import api_schema  # noqa: F401  (documents the views of staff_api)
from permits.staff import views as staff_views

urlpatterns = [
    path("", staff_views.queue, name="staff-queue"),
    path("login/", staff_views.StaffLoginView.as_view(), name="staff-login"),
    path("dashboard/", staff_views.dashboard_page, name="staff-dashboard"),
    path("export.<str:fmt>", staff_views.export, name="staff-export"),
    path("requests/<str:code>/", staff_views.request_detail, name="staff-request"),
    path(
        "requests/<str:code>/<str:action>/",
        staff_views.request_action,
        name="staff-request-action",
    ),
    path("api/requests/", staff_api.QueueApi.as_view(), name="staff-api-queue"),
    path("api/requests.geojson", staff_api.QueuePointsApi.as_view(), name="staff-api-points"),
    path(
        "api/requests/<str:code>/", staff_api.RequestDetailApi.as_view(), name="staff-api-request"
    ),
    path(
        "api/requests/<str:code>/transition/",
        staff_api.TransitionApi.as_view(),
        name="staff-api-transition",
    ),
    path("api/requests/<str:code>/notes/", staff_api.NoteApi.as_view(), name="staff-api-note"),
    path(
        "api/requests/<str:code>/reassign/",
        staff_api.ReassignApi.as_view(),
        name="staff-api-reassign",
    ),
    path(
        "api/requests/<str:code>/duplicate/",
        staff_api.DuplicateApi.as_view(),
        name="staff-api-duplicate",
    ),
    path("api/dashboard/", staff_api.DashboardApi.as_view(), name="staff-api-dashboard"),
]
