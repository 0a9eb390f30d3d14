"""Import a file as a new version of a layer.

`layer_import` is the one import path: the staff upload page, the Django admin, the
`import_layer` command and `load_demo_layers` all call it. It checks the file before
any data moves (size, zip entries, driver allow-list, GeoJSON `crs` links, CRS, feature
and vertex caps), reads features with GDAL, reprojects them to EPSG:4326 (traditional
lon/lat axis order), and inside one transaction loads them into a new LayerVersion,
repairing invalid geometries with ST_MakeValid (the geometry type re-checked) or
refusing them with the reason. A refused file raises LayerImportError and writes
nothing; the currently published version keeps serving.
"""

import datetime
import hashlib
import json
import math
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.contrib.gis.gdal import CoordTransform, OGRGeometry, SpatialReference
from django.contrib.gis.gdal.error import GDALException
from django.contrib.gis.geos import Polygon
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from psycopg2.extras import execute_values

from gis_portal.core.vector_files import UnsafeVectorFile, extract_zip_safely, open_vector
from layers.models import Layer, LayerVersion
from layers.services.publish import layer_publish

WGS84 = 4326
ACCEPTED_SUFFIXES = {".geojson", ".json", ".zip", ".gpkg"}
BATCH = 2000


class LayerImportError(ValueError):
    """The file was refused as a whole; the message says why, for a person."""


@dataclass(frozen=True)
class ImportLimits:
    max_bytes: int
    max_features: int
    max_vertices: int


def import_limits() -> ImportLimits:
    return ImportLimits(
        max_bytes=getattr(settings, "LAYER_MAX_UPLOAD_BYTES", 50 * 1024 * 1024),
        max_features=getattr(settings, "LAYER_MAX_FEATURES", 200_000),
        max_vertices=getattr(settings, "LAYER_MAX_VERTICES", 100_000),
    )


@dataclass
class ImportReport:
    source: str
    sha256: str = ""
    driver: str = ""
    source_layer: str = ""
    source_crs: str = ""
    crs_declared: bool = False
    features_read: int = 0
    features_imported: int = 0
    geometry_types: dict[str, int] = field(default_factory=dict)
    schema: dict[str, str] = field(default_factory=dict)
    repaired: list[dict] = field(default_factory=list)  # {"fid", "reason"}
    refused: list[dict] = field(default_factory=list)  # {"fid", "reason"}
    extent: list[float] | None = None  # [minx, miny, maxx, maxy] in EPSG:4326
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass(frozen=True)
class ImportResult:
    version: LayerVersion
    report: ImportReport


OGR_JSON_TYPES = {
    "OFTInteger": "integer",
    "OFTInteger64": "integer",
    "OFTReal": "number",
    "OFTString": "string",
    "OFTDate": "date",
    "OFTDateTime": "date-time",
    "OFTTime": "string",
    "OFTStringList": "array",
    "OFTIntegerList": "array",
    "OFTInteger64List": "array",
    "OFTRealList": "array",
}
LIST_VALUE = re.compile(r"^\((\d+):(.*)\)$", re.DOTALL)


def layer_import(
    *,
    layer: Layer,
    path: str | Path,
    source_name: str | None = None,
    declared_srid: int | None = None,
    user=None,
    publish: bool = False,
    progress: Callable[[int], None] | None = None,
) -> ImportResult:
    """Import the file at `path` as a new version of `layer` (published if `publish`).

    Raises LayerImportError when the file is refused; nothing is written then.
    """
    path = Path(path)
    source_name = source_name or path.name
    limits = import_limits()
    suffix = Path(source_name).suffix.lower()
    _check_file(path, suffix, limits)
    with tempfile.TemporaryDirectory(prefix="layer-import-") as workdir:
        source, report = _open_source(path, suffix, Path(workdir), source_name)
        transform = _coordinate_transform(source, declared_srid, report)
        report.schema = {
            name: OGR_JSON_TYPES.get(kind.__name__, "string")
            for name, kind in zip(source.fields, source.field_types, strict=True)
        }
        count = source.num_feat
        if count > limits.max_features:
            raise LayerImportError(
                _("The file has %(count)s features; the limit is %(limit)s.")
                % {"count": count, "limit": limits.max_features}
            )
        with transaction.atomic():
            number = (layer.versions.aggregate(n=Max("number"))["n"] or 0) + 1
            version = LayerVersion.objects.create(
                layer=layer,
                number=number,
                created_by=user if getattr(user, "is_authenticated", False) else None,
                source_name=source_name[:255],
                source_crs=report.source_crs[:120],
            )
            _load_features(version, source, transform, layer, report, limits, progress)
            if report.features_imported == 0:
                raise LayerImportError(_("No feature of the file could be imported."))
            _finish_version(version, report)
            if publish:
                layer_publish(version=version)
    return ImportResult(version=version, report=report)


