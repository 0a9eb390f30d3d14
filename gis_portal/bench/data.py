"""The benchmark database: built once, reused while its generator is unchanged.

Built in three steps, each in a child process on the bench database (so the parent
holds no connection while a database is copied):

1. `base`  — migrate, the 13 demo districts, the demo catalogue and layers, a
   supervisor account. The import database (row 6) is copied from this state.
2. `bulk`  — N generated parcels (`parcels_generate`, COPY-based) and the service
   requests with their history, generated in SQL (INSERT … SELECT over
   generate_series), never one ORM object at a time.
3. VACUUM ANALYZE, the generator hash stored in `bench_meta`, and the parcels exported
   to a GeoPackage with ogr2ogr (the input of the import benchmark).

`generator_hash()` covers this file, the demo generators, the catalogue and the
parameters: when it differs from the stored one, both databases are rebuilt.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import psycopg2

from gis_portal.bench.config import (
    BENCH_PASSWORD,
    BENCH_USERNAME,
    CACHE_DIR,
    MANAGE,
    PYTHON,
    BenchConfig,
    django_env,
    dsn,
)

Log = Callable[[str], None]


# --- run in the parent (psycopg2 only) ---------------------------------------------------


def _admin_connection():
    connection = psycopg2.connect(dsn("postgres"))
    connection.autocommit = True
    return connection


def database_exists(name: str) -> bool:
    with _admin_connection() as connection, connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        return cursor.fetchone() is not None


def _drop_database(name: str) -> None:
    connection = _admin_connection()
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                [name],
            )
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
    finally:
        connection.close()


def _create_database(name: str, template: str | None = None) -> None:
    connection = _admin_connection()
    try:
        with connection.cursor() as cursor:
            if template:
                cursor.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                    [template],
                )
                cursor.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
            else:
                cursor.execute(f'CREATE DATABASE "{name}"')
    finally:
        connection.close()


def stored_hash(config: BenchConfig) -> str | None:
    if not database_exists(config.database):
        return None
    with psycopg2.connect(dsn(config.database)) as connection, connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('bench_meta')")
        if cursor.fetchone()[0] is None:
            return None
        cursor.execute("SELECT value FROM bench_meta WHERE key = 'generator_hash'")
        row = cursor.fetchone()
    return row[0] if row else None


def _manage(config: BenchConfig, database: str, *args: str) -> None:
    subprocess.run(  # noqa: S603 - our own manage.py with fixed arguments
        [PYTHON, MANAGE, *args],
        env=django_env(database),
        check=True,
    )


def migrate(config: BenchConfig, database: str) -> None:
    _manage(config, database, "migrate", "--noinput", "-v", "0")


def gpkg_path(config: BenchConfig) -> Path:
    return CACHE_DIR / f"parcels-{config.parcels}-{config.generator_hash()}.gpkg"


def export_gpkg(config: BenchConfig, log: Log) -> Path:
    """The bench parcels as a GeoPackage (what GIS staff would import), made once."""
    target = gpkg_path(config)
    if target.exists():
        return target
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    for old in CACHE_DIR.glob("parcels-*.gpkg"):
        old.unlink()
    partial = target.with_suffix(".partial.gpkg")
    partial.unlink(missing_ok=True)
    started = time.perf_counter()
    subprocess.run(  # noqa: S603 - fixed arguments
        [
            "ogr2ogr",
            "-f",
            "GPKG",
            str(partial),
            f"PG:{dsn(config.database)}",
            "-sql",
            "SELECT p.renovation_code, p.land_use, p.address, p.postal_code, "
            "d.code AS district_code, p.geom FROM parcels_parcel p "
            "JOIN parcels_district d ON d.id = p.district_id ORDER BY p.id",
            "-nln",
            "parcels",
            "-nlt",
            "MULTIPOLYGON",
            "-a_srs",
            "EPSG:4326",
        ],
        check=True,
        capture_output=True,
    )
    partial.replace(target)
    log(f"  GeoPackage of the parcels written in {time.perf_counter() - started:.0f} s")
    return target


def ensure(config: BenchConfig, log: Log, *, rebuild: bool = False) -> dict:
    """The bench database ready (built or reused); returns what was done and how long."""
    expected = config.generator_hash()
    started = time.perf_counter()
    if not rebuild and stored_hash(config) == expected and database_exists(config.import_database):
        log(f"bench database {config.database}: reused (generator {expected})")
        migrate(config, config.database)  # new migrations of the apps, if any
        migrate(config, config.import_database)
        export_gpkg(config, log)
        return {"built": False, "hash": expected, "seconds": time.perf_counter() - started}

    log(f"bench database {config.database}: building (generator {expected})")
    for name in (config.import_database, config.database):
        _drop_database(name)
    _create_database(config.database)
    migrate(config, config.database)
    step = time.perf_counter()
    _manage(config, config.database, "bench", "--stage", "base", *_stage_args(config))
    log(f"  districts, catalogue, layers, staff: {time.perf_counter() - step:.0f} s")
    _create_database(config.import_database, template=config.database)
    step = time.perf_counter()
    _manage(config, config.database, "bench", "--stage", "bulk", *_stage_args(config))
    log(f"  parcels and requests: {time.perf_counter() - step:.0f} s")
    step = time.perf_counter()
    connection = psycopg2.connect(dsn(config.database))
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
            cursor.execute(
                "CREATE TABLE IF NOT EXISTS bench_meta (key text PRIMARY KEY, value text NOT NULL)"
            )
            cursor.execute(
                "INSERT INTO bench_meta VALUES ('generator_hash', %s) "
                "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
                [expected],
            )
    finally:
        connection.close()
    log(f"  VACUUM ANALYZE: {time.perf_counter() - step:.0f} s")
    export_gpkg(config, log)
    seconds = time.perf_counter() - started
    log(f"bench database built in {seconds:.0f} s")
    return {"built": True, "hash": expected, "seconds": seconds}


def _stage_args(config: BenchConfig) -> list[str]:
    return [
        "--parcels",
        str(config.parcels),
        "--requests",
        str(config.requests),
        "--db",
        config.database,
    ]


# --- run in a child process, Django connected to the bench database ---------------------


def stage_base() -> None:
    """Districts, the demo catalogue and layers, and the supervisor who reads the KPIs."""
    from django.core.management import call_command

    from gis_portal.staff.services import staff_create
    from parcels.services import districts_load_demo

    districts_load_demo()
    call_command("load_demo_services", verbosity=0)
    call_command("load_demo_layers", verbosity=0)
    staff_create(username=BENCH_USERNAME, role="supervisor", password=BENCH_PASSWORD)


def stage_bulk(config: BenchConfig) -> None:
    from django.db import connection, transaction

    from parcels.services import parcels_generate

    with transaction.atomic():
        parcels_generate(count=config.parcels, seed=config.seed)
    with transaction.atomic(), connection.cursor() as cursor:
        requests_generate(cursor, count=config.requests, years=config.years, seed=config.seed)


#: Open statuses of the planners' workflow, and closed ones.
OPEN_STATUSES = ["submitted", "in_review", "accepted", "in_progress", "needs_info"]
CLOSED_STATUSES = ["resolved", "closed", "rejected", "approved"]


def requests_generate(cursor, *, count: int, years: int, seed: int) -> None:
    """`count` requests at points on random parcels over `years` years, with history.
    Long because it is one generator of the bench database, whose hash keys the database:
    splitting it would force a rebuild for no change in what it writes.

    Each service is drawn among those online in the parcel's district. Older requests
    are mostly closed (85 %), recent ones mostly open; closing takes up to twice the
    service's SLA. History: submitted + routed (public, no actor) and, for every
    request that moved, status changes by the supervisor (the dashboard's staff steps).
    """
    cursor.execute("SELECT setseed(%s)", [(seed % 1000) / 1000.0])
    cursor.execute("SELECT id FROM auth_user WHERE username = %s", [BENCH_USERNAME])
    actor = cursor.fetchone()[0]
    cursor.execute("DROP TABLE IF EXISTS bench_types, bench_type_counts")
    cursor.execute(
        """CREATE TEMP TABLE bench_types AS
           SELECT d.id AS district_id, t.id AS type_id, t.department_id, t.sla_days,
                  row_number() OVER (PARTITION BY d.id ORDER BY t.id) AS n
           FROM parcels_district d
           JOIN permits_servicetype t ON t.active AND (
                NOT EXISTS (SELECT 1 FROM permits_servicetype_online_districts o
                            WHERE o.servicetype_id = t.id)
                OR EXISTS (SELECT 1 FROM permits_servicetype_online_districts o
                           WHERE o.servicetype_id = t.id AND o.district_id = d.id))"""
    )
    cursor.execute(
        """CREATE TEMP TABLE bench_type_counts AS
           SELECT district_id, count(*) AS k FROM bench_types GROUP BY district_id"""
    )
    cursor.execute("SELECT min(id), max(id) FROM parcels_parcel")
    low, high = cursor.fetchone()
    days = 365.0 * years
    cursor.execute(
        """
        WITH picks AS MATERIALIZED (
            SELECT g, (%(low)s + floor(random() * (%(high)s - %(low)s + 1)))::bigint AS pid,
                   random() AS r_type, random() AS r_age, random() AS r_state,
                   random() AS r_kind, random() AS r_close, random() AS r_contact,
                   random() AS r_channel, random() AS r_support
            FROM generate_series(1, %(oversample)s) g
        ), rows AS (
            SELECT k.*, p.id AS parcel_id, p.district_id, ST_PointOnSurface(p.geom) AS location,
                   t.type_id, t.department_id, t.sla_days,
                   now() - make_interval(secs => k.r_age * %(days)s * 86400) AS submitted_at,
                   k.r_state < CASE WHEN k.r_age * %(days)s > 45 THEN 0.85 ELSE 0.3 END
                       AS is_closed
            FROM picks k
            JOIN parcels_parcel p ON p.id = k.pid
            JOIN bench_type_counts c ON c.district_id = p.district_id
            JOIN bench_types t ON t.district_id = p.district_id
                              AND t.n = 1 + floor(k.r_type * c.k)::int
            ORDER BY k.g
            LIMIT %(count)s
        )
        INSERT INTO permits_servicerequest (
            tracking_code, service_type_id, location, parcel_id, district_id, department_id,
            status, description, attributes, contact_name, contact_phone, contact_email,
            language, channel, supporters, snapped_m, zoning_flag, zoning_note,
            submitted_at, updated_at, due_at, closed_at, duplicate_of_id)
        SELECT 'BEN-' || lpad(r.g::text, 8, '0'), r.type_id, r.location, r.parcel_id,
               r.district_id, r.department_id,
               CASE WHEN r.is_closed
                    THEN (%(closed)s::text[])[1 + floor(r.r_kind * %(n_closed)s)::int]
                    ELSE (%(open)s::text[])[1 + floor(r.r_kind * %(n_open)s)::int] END,
               'Benchmark request ' || r.g, '{}'::jsonb,
               CASE WHEN r.r_contact < 0.3 THEN 'Citizen ' || r.g ELSE '' END,
               CASE WHEN r.r_contact < 0.6
                    THEN '09' || lpad((floor(r.r_contact * 1e9))::bigint::text, 9, '0')
                    ELSE '' END,
               '',
               CASE WHEN r.r_contact < 0.5 THEN 'fa' ELSE 'en' END,
               CASE WHEN r.r_channel < 0.7 THEN 'web'
                    WHEN r.r_channel < 0.9 THEN 'api' ELSE 'open311' END,
               floor(power(r.r_support, 6) * 20)::int, NULL, false, '',
               r.submitted_at,
               CASE WHEN r.is_closed THEN r.closed_at ELSE r.submitted_at END,
               r.submitted_at + make_interval(days => r.sla_days),
               CASE WHEN r.is_closed THEN r.closed_at END,
               NULL
        FROM (
            SELECT rows.*, least(now(), rows.submitted_at + make_interval(
                       secs => (0.1 + rows.r_close * 2 * rows.sla_days) * 86400)) AS closed_at
            FROM rows
        ) r
        """,
        {
            "low": low,
            "high": high,
            "oversample": int(count * 1.02) + 100,
            "count": count,
            "days": days,
            "closed": CLOSED_STATUSES,
            "open": OPEN_STATUSES,
            "n_closed": len(CLOSED_STATUSES),
            "n_open": len(OPEN_STATUSES),
        },
    )
    cursor.execute(
        """
        INSERT INTO permits_requestevent (request_id, kind, from_status, to_status, note,
                                          note_fa, note_en, public, actor_id, created_at)
        SELECT r.id, 'submitted', '', 'submitted', '', 'درخواست ثبت شد.',
               'Request submitted.', true, NULL::integer, r.submitted_at
        FROM permits_servicerequest r WHERE r.tracking_code LIKE 'BEN-%%'
        UNION ALL
        SELECT r.id, 'routed', '', '', '', 'به منطقه ارجاع شد.', 'Routed to the district.',
               true, NULL::integer, r.submitted_at
        FROM permits_servicerequest r WHERE r.tracking_code LIKE 'BEN-%%'
        UNION ALL
        SELECT r.id, 'status_change', 'submitted', 'in_review', '', '', '', true, %(actor)s,
               r.submitted_at + (coalesce(r.closed_at, now()) - r.submitted_at) * 0.3
        FROM permits_servicerequest r
        WHERE r.tracking_code LIKE 'BEN-%%' AND r.status <> 'submitted'
        UNION ALL
        SELECT r.id, 'status_change', 'in_review', r.status, '', '', '', true, %(actor)s,
               coalesce(r.closed_at, r.submitted_at + (now() - r.submitted_at) * 0.5)
        FROM permits_servicerequest r
        WHERE r.tracking_code LIKE 'BEN-%%' AND r.status NOT IN ('submitted', 'in_review')
        """,
        {"actor": actor},
    )
    cursor.execute("DROP TABLE bench_types, bench_type_counts")
