"""Import districts or parcels from a vector file (GeoJSON, GeoPackage, zipped Shapefile)."""

import tempfile
from collections.abc import Callable

from django.contrib.gis.gdal.error import GDALException

from gis_portal.core.vector_files import UnsafeVectorFile, extract_zip_safely, open_vector
from parcels.imports.districts import districts_import
from parcels.imports.report import (
    DISTRICT_FIELDS,
    PARCEL_FIELDS,
    REQUIRED_FIELDS,
    BoundaryImportError,
    ImportReport,
    MappingError,
)
from parcels.imports.staging import parcels_import_staged


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

    Districts (a handful) are read feature by feature in Python; parcels (up to
    millions) are loaded by ogr2ogr into a staging table and checked, repaired and
    inserted by a few set-based statements (`parcels_import_staged`).
    """
    if kind not in REQUIRED_FIELDS:
        raise BoundaryImportError(f"unknown kind {kind!r}: use districts or parcels")
    defaults = DISTRICT_FIELDS if kind == "districts" else PARCEL_FIELDS
    unknown = set(field_map or {}) - set(defaults)
    if unknown:
        raise MappingError(f"unknown target field(s): {', '.join(sorted(unknown))}")
    mapping = {**defaults, **(field_map or {})}
    report = ImportReport(kind=kind)

    with tempfile.TemporaryDirectory(prefix="boundary-import-") as workdir:
        source, layer = _open_layer(path, workdir)
        if layer.srs is None:
            raise BoundaryImportError("the file has no coordinate reference system")
        available = set(layer.fields)
        missing = {mapping[f] for f in REQUIRED_FIELDS[kind]} - available
        if missing:
            raise MappingError(
                f"the file has no attribute(s) {', '.join(sorted(missing))}; "
                f"it has: {', '.join(sorted(available)) or 'none'} (use --field target=source)"
            )
        if kind == "parcels":
            return parcels_import_staged(
                source=source,
                layer=layer,
                mapping={t: s for t, s in mapping.items() if s in available},
                report=report,
                commit=commit,
                progress=progress,
            )
        districts_import(
            layer=layer, mapping=mapping, available=available, report=report, commit=commit
        )
    return report


def _open_layer(path: str, workdir: str):
    """The file GDAL reads (the one Shapefile of a zip) and its first layer."""
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
    return source, layer
