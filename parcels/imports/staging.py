"""Parcels from a file: ogr2ogr into a staging table, then checks and one INSERT in SQL.

Reading parcels through Python (one GDAL/GEOS object per feature) is too slow for a
city's million parcels. Here ogr2ogr (COPY) loads the raw layer into an UNLOGGED
staging table over its own connection, outside the import's transaction; the checks
and repairs are a few set-based statements over that table, and the parcels are
written by one INSERT inside the transaction (so a dry run or a failure still writes
nothing). The staging table is dropped at the end, whatever happened.
"""

import logging
import os
import subprocess
import time
import uuid
from collections.abc import Callable

from django.contrib.gis.gdal import Driver
from django.db import IntegrityError, connection, transaction

from gis_portal.core.i18n import EASTERN_DIGITS
from gis_portal.core.vector_files import ALLOWED_DRIVERS
from parcels.imports.report import BoundaryImportError, ImportReport, Rollback
from parcels.models import LandUse, renovation_code_validator
from parcels.services import parcels_insert_sql

#: With at least this many parcels to load into an empty parcels table, its secondary
#: indexes and district foreign key are dropped before the INSERT and recreated after
#: (same transaction): one index build is much cheaper than a million index updates.
REBUILD_INDEXES_MIN_ROWS = 50_000

#: The staged geometry lies within longitude/latitude bounds.
IN_RANGE = (
    "ST_XMin(s.geom) >= -180 AND ST_XMax(s.geom) <= 180 "
    "AND ST_YMin(s.geom) >= -90 AND ST_YMax(s.geom) <= 90"
)

#: Columns of the staging table that ogr2ogr adds itself.
_STAGING_COLUMNS = {"staging_fid", "geom"}


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _conninfo() -> tuple[str, dict[str, str]]:
    """ogr2ogr's "PG:" connection string for Django's database, and its environment
    (the password only through PGPASSWORD, never on the command line)."""
    settings = connection.settings_dict
    parts = {
        "dbname": settings["NAME"],
        "host": settings.get("HOST"),
        "port": settings.get("PORT"),
        "user": settings.get("USER"),
        "sslmode": (settings.get("OPTIONS") or {}).get("sslmode"),
    }
    text = " ".join(
        f"{key}='{str(value).replace(chr(92), chr(92) * 2).replace(chr(39), chr(92) + chr(39))}'"
        for key, value in parts.items()
        if value
    )
    env = dict(os.environ)
    if settings.get("PASSWORD"):
        env["PGPASSWORD"] = str(settings["PASSWORD"])
    return f"PG:{text}", env


def _gdal_skip() -> str:
    """Every GDAL driver but the allowed input formats and PostgreSQL (the output), for
    GDAL_SKIP: ogr2ogr then reads the file with the driver `open_vector` accepted, never
    VRT or a network driver (ogr2ogr 3.6 has no -if)."""
    Driver.ensure_registered()
    keep = {*ALLOWED_DRIVERS, "PostgreSQL"}
    names = {Driver(index).name for index in range(Driver.driver_count())}
    return ",".join(sorted(names - keep))


def _stage(source: str, layer, mapping: dict[str, str], table: str) -> None:
    """Load the raw layer into the UNLOGGED table `table` with ogr2ogr (COPY): the mapped
    attributes under their own names, `geom` (any type, 2D, in EPSG:4326) and
    `staging_fid` (the feature's position, from 1)."""
    fields = sorted(set(mapping.values()))
    clash = [name for name in fields if name.lower() in _STAGING_COLUMNS]
    if clash:
        raise BoundaryImportError(
            f"the attribute name(s) {', '.join(clash)} cannot be imported; rename them"
        )
    target, env = _conninfo()
    command = [
        "ogr2ogr",
        "--config",
        "PG_USE_COPY",
        "YES",
        "--config",
        "GDAL_SKIP",
        _gdal_skip(),
        "-f",
        "PostgreSQL",
        target,
        source,
        layer.name,
        "-nln",
        table,
        "-nlt",
        "GEOMETRY",  # whatever the file has: non-polygons are refused with a reason
        "-dim",
        "XY",
        "-gt",
        "unlimited",
        "-lco",
        "SPATIAL_INDEX=NONE",
        "-lco",
        "GEOMETRY_NAME=geom",
        "-lco",
        "UNLOGGED=ON",
        "-lco",
        "FID=staging_fid",
        "-lco",
        "LAUNDER=NO",  # columns keep the file's attribute names
        "-lco",
        "PRECISION=NO",  # no varchar(n) that a too-long value would fail
    ]
    if layer.srs.srid != 4326 or layer.srs.projected:
        # Reprojecting costs even when it changes nothing (1.3 s per million parcels).
        command += ["-t_srs", "EPSG:4326"]
    # ogr2ogr 3.6 splits -select on spaces and commas: load every attribute otherwise.
    if all(name and not set(name) & set(" ,\"'") for name in fields):
        command += ["-select", ",".join(fields)]
    try:
        done = subprocess.run(  # noqa: S603 - fixed program, arguments as a list
            command, env=env, capture_output=True, text=True, check=False
        )
    except OSError as error:
        raise BoundaryImportError(f"ogr2ogr could not be run: {error}") from error
    if done.returncode != 0:
        detail = " ".join(done.stderr.strip().splitlines()[-3:]) or f"exit {done.returncode}"
        raise BoundaryImportError(f"the file could not be read by ogr2ogr: {detail}")


