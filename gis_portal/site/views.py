"""Site-wide pages: the home map, the health check, error pages."""

from django.db import connection
from django.db.utils import DatabaseError
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from gis_portal.core.maps import portal_map


def home(request):
    """The citizen's map: click to find the district and parcel, or search."""
    return render(request, "home.html", {"map": portal_map()})


@never_cache
def healthz(request):
    """200 when PostgreSQL and PostGIS answer, 503 otherwise."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT postgis_lib_version()")
            (postgis,) = cursor.fetchone()
    except DatabaseError as error:
        return JsonResponse({"status": "error", "detail": str(error).strip()}, status=503)
    return JsonResponse({"status": "ok", "postgis": postgis})


def _wants_json(request) -> bool:
    return request.path.startswith(("/api/", "/ogc/", "/open311/", "/tiles/"))


def bad_request(request, exception=None):
    if _wants_json(request):
        return JsonResponse({"detail": "Bad request."}, status=400)
    return render(request, "400.html", status=400)


def not_found(request, exception=None):
    if _wants_json(request):
        return JsonResponse({"detail": "Not found."}, status=404)
    return render(request, "404.html", status=404)
