"""Districts from a file: a handful, read and checked feature by feature in Python."""

from django.contrib.gis.gdal import CoordTransform, SpatialReference
from django.contrib.gis.geos import GEOSException, MultiPolygon, Polygon
from django.db import transaction

from parcels.imports.report import ImportReport, Rollback
from parcels.models import District


def polygonal_wgs84(ogr_geometry, to_wgs84, report: ImportReport, ident: str):
    """(MultiPolygon in 4326, None) or (None, reason). Repairs are noted in the report."""
    if ogr_geometry is None:
        return None, "no geometry"
    try:
        ogr_geometry.transform(to_wgs84)
        # One GDAL call; GEOSGeometry.extent walks the coordinates in Python (it was half
        # of the import's time). A repair never reaches beyond the original envelope.
        xmin, _ymin, xmax, _ymax = ogr_geometry.extent
        geometry = ogr_geometry.geos
    except Exception as error:  # GDAL and GEOS raise several types here
        return None, f"unreadable geometry ({error})"
    if geometry.empty:
        return None, "empty geometry"
    if not geometry.valid:
        reason = geometry.valid_reason
        try:
            geometry = geometry.make_valid()
        except GEOSException as error:
            return None, f"invalid and not repairable ({reason}; {error})"
        if geometry.geom_type == "GeometryCollection":
            parts = [g for g in geometry if isinstance(g, Polygon | MultiPolygon)]
            polygons = [
                p for part in parts for p in (part if isinstance(part, MultiPolygon) else [part])
            ]
            geometry = MultiPolygon(*polygons) if polygons else geometry
        if geometry.geom_type not in ("Polygon", "MultiPolygon") or geometry.empty:
            return None, f"invalid ({reason}); repair gave {geometry.geom_type}, not a polygon"
        report.repaired.append((ident, reason))
    if geometry.geom_type == "Polygon":
        geometry = MultiPolygon(geometry)
    if geometry.geom_type != "MultiPolygon":
        return None, f"{geometry.geom_type} is not a polygon"
    geometry.srid = 4326
    if not (-180 <= xmin <= xmax <= 180):
        return None, "coordinates outside WGS84 after reprojection"
    return geometry, None


def districts_load(rows, report: ImportReport) -> None:
    for ident, values, geometry in rows:
        try:
            code = int(str(values["code"]).strip())
        except (TypeError, ValueError):
            report.refused.append((ident, f"district code {values.get('code')!r} is not a number"))
            continue
        district = District.objects.filter(code=code).first() or District(code=code)
        district.name_fa = str(values.get("name_fa") or "").strip()
        district.name_en = str(values.get("name_en") or district.name_fa).strip()
        district.geom = geometry
        try:
            district.full_clean()
        except Exception as error:
            report.refused.append((ident, "; ".join(getattr(error, "messages", [str(error)]))))
            continue
        district.save()
        report.loaded += 1


def districts_import(
    *, layer, mapping: dict[str, str], available: set, report: ImportReport, commit: bool
) -> None:
    """Read the districts of `layer`, then load them in one transaction (rolled back
    unless `commit`)."""
    to_wgs84 = CoordTransform(layer.srs, SpatialReference(4326))

    def features():
        for index, feature in enumerate(layer, start=1):
            report.features += 1
            values = {
                target: feature.get(source_name)
                for target, source_name in mapping.items()
                if source_name in available
            }
            ident = str(values.get("renovation_code") or values.get("code") or f"#{index}")
            geometry, problem = polygonal_wgs84(feature.geom, to_wgs84, report, ident)
            if geometry is None:
                report.refused.append((ident, problem))
                continue
            yield ident, values, geometry

    rows = list(features())  # the few districts are read first

    try:
        with transaction.atomic():
            districts_load(rows, report)
            if not commit:
                raise Rollback
            report.committed = True
    except Rollback:
        pass
