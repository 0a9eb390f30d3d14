"""Open311 GeoReport v2 routes (included at /open311/v2/ by gis_portal/urls.py).

Every endpoint takes the spec's format suffix, `.json` or `.xml` (JSON without one).
"""

from django.urls import re_path

from permits.open311 import views as open311

FMT = r"(?:\.(?P<fmt>json|xml))?$"

urlpatterns = [
    re_path(r"^discovery" + FMT, open311.discovery, name="open311-discovery"),
    re_path(r"^services" + FMT, open311.services, name="open311-services"),
    re_path(
        r"^services/(?P<service_code>[^/]+?)" + FMT,
        open311.service_definition,
        name="open311-service-definition",
    ),
    re_path(r"^requests" + FMT, open311.requests_endpoint, name="open311-requests"),
    re_path(
        r"^requests/(?P<request_id>[^/]+?)" + FMT,
        open311.request_detail,
        name="open311-request-detail",
    ),
    re_path(r"^tokens/(?P<token>[^/]+?)" + FMT, open311.token_detail, name="open311-token"),
]