def _drop_staging(table: str) -> None:
    """Drop the staging table: on Django's connection (which may hold a lock on it in a
    surrounding transaction), or else on a connection of its own."""
    statement = f"DROP TABLE IF EXISTS {table}"
    try:
        with connection.cursor() as cursor:
            cursor.execute(statement)
        return
    except Exception:  # noqa: BLE001 - any failure: try on a connection of our own
        pass
    try:
        own = connection.get_new_connection(connection.get_connection_params())
        try:
            own.autocommit = True
            with own.cursor() as cursor:
                cursor.execute("SET lock_timeout = '10s'")
                cursor.execute(statement)
        finally:
            own.close()
    except Exception:  # noqa: BLE001 - reported, not raised over the import's own error
        logging.getLogger(__name__).warning("could not drop the staging table %s", table)


def parcels_import_staged(
    *,
    source: str,
    layer,
    mapping: dict[str, str],
    report: ImportReport,
    commit: bool,
    progress: Callable[[int], None] | None,
) -> ImportReport:

    table = f"import_staging_{uuid.uuid4().hex}"
    started = time.perf_counter()

    def lap(stage: str) -> None:
        nonlocal started
        now = time.perf_counter()
        report.timings[stage] = report.timings.get(stage, 0.0) + now - started
        started = now

    try:
        _stage(source, layer, mapping, table)
        lap("staging load")
        try:
            with transaction.atomic():
                _check_and_insert(table, mapping, report, lap)
                if not commit:
                    raise Rollback
                report.committed = True
        except Rollback:
            pass
    finally:
        _drop_staging(table)
    if progress:
        progress(report.features)
    return report


def _check_and_insert(table: str, mapping: dict[str, str], report: ImportReport, lap) -> None:
    """Check, repair and insert the staged parcels in the current transaction."""
    ident, code, land_use, values = _expressions(mapping)
    params = {
        "pattern": renovation_code_validator.regex.pattern,
        "land_uses": list(LandUse.values),
    }
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 - our table
        report.features = cursor.fetchone()[0]
        problems = _problems(cursor, table, ident, code, land_use, params)
        lap("SQL checks")

        fixes = f"{table}_fixes"
        repairs = _repair_invalid(cursor, table, fixes, problems)
        refused_ids = _problem_reasons(problems, repairs, report)
        lap("repairs")

        skip = f"{table}_skip"
        where = _skip_refused(cursor, skip, refused_ids)
        geom = "s.geom"
        joins = ""
        if repairs:
            geom = "coalesce(f.geom, s.geom)"
            joins = f"LEFT JOIN {fixes} f ON f.staging_fid = s.staging_fid"
        selected = ", ".join(f"{sql} AS {name}" for name, sql in values.items())
        rows = f"""SELECT {selected}, ST_SetSRID(ST_Multi({geom}), 4326) AS geom
                   FROM {table} s {joins} WHERE {where}"""  # noqa: S608
        valid = report.features - len(refused_ids)

        cursor.execute("SELECT EXISTS (SELECT 1 FROM parcels_parcel)")
        target_empty = not cursor.fetchone()[0]
        existing = 0
        if not target_empty:
            existing = _count_existing(cursor, rows, params)
            lap("existing codes")

        rebuild = target_empty and valid >= REBUILD_INDEXES_MIN_ROWS
        restore = _drop_parcel_indexes(cursor) if rebuild else []
        if rebuild:
            lap("index work")
        inserted = _insert(cursor, rows, params, target_empty=target_empty)
        lap("INSERT")
        if restore:
            cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
            for statement in restore:
                cursor.execute(statement)
            lap("index work")
        for name in (fixes, skip):
            cursor.execute(f"DROP TABLE IF EXISTS {name}")

    report.loaded += inserted
    report.skipped_existing += existing
    unplaced = valid - inserted - existing
    if unplaced > 0:
        report.refused.append(
            (f"{unplaced} parcel(s)", "outside every district, or an unknown district code")
        )


