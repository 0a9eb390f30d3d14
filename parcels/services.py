"""Writes for districts and parcels: demo loading, bulk loading, imports from files.

Every write of many parcels goes through `parcels_bulk_load` (COPY into a temporary
table, then one INSERT … SELECT), whether the rows come from the demo generator or a
GDAL import. Areas are computed by the database (Parcel.area_m2 is generated).
"""

import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.contrib.gis.geos import GEOSGeometry, MultiPolygon
from django.db import connection, transaction

from parcels.demo import DemoParcel, demo_districts, demo_parcels
from parcels.models import District, Parcel

COPY_BATCH = 50_000


@dataclass
class ParcelRow:
    """One parcel ready for loading. `wkt` is a (multi)polygon in EPSG:4326."""

    renovation_code: str
    wkt: str
    land_use: str = "residential"
    address: str = ""
    postal_code: str = ""
    district_code: int | None = None  # None: assigned from the geometry's centre point


@dataclass
class LoadReport:
    loaded: int = 0
    refused: list[tuple[str, str]] = field(default_factory=list)  # (identifier, reason)
    repaired: list[tuple[str, str]] = field(default_factory=list)


def _copy_text(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\t", " ").replace("\n", " ").replace("\r", " ")


def parcels_bulk_load(
    rows: Iterable[ParcelRow | DemoParcel],
    *,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Insert parcels quickly; existing renovation codes are left as they are.

    Rows are streamed with COPY into a temporary table in batches, then inserted in
    one statement per batch. A row without a district code gets the district covering
    its centre (the lowest code on an edge, as `district_at`). Runs in the caller's
    transaction. Returns the number of parcels inserted.
    """
    inserted = 0
    with connection.cursor() as cursor:
        cursor.execute(
            """CREATE TEMP TABLE IF NOT EXISTS parcel_load (
                   renovation_code text, district_code int, wkt text,
                   land_use text, address text, postal_code text
               ) ON COMMIT DROP"""
        )
        batch = io.StringIO()
        size = 0

        def flush() -> int:
            nonlocal batch, size
            if not size:
                return 0
            batch.seek(0)
            cursor.copy_expert("COPY parcel_load FROM STDIN", batch)
            cursor.execute(
                """INSERT INTO parcels_parcel
                       (renovation_code, district_id, geom, land_use, address, postal_code)
                   SELECT l.renovation_code, d.id, ST_Multi(ST_GeomFromText(l.wkt, 4326)),
                          l.land_use, l.address, l.postal_code
                   FROM parcel_load l
                   JOIN LATERAL (
                       SELECT id FROM parcels_district d
                       WHERE (l.district_code IS NOT NULL AND d.code = l.district_code)
                          OR (l.district_code IS NULL AND ST_Covers(
                                d.geom, ST_PointOnSurface(ST_GeomFromText(l.wkt, 4326))))
                       ORDER BY d.code LIMIT 1
                   ) d ON true
                   ON CONFLICT (renovation_code) DO NOTHING"""
            )
            count = cursor.rowcount
            cursor.execute("TRUNCATE parcel_load")
            batch, size = io.StringIO(), 0
            return count

        for row in rows:
            district = "\\N" if row.district_code is None else str(row.district_code)
            fields = [
                row.renovation_code,
                district,
                row.wkt,
                row.land_use,
                row.address,
                row.postal_code,
            ]
            batch.write("\t".join(_copy_text(f) if f != "\\N" else f for f in fields) + "\n")
            size += 1
            if size >= COPY_BATCH:
                inserted += flush()
                if progress:
                    progress(inserted)
        inserted += flush()
        if progress:
            progress(inserted)
    return inserted


@transaction.atomic
def districts_load_demo() -> int:
    """Create or update the 13 demo districts; returns how many were created."""
    created = 0
    for demo in demo_districts():
        _, was_created = District.objects.update_or_create(
            code=demo.code,
            defaults={
                "name_fa": demo.name_fa,
                "name_en": demo.name_en,
                "geom": MultiPolygon(*GEOSGeometry(demo.geom.wkt, srid=4326), srid=4326),
                "office_address": demo.office_address,
                "office_phone": demo.office_phone,
            },
        )
        created += was_created
    return created


@transaction.atomic
def parcels_generate(*, count: int, seed: int = 11, progress=None) -> int:
    """Generate `count` deterministic demo parcels (needs the demo districts)."""
    return parcels_bulk_load(demo_parcels(count, seed=seed), progress=progress)


def parcel_count() -> int:
    return Parcel.objects.count()


# --- Imports of real data from files (GeoJSON, GeoPackage, zipped Shapefile) ---------


class BoundaryImportError(Exception):
    """The file as a whole cannot be imported; nothing was written."""


class MappingError(BoundaryImportError):
    """The field mapping names attributes the file does not have."""


@dataclass
class ImportReport:
    kind: str
    features: int = 0
    loaded: int = 0
    skipped_existing: int = 0
    repaired: list[tuple[str, str]] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)
    committed: bool = False

    def lines(self) -> list[str]:
        head = "committed" if self.committed else "dry run (nothing written; add --commit)"
        out = [
            f"{self.kind}: {self.features} features read, {self.loaded} loaded, "
            f"{self.skipped_existing} already present, {len(self.repaired)} repaired, "
            f"{len(self.refused)} refused — {head}"
        ]
        out += [f"  repaired {ident}: {reason}" for ident, reason in self.repaired]
        out += [f"  refused {ident}: {reason}" for ident, reason in self.refused]
        return out


DISTRICT_FIELDS = {"code": "code", "name_fa": "name_fa", "name_en": "name_en"}
PARCEL_FIELDS = {
    "renovation_code": "renovation_code",
    "land_use": "land_use",
    "address": "address",
    "postal_code": "postal_code",
    "district_code": "district_code",
}
REQUIRED_FIELDS = {"districts": {"code", "name_fa"}, "parcels": {"renovation_code"}}


class _Rollback(Exception):
    pass


def boundaries_import(
    *,
    path: str,
    kind: str,
    field_map: dict[str, str] | None = None,
    commit: bool = False,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Import districts or parcels from a vector file, in one transaction.

    `field_map` maps model fields to the file's attribute names (defaults: same names).
    Geometries are reprojected to EPSG:4326, invalid ones repaired (the type checked
    again afterwards) or refused with the reason. Without `commit` the whole import
    runs and is rolled back, so the report is exact and nothing is written.
    """
    import tempfile

    from django.contrib.gis.gdal import CoordTransform, SpatialReference
    from django.contrib.gis.gdal.error import GDALException

    from gis_portal.vector_files import UnsafeVectorFile, extract_zip_safely, open_vector

    if kind not in REQUIRED_FIELDS:
        raise BoundaryImportError(f"unknown kind {kind!r}: use districts or parcels")
    defaults = DISTRICT_FIELDS if kind == "districts" else PARCEL_FIELDS
    unknown = set(field_map or {}) - set(defaults)
    if unknown:
        raise MappingError(f"unknown target field(s): {', '.join(sorted(unknown))}")
    mapping = {**defaults, **(field_map or {})}
    report = ImportReport(kind=kind)

    with tempfile.TemporaryDirectory(prefix="boundary-import-") as workdir:
        source = path
        try:
            if str(path).lower().endswith(".zip"):
                files = extract_zip_safely(path, workdir)
                shapefiles = [f for f in files if f.suffix.lower() == ".shp"]
                if len(shapefiles) != 1:
                    raise BoundaryImportError("the zip must hold exactly one Shapefile (.shp)")
                source = str(shapefiles[0])
            layer = open_vector(source)[0]
        except (UnsafeVectorFile, GDALException, IndexError) as error:
            raise BoundaryImportError(str(error)) from error
        if layer.srs is None:
            raise BoundaryImportError("the file has no coordinate reference system")
        available = set(layer.fields)
        missing = {mapping[f] for f in REQUIRED_FIELDS[kind]} - available
        if missing:
            raise MappingError(
                f"the file has no attribute(s) {', '.join(sorted(missing))}; "
                f"it has: {', '.join(sorted(available)) or 'none'} (use --field target=source)"
            )
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
                geometry, problem = _polygonal_wgs84(feature.geom, to_wgs84, report, ident)
                if geometry is None:
                    report.refused.append((ident, problem))
                    continue
                yield ident, values, geometry

        # Parcels stream from the file to COPY (a million of them do not fit in memory as
        # geometries); the few districts are read first.
        rows = features() if kind == "parcels" else list(features())

        try:
            with transaction.atomic():
                if kind == "districts":
                    _load_districts(rows, report)
                else:
                    _load_parcels(rows, report, progress)
                if not commit:
                    raise _Rollback
                report.committed = True
        except _Rollback:
            pass
    return report


def _polygonal_wgs84(ogr_geometry, to_wgs84, report: ImportReport, ident: str):
    """(MultiPolygon in 4326, None) or (None, reason). Repairs are noted in the report."""
    from django.contrib.gis.geos import GEOSException, Polygon

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


def _load_districts(rows, report: ImportReport) -> None:
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


def _load_parcels(rows, report: ImportReport, progress) -> None:
    """Check and load parcel rows as they stream in: renovation codes already stored are
    counted per chunk of 10,000 (before the chunk is loaded), then COPY in batches."""
    from django.core.exceptions import ValidationError

    from parcels.models import LandUse, renovation_code_validator

    counts = {"valid": 0, "existing": 0}

    def counted(chunk: list[ParcelRow]) -> list[ParcelRow]:
        counts["valid"] += len(chunk)
        counts["existing"] += Parcel.objects.filter(
            renovation_code__in=[row.renovation_code for row in chunk]
        ).count()
        return chunk

    def parcel_rows():
        chunk: list[ParcelRow] = []
        for ident, values, geometry in rows:
            code = str(values.get("renovation_code") or "").strip()
            try:
                renovation_code_validator(code)
            except ValidationError:
                report.refused.append(
                    (ident, "renovation code is not district-region-block-parcel")
                )
                continue
            land_use = str(values.get("land_use") or LandUse.RESIDENTIAL).strip().lower()
            if land_use not in LandUse.values:
                report.refused.append((ident, f"unknown land use {land_use!r}"))
                continue
            district_code = values.get("district_code")
            chunk.append(
                ParcelRow(
                    renovation_code=code,
                    wkt=geometry.wkt,
                    land_use=land_use,
                    address=str(values.get("address") or "").strip()[:300],
                    postal_code="".join(
                        ch for ch in str(values.get("postal_code") or "") if ch.isdigit()
                    )[:10],
                    district_code=int(district_code)
                    if str(district_code or "").isdigit()
                    else None,
                )
            )
            if len(chunk) >= 10_000:
                yield from counted(chunk)
                chunk = []
        yield from counted(chunk)

    inserted = parcels_bulk_load(parcel_rows(), progress=progress)
    existing = counts["existing"]
    report.loaded += inserted
    report.skipped_existing += existing
    unplaced = counts["valid"] - inserted - existing
    if unplaced > 0:
        report.refused.append(
            (f"{unplaced} parcel(s)", "outside every district, or an unknown district code")
        )
