"""Opening uploaded vector files safely with GDAL.

- Only allow-listed drivers are tried (no VRT, no network drivers), whatever the
  file is called or contains.
- Zip archives are checked entry by entry before anything is extracted.
- A GeoJSON `crs` member that is a link is refused: GDAL would fetch it.
"""

import json
import os
import stat
import zipfile
from ctypes import c_char_p
from pathlib import Path

from django.contrib.gis.gdal import DataSource, Driver
from django.contrib.gis.gdal.error import GDALException
from django.contrib.gis.gdal.prototypes import ds as capi
from django.utils.translation import gettext as _

ALLOWED_DRIVERS = ("GeoJSON", "ESRI Shapefile", "GPKG")
ARCHIVE_SUFFIXES = {".zip", ".gz", ".tgz", ".tar", ".7z", ".rar", ".bz2", ".xz", ".kmz"}
MAX_ZIP_ENTRIES = 64
MAX_ZIP_TOTAL_BYTES = 1024 * 1024 * 1024
MAX_COMPRESSION_RATIO = 200


class UnsafeVectorFile(ValueError):
    """The file was refused before GDAL read it; the message says why."""


def open_vector(path: str | os.PathLike, *, allowed_drivers=ALLOWED_DRIVERS) -> DataSource:
    """Open `path` read-only with GDAL, trying only the allowed drivers."""
    path = Path(path)
    head = _head(path)
    if head.startswith(b"<"):
        # XML: a VRT (or GML/KML) under any name. Not one of our formats, ever.
        raise UnsafeVectorFile(_("The file is not GeoJSON (it looks like XML or VRT)."))
    if path.suffix.lower() in {".geojson", ".json"} or head[:1] in (b"{", b"["):
        # GeoJSON by name or by content: GDAL sniffs content, so must we.
        refuse_geojson_crs_link(path)
    names = (c_char_p * (len(allowed_drivers) + 1))()
    for index, name in enumerate(allowed_drivers):
        names[index] = name.encode()
    names[len(allowed_drivers)] = None
    Driver.ensure_registered()
    try:
        pointer = capi.open_ds(
            str(path).encode(), capi.GDAL_OF_READONLY | capi.GDAL_OF_VECTOR, names, None, None
        )
    except GDALException:
        pointer = None
    if not pointer:
        raise UnsafeVectorFile(
            _("The file could not be read as %(formats)s.")
            % {"formats": ", ".join(allowed_drivers)}
        )
    return DataSource(pointer, ds_driver=capi.get_dataset_driver(pointer))


def _head(path: Path, size: int = 512) -> bytes:
    """The first bytes of a file without a BOM or leading white space (b"" for a folder)."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(size)
    except (IsADirectoryError, FileNotFoundError, PermissionError):
        return b""
    return head.removeprefix(b"\xef\xbb\xbf").lstrip()


def refuse_geojson_crs_link(path: Path, *, max_bytes: int = 200 * 1024 * 1024) -> None:
    """Refuse a GeoJSON whose (top-level or geometry) `crs` is a link, or that is not JSON."""
    if path.stat().st_size > max_bytes:
        raise UnsafeVectorFile(_("The GeoJSON file is too large."))
    if _head(path).startswith(b"<"):
        raise UnsafeVectorFile(_("The file is not GeoJSON (it looks like XML or VRT)."))
    try:
        document = json.loads(path.read_text(encoding="utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise UnsafeVectorFile(
            _("The file is not valid GeoJSON: %(error)s") % {"error": error}
        ) from None

    def check(node, depth=0):
        if depth > 64:
            raise UnsafeVectorFile(_("The GeoJSON is nested too deeply."))
        if isinstance(node, dict):
            crs = node.get("crs")
            if isinstance(crs, dict) and str(crs.get("type", "")).lower() == "link":
                raise UnsafeVectorFile(_("A GeoJSON 'crs' link is not accepted."))
            if isinstance(crs, dict) and _fetchable_crs_name(crs):
                # GDAL's SetFromUserInput fetches a URL given as a CRS name.
                raise UnsafeVectorFile(_("A GeoJSON 'crs' name that is a URL is not accepted."))
            for key in ("features", "geometry", "geometries"):
                if key in node:
                    check(node[key], depth + 1)
        elif isinstance(node, list):
            for item in node:
                check(item, depth + 1)

    check(document)


OGC_CRS_URL = "http://www.opengis.net/def/crs/"


def _fetchable_crs_name(crs: dict) -> bool:
    properties = crs.get("properties")
    name = properties.get("name") if isinstance(properties, dict) else None
    if not isinstance(name, str):
        return False
    name = name.strip().lower()
    return "://" in name and not name.startswith(OGC_CRS_URL)


def extract_zip_safely(archive: str | os.PathLike, destination: str | os.PathLike) -> list[Path]:
    """Extract a zip after checking every entry; returns the extracted file paths.

    Refused: absolute paths or `..`, symlinks, nested archives, VRT files (by name or
    by content), too many entries, too many bytes, suspicious compression ratios.
    """
    destination = Path(destination).resolve()
    try:
        bundle = zipfile.ZipFile(archive)
    except zipfile.BadZipFile:
        raise UnsafeVectorFile(_("The zip file is damaged or not a zip file.")) from None
    with bundle:
        entries = [entry for entry in bundle.infolist() if not entry.is_dir()]
        if len(entries) > MAX_ZIP_ENTRIES:
            raise UnsafeVectorFile(_("The zip file has too many entries."))
        total = 0
        for entry in entries:
            name = entry.filename
            target = (destination / name).resolve()
            if name.startswith(("/", "\\")) or ".." in Path(name).parts or ":" in name:
                raise UnsafeVectorFile(
                    _("The zip file has an unsafe path: %(name)s") % {"name": name}
                )
            if not target.is_relative_to(destination):
                raise UnsafeVectorFile(
                    _("The zip file has an unsafe path: %(name)s") % {"name": name}
                )
            if stat.S_ISLNK(entry.external_attr >> 16):
                raise UnsafeVectorFile(_("The zip file contains a link: %(name)s") % {"name": name})
            suffix = Path(name).suffix.lower()
            if suffix in ARCHIVE_SUFFIXES:
                raise UnsafeVectorFile(_("Archives inside the zip are not accepted."))
            if suffix == ".vrt":
                raise UnsafeVectorFile(_("VRT files are not accepted."))
            total += entry.file_size
            if total > MAX_ZIP_TOTAL_BYTES:
                raise UnsafeVectorFile(_("The zip file expands to too many bytes."))
            if (
                entry.compress_size
                and entry.file_size / entry.compress_size > MAX_COMPRESSION_RATIO
            ):
                raise UnsafeVectorFile(_("The zip file is compressed suspiciously well."))
        extracted = []
        for entry in entries:
            target = destination / entry.filename
            target.parent.mkdir(parents=True, exist_ok=True)
            with bundle.open(entry) as source, open(target, "wb") as sink:
                written = 0
                while chunk := source.read(1024 * 1024):
                    written += len(chunk)
                    if written > entry.file_size:  # the header lied about the size
                        raise UnsafeVectorFile(_("The zip file is damaged."))
                    sink.write(chunk)
            if _head(target).startswith((b"<OGRVRTDataSource", b"<VRTDataset")):
                raise UnsafeVectorFile(_("VRT files are not accepted."))
            extracted.append(target)
        return extracted