def _problems(cursor, table: str, ident: str, code: str, land_use: str, params: dict) -> list:
    """Every staged row with a problem, by staging id: (id, report identifier, no
    geometry?, empty?, invalidity reason, geometry type, in range?, code ok?, land use)."""
    # One scan (parallel where the planner likes) finds every row with a problem.
    cursor.execute(
        f"""SELECT s.staging_fid, {ident}, s.geom IS NULL, ST_IsEmpty(s.geom),
                   CASE WHEN NOT ST_IsEmpty(s.geom) AND NOT ST_IsValid(s.geom)
                        THEN ST_IsValidReason(s.geom) END,
                   replace(ST_GeometryType(s.geom), 'ST_', ''),
                   coalesce({IN_RANGE}, false),
                   coalesce({code} ~ %(pattern)s, false),
                   {land_use}
            FROM {table} s
            WHERE s.geom IS NULL OR ST_IsEmpty(s.geom) OR NOT ST_IsValid(s.geom)
               OR ST_GeometryType(s.geom) NOT IN ('ST_Polygon', 'ST_MultiPolygon')
               OR NOT coalesce({IN_RANGE}, false)
               OR NOT coalesce({code} ~ %(pattern)s, false)
               OR NOT ({land_use} = ANY(%(land_uses)s))""",  # noqa: S608 - quoted names, values are params
        params,
    )
    # Sorted here: an ORDER BY made the planner walk the staging key instead of a
    # parallel scan.
    return sorted(cursor.fetchall())


def _count_existing(cursor, rows: str, params: dict) -> int:
    """How many of the selected parcels have a renovation code already stored."""
    cursor.execute(
        f"""SELECT count(*) FROM ({rows}) l
            WHERE EXISTS (SELECT 1 FROM parcels_parcel p
                          WHERE p.renovation_code = l.renovation_code)""",  # noqa: S608
        params,
    )
    return cursor.fetchone()[0]


def _expressions(mapping: dict[str, str]):
    """SQL expressions over the staging row `s`: its identifier for the report, the
    renovation code, the land use, and every stored column's value."""

    def column(target: str) -> str:
        return f"s.{_quote(mapping[target])}::text" if target in mapping else "NULL::text"

    def stripped(expression: str) -> str:
        return f"btrim({expression}, E' \\t\\r\\n')"

    raw_code = column("renovation_code")
    code = stripped(raw_code)
    ident = f"coalesce(nullif({raw_code}, ''), '#' || s.staging_fid)"
    land_use_given = column("land_use")
    land_use = f"lower({stripped(f'coalesce(nullif({land_use_given}, $$$$), $$residential$$)')})"
    district = stripped(column("district_code"))
    address = column("address")
    postal_code = column("postal_code")
    values = {
        "renovation_code": code,
        "district_code": f"CASE WHEN {district} ~ '^[0-9]{{1,4}}$' THEN {district}::int END",
        "land_use": land_use,
        "address": f"left({stripped(f'coalesce({address}, $$$$)')}, 300)",
        "postal_code": (
            f"left(regexp_replace(translate(coalesce({postal_code}, ''), "
            f"'{EASTERN_DIGITS}', '{'0123456789' * 2}'), '[^0-9]', '', 'g'), 10)"
        ),
    }
    return ident, code, land_use, values


