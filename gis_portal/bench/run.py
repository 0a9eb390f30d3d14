"""The whole benchmark: database, server, every row, plan checks, table and JSON."""

from __future__ import annotations

import datetime
import json
import subprocess
import time
from collections.abc import Callable

import psycopg2

from gis_portal.bench import data, measure, report
from gis_portal.bench.config import MANAGE, PYTHON, BenchConfig, django_env, dsn, reference_dsn
from gis_portal.bench.server import Server

Log = Callable[[str], None]


def reset_runtime_rows(config: BenchConfig) -> int:
    """Remove what earlier runs filed (everything not generated), so every run measures
    the same data. History rows are append-only by trigger: replica mode skips it here,
    in the benchmark's own database only."""
    connection = psycopg2.connect(dsn(config.database))
    try:
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = replica")
            cursor.execute(
                "SELECT array_agg(id) FROM permits_servicerequest "
                "WHERE tracking_code NOT LIKE 'BEN-%%'"
            )
            ids = cursor.fetchone()[0] or []
            if ids:
                for table, column in (
                    ("permits_requestevent", "request_id"),
                    ("permits_attachment", "request_id"),
                    ("permits_support", "request_id"),
                    ("permits_idempotencyrecord", "service_request_id"),
                ):
                    cursor.execute(
                        f"DELETE FROM {table} WHERE {column} = ANY(%s)",  # noqa: S608
                        [ids],
                    )
                cursor.execute("DELETE FROM permits_servicerequest WHERE id = ANY(%s)", [ids])
        connection.commit()
    finally:
        connection.close()
    if ids:
        vacuum = psycopg2.connect(dsn(config.database))
        vacuum.autocommit = True
        with vacuum.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE permits_servicerequest")
            cursor.execute("VACUUM ANALYZE permits_requestevent")
        vacuum.close()
    return len(ids)


def vacuum_analyze(config: BenchConfig) -> None:
    """Fresh statistics and visibility maps, as autovacuum leaves a settled database."""
    connection = psycopg2.connect(dsn(config.database))
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    finally:
        connection.close()


def plan_checks(config: BenchConfig) -> list[dict]:
    done = subprocess.run(  # noqa: S603 - our own command
        [PYTHON, MANAGE, "bench", "--stage", "plans", "--db", config.database],
        env=django_env(config.database),
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def run(config: BenchConfig, log: Log, *, rebuild: bool = False) -> dict:
    started = time.perf_counter()
    database = data.ensure(config, log, rebuild=rebuild)
    vacuum_analyze(config)  # a new migration may have rewritten rows of a reused database
    removed = reset_runtime_rows(config)
    if removed:
        log(f"removed {removed:,} requests filed by earlier runs")
    connection = psycopg2.connect(reference_dsn(config.database))
    connection.autocommit = True
    with connection.cursor() as cursor:
        machine = report.machine(cursor)
        points = measure.city_points(cursor, max(config.lookup_points, 600), config.seed)
    log(
        f"machine: {machine['cpu']}, {machine['cores']} cores, {machine['ram_gib']} GiB, "
        f"PostgreSQL {machine['postgresql']}, PostGIS {machine['postgis']}"
    )
    plans = plan_checks(config)
    bad = [p["name"] for p in plans if not p["ok"]]
    log(
        f"query plans: {len(plans) - len(bad)}/{len(plans)} on their GiST index"
        + (f"; NOT: {', '.join(bad)}" if bad else "")
    )
    rows: list[dict] = []
    with Server(config) as server:
        log(
            f"gunicorn: {server.workers} workers × {config.threads} threads "
            f"on 127.0.0.1:{server.port}"
        )
        ctx = measure.Context(
            config=config, port=server.port, connection=connection, log=log, points=points
        )
        steps = {
            1: lambda: measure.row_lookup(ctx),
            2: lambda: measure.row_routing(ctx),
            4: lambda: measure.row_tiles(ctx),
            5: lambda: measure.row_geojson_bbox(ctx),
            7: lambda: measure.row_ogc_pages(ctx),
            8: lambda: measure.row_dashboard(ctx),
            3: lambda: measure.row_filing(ctx),  # writes: after the read-only rows
        }
        for number, step in steps.items():
            if number not in config.rows:
                continue
            step_started = time.perf_counter()
            log(f"row {number} …")
            try:
                row = step()
            except Exception as error:  # a broken endpoint is a result, not a crash
                row = {
                    "row": number,
                    "name": f"row {number}",
                    "result": f"ERROR: {error}",
                    "target": "",
                    "verdict": "ERROR",
                }
            row["seconds"] = round(time.perf_counter() - step_started, 1)
            log(f"row {number}: {row['result']} — {row['verdict']} ({row['seconds']} s)")
            rows.append(row)
    if 6 in config.rows:
        step_started = time.perf_counter()
        log("row 6 (import; the server is stopped) …")
        try:
            row = measure.row_import(ctx, str(data.gpkg_path(config)))
        except Exception as error:
            row = {
                "row": 6,
                "name": "import from a GeoPackage",
                "result": f"ERROR: {error}",
                "target": "",
                "verdict": "ERROR",
            }
        row["seconds"] = round(time.perf_counter() - step_started, 1)
        log(f"row 6: {row['result']} — {row['verdict']} ({row['seconds']} s)")
        rows.append(row)
    removed = reset_runtime_rows(config)
    connection.close()
    rows.sort(key=lambda r: r["row"])
    payload = {
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "machine": machine,
        "config": config.as_dict(),
        "database": database,
        "plans": plans,
        "rows": rows,
        "table": report.table(rows),
        "seconds": round(time.perf_counter() - started, 1),
    }
    path = report.write(payload)
    log("")
    log(payload["table"])
    log("")
    log(f"written to {path} ({payload['seconds']:.0f} s in all)")
    return payload