def _check_file(path: Path, suffix: str, limits: ImportLimits) -> None:
    """Refuse the file by its name and size before GDAL opens it."""
    if suffix not in ACCEPTED_SUFFIXES:
        raise LayerImportError(
            _("Upload a GeoJSON (.geojson), a zipped Shapefile (.zip) or a GeoPackage (.gpkg).")
        )
    try:
        size = path.stat().st_size
    except OSError:
        raise LayerImportError(_("The file could not be read.")) from None
    if size == 0:
        raise LayerImportError(_("The file is empty."))
    if size > limits.max_bytes:
        raise LayerImportError(
            _("The file is too large (%(size)s MB; the limit is %(limit)s MB).")
            % {"size": round(size / 1048576, 1), "limit": round(limits.max_bytes / 1048576, 1)}
        )


def _open_source(path: Path, suffix: str, workdir: Path, source_name: str):
    """Open the file with GDAL: its first layer, and the report begun for it."""
    try:
        dataset_path = _dataset_path(path, suffix, workdir)
        datasource = open_vector(dataset_path)
    except UnsafeVectorFile as error:
        raise LayerImportError(str(error)) from None
    report = ImportReport(
        source=source_name, driver=datasource.driver.name, sha256=file_sha256(path)
    )
    if datasource.layer_count < 1:
        raise LayerImportError(_("The file has no layer."))
    source = datasource[0]
    if datasource.layer_count > 1:
        report.warnings.append(
            _("The file has %(count)s layers; only the first (%(name)s) was read.")
            % {"count": datasource.layer_count, "name": source.name}
        )
    report.source_layer = source.name
    return source, report


def _dataset_path(path: Path, suffix: str, workdir: Path) -> Path:
    """The file GDAL should open: the upload itself, or the one dataset in the zip."""
    if suffix != ".zip":
        # GDAL picks drivers by content, but the GeoJSON checks rely on the suffix.
        target = workdir / f"upload{suffix}"
        target.symlink_to(path.resolve())
        return target
    extracted = extract_zip_safely(path, workdir / "zip")
    candidates = [p for p in extracted if p.suffix.lower() in {".shp", ".gpkg", ".geojson"}]
    if len(candidates) != 1:
        raise UnsafeVectorFile(
            _("The zip file must hold exactly one dataset (.shp with its .dbf/.shx/.prj).")
        )
    return candidates[0]


def _coordinate_transform(source, declared_srid: int | None, report: ImportReport):
    """The transform from the file's CRS (or the declared one) to EPSG:4326."""
    srs = source.srs
    if declared_srid is not None:
        try:
            srs = SpatialReference(int(declared_srid))
        except (GDALException, ValueError, TypeError):
            raise LayerImportError(
                _("EPSG:%(code)s is not a coordinate system this server knows.")
                % {"code": declared_srid}
            ) from None
        report.crs_declared = True
    if srs is None:
        raise LayerImportError(
            _("The file does not say which coordinate system it uses; declare its EPSG code.")
        )
    if srs.local or not (srs.geographic or srs.projected):
        raise LayerImportError(
            _("The file's coordinate system is unknown (%(name)s); declare its EPSG code.")
            % {"name": srs.name or "?"}
        )
    try:
        code = srs.srid
        if code is None:
            srs.identify_epsg()
            code = srs.srid
    except GDALException:
        code = None
    report.source_crs = f"EPSG:{code}" if code else (srs.name or "")
    try:
        target = SpatialReference(WGS84)
        if code == WGS84:
            return None
        return CoordTransform(srs, target)
    except GDALException:
        raise LayerImportError(
            _("Coordinates in %(name)s cannot be converted to WGS84; declare its EPSG code.")
            % {"name": report.source_crs}
        ) from None


def _json_value(value, kind: str | None = None):
    if value is None:
        return None
    if kind == "array" and isinstance(value, str):
        match = LIST_VALUE.match(value)
        items = match.group(2).split(",") if match else [value]
        numbers = []
        for item in items:
            try:
                numbers.append(float(item) if "." in item else int(item))
            except ValueError:
                return items
        return numbers
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, bool | int | str):
        return value
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.hex()
    return str(value)


def _feature_time(value) -> datetime.datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime.datetime):
        moment = value
    elif isinstance(value, datetime.date):
        moment = datetime.datetime.combine(value, datetime.time())
    else:
        text = str(value)
        moment = parse_datetime(text)
        if moment is None:
            day = parse_date(text[:10])
            moment = datetime.datetime.combine(day, datetime.time()) if day else None
    if moment is not None and timezone.is_naive(moment):
        moment = timezone.make_aware(moment, datetime.UTC)
    return moment


def _load_features(version, source, transform, layer, report, limits, progress) -> None:
    """Read features into a temporary table, repair or refuse, insert the good ones."""
    with connection.cursor() as cursor:
        cursor.execute(
            """CREATE TEMP TABLE IF NOT EXISTS layer_load (
                   fid int, g geometry(Geometry, 4326), properties jsonb, t timestamptz
               ) ON COMMIT DROP"""
        )
        cursor.execute("TRUNCATE layer_load")
        _stage_features(cursor, source, transform, layer, report, limits, progress)
        _repair(cursor, report)
        cursor.execute(
            """INSERT INTO layers_feature (version_id, fid, geom, properties, time)
               SELECT %s, fid, g, properties, t FROM layer_load ORDER BY fid""",
            [version.pk],
        )
        report.features_imported = cursor.rowcount
        _summarise(cursor, report)
        cursor.execute("TRUNCATE layer_load")
    report.refused.sort(key=lambda item: item["fid"])


