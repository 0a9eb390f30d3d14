"""The filtered queue as files: CSV (UTF-8 with BOM), GeoJSON and GeoPackage (GDAL).

Exports start from the same access-filtered queue as the pages
(permits.staff.selectors.queue), so a planner's file holds only their districts.
The requester's contact details are columns only for roles allowed to see them
(gis_portal.staff.access.can_see_contact).
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
import tempfile
from pathlib import Path

from django.db.models import F, QuerySet
from django.utils import timezone

from gis_portal.staff import access as roles
from permits.models import RequestStatus, ServiceRequest

FORMATS = {
    "csv": ("text/csv; charset=utf-8", "csv"),
    "geojson": ("application/geo+json", "geojson"),
    "gpkg": ("application/geopackage+sqlite3", "gpkg"),
}
MAX_ROWS = 50_000
CONTACT_COLUMNS = ("contact_name", "contact_phone", "contact_email")
COLUMNS = (
    "tracking_code",
    "status",
    "status_label",
    "service_code",
    "service_name_fa",
    "service_name_en",
    "district_code",
    "department_code",
    "parcel_code",
    "submitted_at",
    "due_at",
    "closed_at",
    "overdue",
    "supporters",
    "description",
    "lat",
    "lon",
)


class ExportFailed(RuntimeError):
    pass


def _columns(user) -> tuple[str, ...]:
    return COLUMNS + (CONTACT_COLUMNS if roles.can_see_contact(user) else ())


def _rows(user, queryset: QuerySet[ServiceRequest]):
    contact = roles.can_see_contact(user)
    # Read from the database: the columns, less those derived below, plus the point.
    derived = {"status_label", "lat", "lon"}
    fields = [column for column in COLUMNS if column not in derived] + ["location"]
    if contact:
        fields += list(CONTACT_COLUMNS)
    values = queryset.annotate(
        service_code=F("service_type__code"),
        service_name_fa=F("service_type__name_fa"),
        service_name_en=F("service_type__name_en"),
        district_code=F("district__code"),
        department_code=F("department__code"),
        parcel_code=F("parcel__renovation_code"),
    ).values(*fields)[:MAX_ROWS]
    labels = dict(RequestStatus.choices)
    for row in values.iterator(chunk_size=2000):
        point = row.pop("location")
        row["status_label"] = str(labels.get(row["status"], row["status"]))
        row["overdue"] = bool(row["overdue"])
        row["parcel_code"] = row["parcel_code"] or ""
        for key in ("submitted_at", "due_at", "closed_at"):
            row[key] = timezone.localtime(row[key]).isoformat() if row[key] else ""
        row["lat"], row["lon"] = round(point.y, 7), round(point.x, 7)
        yield row


def _spreadsheet_safe(value):
    """Text starting with = + - @ is a formula to spreadsheet programs: quote it."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def export_csv(user, queryset: QuerySet[ServiceRequest]) -> bytes:
    columns = _columns(user)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore", lineterminator="\r\n")
    writer.writeheader()
    for row in _rows(user, queryset):
        writer.writerow({key: _spreadsheet_safe(value) for key, value in row.items()})
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _feature_collection(user, queryset: QuerySet[ServiceRequest]) -> dict:
    columns = _columns(user)
    features = []
    for row in _rows(user, queryset):
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [row["lon"], row["lat"]]},
                "properties": {key: row[key] for key in columns if key not in ("lat", "lon")},
            }
        )
    return {"type": "FeatureCollection", "features": features}


def export_geojson(user, queryset: QuerySet[ServiceRequest]) -> bytes:
    return json.dumps(_feature_collection(user, queryset), ensure_ascii=False).encode("utf-8")


def export_gpkg(user, queryset: QuerySet[ServiceRequest]) -> bytes:
    """A GeoPackage written by GDAL's ogr2ogr from the GeoJSON above (our own file,
    in a private temporary folder: nothing user-supplied reaches GDAL as a path)."""
    with tempfile.TemporaryDirectory(prefix="requests-export-") as folder:
        source = Path(folder) / "requests.geojson"
        target = Path(folder) / "requests.gpkg"
        source.write_bytes(export_geojson(user, queryset))
        result = subprocess.run(  # noqa: S603 - fixed arguments
            [
                "ogr2ogr",
                "-f",
                "GPKG",
                str(target),
                str(source),
                "-nln",
                "requests",
                "-a_srs",
                "EPSG:4326",
                "--config",
                "GDAL_HTTP_TIMEOUT",
                "1",
            ],
            capture_output=True,
            timeout=120,
            check=False,
        )
        if result.returncode != 0 or not target.exists():
            raise ExportFailed(result.stderr.decode("utf-8", "replace")[-500:])
        return target.read_bytes()


def export(user, queryset: QuerySet[ServiceRequest], fmt: str) -> tuple[bytes, str, str]:
    """(body, content type, file name) of the queue in `fmt` (csv, geojson, gpkg)."""
    content_type, extension = FORMATS[fmt]
    body = {"csv": export_csv, "geojson": export_geojson, "gpkg": export_gpkg}[fmt](user, queryset)
    name = f"requests-{timezone.localdate():%Y%m%d}.{extension}"
    return body, content_type, name
