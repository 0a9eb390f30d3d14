"""Top-level routes. Each app owns its own urls.py."""

from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from django.views.i18n import JavaScriptCatalog
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from gis_portal.site import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("admin/", admin.site.urls),
    # Staff sign in at /staff/login/; Django's auth URLs stay for logout and passwords.
    path("accounts/login/", RedirectView.as_view(url="/staff/login/", query_string=True)),
    path("accounts/", include("django.contrib.auth.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("", include("parcels.urls")),
    path("", include("permits.urls")),
    path("staff/", include("permits.staff.urls")),
    path("open311/v2/", include("permits.open311.urls")),
    path("", include("layers.urls")),
    path("", include("permits.permitting.urls")),
]

handler400 = "gis_portal.site.views.bad_request"
handler404 = "gis_portal.site.views.not_found"