def _stage_features(cursor, source, transform, layer, report, limits, progress) -> None:
    """Copy the acceptable features into layer_load, in batches; note the refused ones."""
    rows = []
    for index, feature in enumerate(source, start=1):
        report.features_read = index
        if index > limits.max_features:
            raise LayerImportError(
                _("The file has more than %(limit)s features.") % {"limit": limits.max_features}
            )
        properties = {}
        for name in source.fields:
            try:
                properties[name] = _json_value(feature.get(name), report.schema.get(name))
            except (GDALException, UnicodeDecodeError):
                properties[name] = None
        try:
            geometry = feature.geom
        except GDALException:
            geometry = None
        reason = _geometry_problem(geometry, limits)
        if reason:
            report.refused.append({"fid": index, "reason": reason})
            continue
        if transform is not None:
            try:
                geometry = _transformed(geometry, transform)
            except GDALException:
                report.refused.append(
                    {"fid": index, "reason": _("The coordinates could not be reprojected.")}
                )
                continue
        moment = _feature_time(properties.get(layer.time_property)) if layer.time_property else None
        rows.append(
            (index, bytes(geometry.wkb), json.dumps(properties, ensure_ascii=False), moment)
        )
        if len(rows) >= BATCH:
            _flush(cursor, rows)
            if progress:
                progress(index)
    _flush(cursor, rows)
    if progress:
        progress(report.features_read)


def _summarise(cursor, report: ImportReport) -> None:
    """The extent and the geometry type counts of the staged features."""
    cursor.execute(
        """SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e)
           FROM (SELECT ST_Extent(g)::geometry AS e FROM layer_load) x"""
    )
    extent = cursor.fetchone()
    if extent and extent[0] is not None:
        report.extent = [round(value, 7) for value in extent]
    cursor.execute(
        "SELECT substr(ST_GeometryType(g), 4), count(*) FROM layer_load GROUP BY 1 ORDER BY 1"
    )
    report.geometry_types = dict(cursor.fetchall())


def _transformed(geometry: OGRGeometry, transform) -> OGRGeometry:
    geometry.transform(transform)
    return geometry


def _geometry_problem(geometry: OGRGeometry | None, limits: ImportLimits) -> str | None:
    if geometry is None:
        return _("The feature has no geometry.")
    if geometry.empty:
        return _("The geometry is empty.")
    if geometry.point_count > limits.max_vertices:
        return _("The geometry has %(count)s vertices; the limit is %(limit)s.") % {
            "count": geometry.point_count,
            "limit": limits.max_vertices,
        }
    return None


def _flush(cursor, rows: list) -> None:
    if rows:
        execute_values(
            cursor.cursor,
            "INSERT INTO layer_load (fid, g, properties, t) VALUES %s",
            rows,
            template="(%s, ST_Force2D(ST_SetSRID(ST_GeomFromWKB(%s), 4326)), %s::jsonb, %s)",
            page_size=500,
        )
        rows.clear()


def _repair(cursor, report: ImportReport) -> None:
    """ST_MakeValid each invalid geometry; keep it if it is still of its dimension."""
    cursor.execute(
        """SELECT fid, ST_IsValidReason(g) FROM layer_load
           WHERE NOT ST_IsValid(g) ORDER BY fid"""
    )
    invalid = cursor.fetchall()
    if not invalid:
        return
    cursor.execute(
        """UPDATE layer_load
           SET g = ST_CollectionExtract(ST_MakeValid(g), ST_Dimension(g) + 1)
           WHERE NOT ST_IsValid(g)
           RETURNING fid, ST_IsEmpty(g) OR NOT ST_IsValid(g) AS unusable"""
    )
    unusable = {fid for fid, bad in cursor.fetchall() if bad}
    for fid, reason in invalid:
        if fid in unusable:
            report.refused.append(
                {
                    "fid": fid,
                    "reason": _(
                        "Invalid geometry (%(reason)s) that could not be repaired "
                        "without changing its type."
                    )
                    % {"reason": reason},
                }
            )
        else:
            report.repaired.append(
                {"fid": fid, "reason": _("Repaired: %(reason)s") % {"reason": reason}}
            )
    if unusable:
        cursor.execute("DELETE FROM layer_load WHERE fid = ANY(%s)", [sorted(unusable)])


def _finish_version(version: LayerVersion, report: ImportReport) -> None:
    version.feature_count = report.features_imported
    version.geometry_types = sorted(report.geometry_types)
    version.schema = report.schema
    version.report = report.as_dict()
    if report.extent:
        minx, miny, maxx, maxy = report.extent
        if minx == maxx or miny == maxy:  # a single point or a straight line
            minx, miny, maxx, maxy = minx - 1e-6, miny - 1e-6, maxx + 1e-6, maxy + 1e-6
        version.extent = Polygon.from_bbox((minx, miny, maxx, maxy))
        version.extent.srid = WGS84
    version.full_clean()
    version.save()


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()