def _repair_invalid(cursor, table: str, fixes: str, problems) -> dict[int, tuple[str, bool]]:
    """ST_MakeValid the invalid geometries into the temporary table `fixes`; returns
    {staging id: (geometry type made, empty?)}."""
    invalid = [row[0] for row in problems if row[4] is not None]
    repairs: dict[int, tuple[str, bool]] = {}
    if invalid:
        cursor.execute(
            f"""CREATE TEMP TABLE {fixes} ON COMMIT DROP AS
                SELECT s.staging_fid, ST_CollectionExtract(m.geom, 3) AS geom,
                       replace(ST_GeometryType(m.geom), 'ST_', '') AS made
                FROM {table} s CROSS JOIN LATERAL (SELECT ST_MakeValid(s.geom) AS geom) m
                WHERE s.staging_fid = ANY(%s)""",  # noqa: S608
            [invalid],
        )
        cursor.execute(f"SELECT staging_fid, made, ST_IsEmpty(geom) FROM {fixes}")  # noqa: S608
        repairs = {fid: (made, empty) for fid, made, empty in cursor.fetchall()}
    return repairs


def _skip_refused(cursor, skip: str, refused_ids: list[int]) -> str:
    """The WHERE condition leaving out the refused rows (listed in the table `skip`)."""
    where = "true"
    if refused_ids:
        cursor.execute(
            f"""CREATE TEMP TABLE {skip} ON COMMIT DROP AS
                SELECT unnest(%s::int[]) AS staging_fid""",
            [refused_ids],
        )
        cursor.execute(f"ALTER TABLE {skip} ADD PRIMARY KEY (staging_fid)")
        where = f"NOT EXISTS (SELECT 1 FROM {skip} k WHERE k.staging_fid = s.staging_fid)"  # noqa: S608
    return where


def _insert(cursor, rows: str, params: dict, *, target_empty: bool) -> int:
    """INSERT the parcels selected by `rows`; returns how many were inserted."""
    if target_empty:
        # Nothing stored yet: a plain INSERT (a duplicate code within the file then
        # raises, and the INSERT is redone skipping duplicates).
        try:
            with transaction.atomic():
                cursor.execute(parcels_insert_sql(rows, on_conflict=False), params)
        except IntegrityError as error:
            if getattr(error.__cause__, "pgcode", None) != "23505":
                raise
            cursor.execute(parcels_insert_sql(rows), params)
    else:
        cursor.execute(parcels_insert_sql(rows), params)
    return cursor.rowcount


def _problem_reasons(problems, repairs: dict[int, tuple[str, bool]], report) -> list[int]:
    """Note repairs and refusals as the feature-by-feature import did; returns the
    staging ids of the refused rows."""
    refused: list[int] = []
    for fid, ident, no_geom, empty, invalid, geom_type, in_range, code_ok, land_use in problems:
        reason = None
        if no_geom:
            reason = "no geometry"
        elif empty:
            reason = "empty geometry"
        elif invalid is not None:
            made, repair_empty = repairs[fid]
            if repair_empty:
                reason = f"invalid ({invalid}); repair gave {made}, not a polygon"
            else:
                report.repaired.append((ident, invalid))
        elif geom_type not in ("Polygon", "MultiPolygon"):
            reason = f"{geom_type} is not a polygon"
        if reason is None and not in_range:
            reason = "coordinates outside WGS84 after reprojection"
        if reason is None and not code_ok:
            reason = "renovation code is not district-region-block-parcel"
        if reason is None and land_use not in LandUse.values:
            reason = f"unknown land use {land_use!r}"
        if reason is not None:
            report.refused.append((ident, reason))
            refused.append(fid)
    return refused


def _drop_parcel_indexes(cursor) -> list[str]:
    """Drop parcels_parcel's secondary indexes and its foreign keys; returns the
    statements that recreate them exactly (from pg_get_indexdef/pg_get_constraintdef).
    Indexes that back a constraint (primary key, unique) stay."""
    cursor.execute(
        """SELECT c.relname, pg_get_indexdef(i.indexrelid)
           FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
           WHERE i.indrelid = 'parcels_parcel'::regclass
             AND NOT i.indisprimary AND NOT i.indisunique
             AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
           ORDER BY c.relname"""
    )
    indexes = cursor.fetchall()
    cursor.execute(
        """SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint
           WHERE conrelid = 'parcels_parcel'::regclass AND contype = 'f'
           ORDER BY conname"""
    )
    keys = cursor.fetchall()
    for name, _definition in keys:
        cursor.execute(f"ALTER TABLE parcels_parcel DROP CONSTRAINT {_quote(name)}")
    if indexes:
        cursor.execute("DROP INDEX " + ", ".join(_quote(name) for name, _ in indexes))
    return [
        *(
            f"ALTER TABLE parcels_parcel ADD CONSTRAINT {_quote(name)} {definition}"
            for name, definition in keys
        ),
        *(definition for _name, definition in indexes),
    ]
